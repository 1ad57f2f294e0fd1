"""Pieces every plain-text writer shares: lines on stdout (and a note on stderr), paragraphs
wrapped and tables fitted to the terminal's width, columns, short ARNs, the deciding
statement's line, the words for a credential's MFA mode, and a path hop by hop."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamgraph.errors import InputError
from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Reason
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.reach import Reach
from iamgraph.render.controls import label, terminal, terminal_line
from iamgraph.verdict import Verdict

stdout = Console(soft_wrap=True)  # writes to sys.stdout as it is at print time
stderr = Console(stderr=True, soft_wrap=True)


@dataclass(frozen=True)
class Para:
    """Text wrapped to the terminal's width when said (a headline, a finding's message, a
    reason): `indent` starts every line, `hang` adds to the lines after the first. Words are
    never broken, so an ARN longer than the width stays whole on its own line."""

    text: str
    indent: str = ""
    hang: str = "    "


Said = str | Para | Table  # what `say` writes: a line as it is, a paragraph, a table


def wrapped(p: Para, width: int) -> list[str]:
    """A paragraph's lines at `width` columns."""
    return textwrap.wrap(
        p.text,
        width=max(width, 40),
        initial_indent=p.indent,
        subsequent_indent=p.indent + p.hang,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [p.indent.rstrip()]


def unwrapped(items: Iterable[Said]) -> list[str]:
    """Each paragraph as one line and each table as its lines at 1,000 columns: what `say`
    writes before it fits the terminal (tests read it)."""
    out: list[str] = []
    for item in items:
        if isinstance(item, Table):
            out += table_lines(item, 1000)
        else:
            out.append(item.indent + item.text if isinstance(item, Para) else item)
    return out


def table(
    headers: list[str], rows: list[list[str]], right: Iterable[str] = (), whole: int = 48
) -> Table:
    """A rich table of plain cells (no markup read, control characters as their escapes)
    whose columns wrap at spaces (a word longer than its column is folded, never cut off)
    to fit the terminal; the first column keeps up to `whole` characters on one line. `say`
    writes it with no box and no colour when stdout is not a terminal."""
    t = Table(box=None, show_edge=False, pad_edge=False, header_style="", expand=False)
    first = min(whole, max([len(headers[0]), *(len(label(r[0])) for r in rows)]))
    for i, h in enumerate(headers):
        t.add_column(
            h,
            justify="right" if h in right else "left",
            overflow="fold",
            min_width=first if i == 0 else None,
        )
    for r in rows:
        t.add_row(*(Text(label(c)) for c in r))
    return t


def table_lines(t: Table, width: int) -> list[str]:
    """The table as plain lines at `width` columns (no trailing spaces)."""
    plain = Console(
        file=io.StringIO(),
        width=width,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )
    plain.print(t, soft_wrap=False)
    return [line.rstrip() for line in plain.file.getvalue().splitlines()]


def say(lines: Iterable[Said]) -> None:
    """Lines on stdout as written: no rich markup or highlighting in names and ARNs, and no
    control character from a name (an ESC sequence could erase a FAIL line): each is shown as
    its escape (`render.controls.terminal`). A paragraph is wrapped and a table fitted to
    the terminal's width (COLUMNS, else 80 when stdout is not a terminal); in a terminal a
    table's header is underlined and bold, elsewhere it is plain text."""
    for item in lines:
        if isinstance(item, Table):
            if stdout.is_terminal:
                item.box, item.header_style = box.SIMPLE_HEAD, "bold"
                stdout.print(item, soft_wrap=False)
                continue
            out = table_lines(item, stdout.width)
        elif isinstance(item, Para):
            out = wrapped(Para(terminal_line(item.text), item.indent, item.hang), stdout.width)
        else:
            out = [item]
        for line in out:
            stdout.print(terminal_line(line), highlight=False, markup=False)


def warn(line: str) -> None:
    """A note on stderr, beside a report that is still written (a diagram left out); control
    characters shown as their escapes, as in `say`."""
    stderr.print(terminal(line), highlight=False, markup=False)


def unreadable(errors: Iterable[InputError]) -> None:
    """Each optional file a snapshot left out because it cannot be read, named once on stderr
    (file, JSON path, reason) in the shape of an input error: the answers still come."""
    for line in dict.fromkeys(str(e) for e in errors):
        warn(f"iamgraph: warning: {line} (left out: what reads it is unknown; --strict stops)")


def input_warnings(snap: Snapshot) -> None:
    """Each contradiction in the snapshot's input once on stderr, beside the answer (`lint`
    reports them as IAMG-L009 findings instead)."""
    for w in snap.warnings:
        src = w.source
        where = f"{src.file}:{src.line}:{src.column}" if src.line else src.file
        warn(f"iamgraph: warning: {where}: {w.message}")


MODE_WORDS = {
    Mfa.LONG_TERM_KEYS: "access keys",
    Mfa.NO_MFA: "session without MFA",
    Mfa.MFA: "session with MFA",
}


def plain_table(headers: list[str], rows: list[list[str]], right: set[str] = frozenset()) -> str:
    """Columns padded with spaces: readable in a terminal, a pipe, a README, a CI log. A cell
    stays on its line: a carriage return or newline in a name is shown as its escape."""
    rows = [[label(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        out = [
            c.rjust(w) if h in right else c.ljust(w)
            for c, w, h in zip(cells, widths, headers, strict=True)
        ]
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


def short(arn: str) -> str:
    """`arn:aws:iam::111122223333:role/x` -> `111122223333:role/x`; an ARN without an account
    keeps its service: `arn:aws:s3:::bucket` -> `s3:::bucket`."""
    if not arn.startswith("arn:") or arn.count(":") < 5:
        return arn
    parts = arn.split(":", 4)
    return parts[4] if not parts[4].startswith(":") else arn.split(":", 2)[2]


def reason_line(reason: Reason) -> str:
    """`allowed by identity: POLICY Sid SID (file:line:col /pointer)`, as every command shows it."""
    where = f"{reason.file}:{reason.line}:{reason.column}" if reason.line else reason.file
    at = f" at {reason.at}" if reason.at else ""
    sid = f" Sid {reason.sid}" if reason.sid else ""
    verb = "denied" if reason.effect == "Deny" else "allowed"
    return f"{verb} by {reason.layer.value}{at}: {reason.policy}{sid} ({where} {reason.pointer})"


def path_lines(reach: Reach) -> list[str]:
    """One line per hop, then what it needed and which statements allowed it."""
    lines = []
    for i, h in enumerate(reach.hops, 1):
        held = MODE_WORDS[h.mode_from]
        gets = "admin permissions" if h.admin else MODE_WORDS[h.mode_to]
        tag = "" if h.verdict is Verdict.REACHABLE else "  [unknown]"
        lines.append(
            f"{i}. {short(h.source)} ({held}) --{h.method}--> {short(h.target)} ({gets}){tag}"
        )
        lines.append("   " + "; ".join(f"{a} on {r}" for a, r in h.actions))
        if h.detail:
            lines.append(f"   {h.detail}")
        lines += [f"   allowed by {s}" for s in h.statements]
        lines += [f"   unknown: {r}" for r in h.reasons]
    return lines
