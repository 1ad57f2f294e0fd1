"""`--render FILE`: the answer's paths as a Graphviz diagram (the drawing is `render/`'s)."""

from __future__ import annotations

from pathlib import Path

from iamgraph.cli.common import stderr
from iamgraph.errors import InputError
from iamgraph.graph.query import Reach
from iamgraph.model.snapshot import Snapshot
from iamgraph.render.dot import FORMATS, Goal, RenderError, diagram, write
from iamgraph.verdict import Verdict


def check_render(path: Path | None) -> None:
    """Refuse an unknown format before any work is done."""
    if path is not None and path.suffix.lower().lstrip(".") not in FORMATS:
        raise InputError(str(path), "--render", f"the format must be one of {', '.join(FORMATS)}")


def write_render(path: Path, snap: Snapshot, reaches: list[Reach], title: str) -> None:
    """Draw every reachable (and unknown) answer's path and what it ends in."""
    shown = [r for r in reaches if r.answer.verdict is not Verdict.UNREACHABLE]
    hops = [h for r in shown for h in r.hops]
    goals = [
        Goal(r.answer.witness.resource, r.answer.witness.principal, r.answer.witness.action)
        for r in shown
        if r.answer.witness is not None
    ]
    starts = [r.answer.principal for r in shown]
    emit(diagram(snap, hops, title=title, goals=goals, starts=starts), path)


def emit(dot, path: Path) -> None:
    try:
        write(dot, path)
    except RenderError as exc:
        stderr.print(str(exc), highlight=False, markup=False)
        return
    stderr.print(f"wrote {path}", highlight=False, markup=False)
