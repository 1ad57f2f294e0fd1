"""Pieces every plain-text writer shares: lines on stdout (and a note on stderr), columns,
short ARNs, the deciding statement's line, the words for a credential's MFA mode, and a path
hop by hop."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console

from iamgraph.errors import InputError
from iamgraph.evaluate.gather import Mfa
from iamgraph.evaluate.layers import Reason
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.reach import Reach
from iamgraph.render.controls import label, terminal, terminal_line
from iamgraph.verdict import Verdict

stdout = Console(soft_wrap=True)  # writes to sys.stdout as it is at print time
stderr = Console(stderr=True, soft_wrap=True)


def say(lines: Iterable[str]) -> None:
    """Lines on stdout as written: no rich markup or highlighting in names and ARNs, and no
    control character from a name (an ESC sequence could erase a FAIL line): each is shown as
    its escape (`render.controls.terminal`)."""
    for line in lines:
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
    """`arn:aws:iam::111122223333:role/x` -> `111122223333:role/x`."""
    return arn.split(":", 4)[4] if arn.startswith("arn:") else arn


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
