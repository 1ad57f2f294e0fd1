"""iamgraph's `privesc` against the model checker on one account (the test side: the only
module here that calls `iamgraph.graph`; the checker modules never import it).

Agreement, per principal (the account root is left out: admin on both sides, E20):
- `proven-unreachable`: the checker finds no admin within `search.BOUND` moves from the
  principal's own credentials (a path of at most BOUND moves is a disagreement);
- `reachable`: the engine's path replays as concrete calls (`search.replay`), ending on an
  admin credential;
- `unknown`: agrees with anything.
A checker search that stops at its state cap decides nothing (counted, not compared).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iamgraph.graph.build import build
from iamgraph.graph.paths import Paths, modes_filter, privesc
from iamgraph.load.snapshot import load_snapshot
from iamgraph.verdict import Verdict
from tests.modelcheck.account import Account, Mode
from tests.modelcheck.aws_files import write_snapshot
from tests.modelcheck.search import Claim, own_credentials, replay, search

TIMEOUT_MS = 60_000  # generous: a solver timeout only makes an answer unknown, never wrong


@dataclass(frozen=True)
class Disagreement:
    principal: str
    engine: str  # the engine's verdict and path
    checker: str  # what the checker found

    def __str__(self) -> str:
        return f"{self.principal}: engine {self.engine}; checker {self.checker}"


@dataclass(frozen=True)
class Comparison:
    disagreements: tuple[Disagreement, ...]
    compared: int  # principals with a decided verdict on both sides
    verdicts: dict[str, str]  # principal -> the engine's verdict


def engine_privesc(account: Account, folder: Path):
    snap = load_snapshot(write_snapshot(account, folder))
    pg = build(snap, TIMEOUT_MS)
    return privesc(pg, Paths(pg, TIMEOUT_MS), modes_filter(None))


def _path(found) -> str:
    hops = "; ".join(
        f"{h.source.rsplit(':', 1)[-1]}[{h.mode_from}] {h.method} -> "
        f"{h.target.rsplit(':', 1)[-1]}[{h.mode_to}]"
        for h in found.hops
    )
    return f"{found.verdict} ({hops or 'no hops'})"


def compare(account: Account, folder: Path) -> Comparison:
    principals = set(account.principals())
    out: list[Disagreement] = []
    compared = 0
    verdicts = {}
    for found in engine_privesc(account, folder):
        if found.principal not in principals:
            continue
        verdicts[found.principal] = str(found.verdict)
        if found.verdict is Verdict.UNREACHABLE:
            result = search(account, own_credentials(account, found.principal))
            if not result.complete:
                continue
            compared += 1
            if result.reachable:
                out.append(Disagreement(found.principal, _path(found), str(result)))
        elif found.verdict is Verdict.REACHABLE:
            compared += 1
            # the engine's search starts from all of the principal's own credentials at once
            start = own_credentials(account, found.principal)
            claims = [
                Claim(
                    h.method,
                    h.source,
                    Mode(h.mode_from.value),
                    h.target,
                    Mode(h.mode_to.value),
                    tuple(action for action, _ in h.actions),
                )
                for h in found.hops
            ]
            if not replay(account, start, claims):
                out.append(Disagreement(found.principal, _path(found), "the path does not replay"))
    return Comparison(tuple(out), compared, verdicts)
