"""Attack paths and the permission graph as Graphviz diagrams.

Accounts are clusters inside their OUs; users are rounded boxes, roles hexagons, root users
double octagons; an escalation edge is labelled with its method and the MFA state it leaves
the attacker in, coloured by the kind of method, dashed when the step is `unknown`; the goal
(a resource, or admin) is highlighted. Every label is escaped: names may hold quotes, angle
brackets, backslashes or control characters (shown as `\\x1b`: XML cannot hold them, so the
SVG would not parse; issue 17, class 4). `dot` runs from here; without it the `.dot` source is
written and the caller is told how to install Graphviz.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import graphviz

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.build import Hop
from iamgraph.graph.methods import BY_NAME, Family
from iamgraph.model.organization import NodeKind
from iamgraph.model.principals import PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.outputs import write_whole
from iamgraph.render.controls import label as visible
from iamgraph.verdict import Verdict

FORMATS = ("svg", "png", "pdf", "dot")
COLOURS = {
    Family.TRUST: "#1f77b4",
    Family.CREDENTIALS: "#ff7f0e",
    Family.PASSROLE: "#2ca02c",
    Family.EXISTING: "#17becf",
    Family.POLICY_VERSION: "#d62728",
    Family.POLICY_WRITE: "#d62728",
    Family.GROUP: "#d62728",
    Family.BOUNDARY: "#d62728",
}
SHAPES = {
    PrincipalKind.USER: ("box", "rounded,filled"),
    PrincipalKind.ROLE: ("hexagon", "filled"),
    PrincipalKind.ROOT: ("doubleoctagon", "filled"),
}
MODE = {Mfa.LONG_TERM_KEYS: "keys, no MFA", Mfa.NO_MFA: "no MFA", Mfa.MFA: "MFA"}


@dataclass(frozen=True)
class Goal:
    """What a path ends in: a request on a resource, or admin permissions."""

    label: str
    principal: str  # the principal that makes the request (or becomes admin)
    edge: str  # e.g. "cloudtrail:DeleteTrail"


class RenderError(Exception):
    """`dot` is missing: the `.dot` file was written instead."""


def text(value: str) -> str:
    """A DOT label from any text: control characters shown as escapes, backslashes doubled,
    HTML-like labels disabled (quotes are escaped by the graphviz package's own quoting)."""
    return graphviz.nohtml(visible(value).replace("\\", "\\\\"))


def lines(*parts: str) -> str:
    """A label of several lines, each escaped as `text` does."""
    return graphviz.nohtml("\\n".join(visible(p).replace("\\", "\\\\") for p in parts))


def diagram(
    snap: Snapshot,
    hops: Iterable[Hop],
    *,
    title: str,
    goals: Iterable[Goal] = (),
    starts: Iterable[str] = (),
    principals: Iterable[str] = (),
    ends: Iterable[str] = (),
) -> graphviz.Digraph:
    """`starts` are shaded blue; `ends` and the principals that reach `goals` gold."""
    hops = list(dict.fromkeys(hops))
    goals = list(goals)
    starts = set(starts)
    shown = set(principals) | {h.source for h in hops} | {h.target for h in hops}
    shown |= {g.principal for g in goals} | starts
    shown = {a for a in shown if a in snap.principals}
    dot = graphviz.Digraph("iamgraph", graph_attr={"rankdir": "LR", "fontname": "Helvetica"})
    legend = "solid edge: proven step; dashed: unknown step; gold: the goal, or an administrator"
    dot.attr(label=lines(title, legend), labelloc="t", fontsize="14")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    ids = {arn: f"p{i}" for i, arn in enumerate(sorted(shown))}  # ARNs hold ':' (DOT ports)
    _clusters(dot, snap, ids, starts, {g.principal for g in goals} | set(ends))
    for h in hops:
        method = BY_NAME.get(h.method)
        colour = COLOURS.get(method.family, "black") if method else "black"
        after = "admin" if h.admin else MODE[h.mode_to]
        dot.edge(
            ids[h.source],
            ids[h.target],
            label=lines(h.method, f"{MODE[h.mode_from]} -> {after}"),
            color=colour,
            fontcolor=colour,
            style="solid" if h.verdict is Verdict.REACHABLE else "dashed",
            penwidth="2",
        )
    targets = {label: f"goal{i}" for i, label in enumerate(dict.fromkeys(g.label for g in goals))}
    for label, node in targets.items():
        dot.node(node, text(label), shape="note", style="filled", fillcolor="#ffd700")
    for g in dict.fromkeys(goals):
        dot.edge(
            ids[g.principal], targets[g.label], label=text(g.edge), color="#b8860b", penwidth="2.5"
        )
    return dot


def _clusters(dot, snap: Snapshot, ids: dict[str, str], starts: set[str], ends: set[str]) -> None:
    by_account: dict[str, list[str]] = {}
    for arn in sorted(ids):
        by_account.setdefault(snap.principals[arn].account, []).append(arn)
    org = snap.organization

    def account_cluster(parent, account: str) -> None:
        name = org.accounts[account].name if org and account in org.accounts else ""
        with parent.subgraph(name=f"cluster_{visible(account)}") as c:
            c.attr(label=text(f"{name} {account}".strip()), style="rounded", color="#888888")
            for arn in by_account.get(account, []):
                p = snap.principals[arn]
                shape, style = SHAPES[p.kind]
                fill = "#ffd700" if arn in ends else "#cfe8ff" if arn in starts else "#f5f5f5"
                c.node(
                    ids[arn], lines(p.kind.value, p.name), shape=shape, style=style, fillcolor=fill
                )

    placed: set[str] = set()
    if org is not None:

        def ou(parent, node_id: str) -> None:
            node = org.nodes[node_id]
            accounts = [a for a in _accounts_under(org, node_id) if a in by_account]
            if not accounts:
                return
            if node.kind is NodeKind.ACCOUNT:
                account_cluster(parent, node_id)
                placed.add(node_id)
                return
            with parent.subgraph(name=f"cluster_{visible(node_id)}") as c:
                c.attr(
                    label=text(
                        f"{'OU' if node.kind is NodeKind.OU else 'organization'} {node.name}"
                    ),
                    style="dashed",
                    color="#bbbbbb",
                )
                for child in node.children:
                    ou(c, child)

        ou(dot, org.root_id)
    for account in by_account:
        if account not in placed:
            account_cluster(dot, account)


def _accounts_under(org, node_id: str) -> list[str]:
    node = org.nodes[node_id]
    if node.kind is NodeKind.ACCOUNT:
        return [node_id]
    return [a for child in node.children for a in _accounts_under(org, child)]


def write(dot: graphviz.Digraph, path: Path) -> Path:
    """Write `path` (.svg, .png, .pdf or .dot). Without `dot`, write the `.dot` source next to
    it and raise RenderError saying how to install Graphviz."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{path}: the diagram format must be one of {', '.join(FORMATS)}")
    if fmt == "dot":
        write_whole(path, dot.source, "--render")
        return path
    try:
        drawn = dot.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        source = path.with_suffix(".dot")
        write_whole(source, dot.source, "--render")
        raise RenderError(
            f"Graphviz's dot is not installed: wrote {source} instead "
            f"(install it with `sudo apt-get install -y graphviz`, then "
            f"`dot -T{fmt} {source} -o {path}`)"
        ) from None
    write_whole(path, drawn, "--render")
    return path


def svg(dot: graphviz.Digraph) -> str:
    """The diagram as SVG text (Graphviz's `dot` draws it: ExecutableNotFound without it)."""
    return dot.pipe(format="svg").decode()
