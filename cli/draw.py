"""`--render FILE`: the answer's paths as a Graphviz diagram (the drawing is `render/`'s)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from iamgraph.cli.common import stderr
from iamgraph.errors import InputError
from iamgraph.render.controls import terminal

if TYPE_CHECKING:  # the drawing's modules load graphviz and the graph: only when drawing
    from iamgraph.model.snapshot import Snapshot
    from iamgraph.query.reach import Reach


def check_render(path: Path | None) -> None:
    """Refuse an unknown format before any work is done."""
    if path is None:
        return
    from iamgraph.render.dot import FORMATS  # graphviz: only when drawing

    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise InputError(str(path), "--render", f"the format must be one of {', '.join(FORMATS)}")


def write_render(path: Path, snap: Snapshot, reaches: list[Reach], title: str) -> None:
    """Draw every reachable (and unknown) answer's path and what it ends in."""
    from iamgraph.render.diagrams import answers_diagram

    emit(answers_diagram(snap, reaches, title), path)


def emit(dot, path: Path) -> None:
    """Write the diagram, and say so (or why not) on stderr."""
    from iamgraph.render.dot import RenderError, write

    try:
        write(dot, path)
    except RenderError as exc:
        stderr.print(terminal(str(exc)), highlight=False, markup=False)
        return
    stderr.print(terminal(f"wrote {path}"), highlight=False, markup=False)
