"""The answer first: the one or two sentences `ask`, `who-can`, `can`, `privesc`, `check` and
`audit` open their text output with, composed from the verdicts alone.

A headline says YES, NO or UNKNOWN (PASS, FAIL or UNKNOWN for `check` and `audit`), the counts
as the verdicts give them, the first few principals by name with the path that gets each
there, and for an unknown the first reason. It never says NO while any verdict is unknown, and
a principal that counts only because a credential of it can be obtained (a role's session
given out through PassRole, a rewritten trust) says how, as the first step in words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from iamgraph.finding import Finding, Severity
from iamgraph.graph.build import Hop
from iamgraph.graph.methods import BY_NAME, Family
from iamgraph.premerge.invariants import InvariantResult
from iamgraph.query.answer import Escalation
from iamgraph.query.reach import Reach
from iamgraph.render.text import MODE_WORDS, short
from iamgraph.verdict import Answer, Result, Verdict

NAMED = 3  # principals named in a headline; the rest are counted ("and 5 more")


# -- words ----------------------------------------------------------------------------------


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def names(arns: Iterable[str]) -> dict[str, str]:
    """Each ARN's short name: the user's or role's name where no other principal shares it,
    `root of ACCOUNT` for a root user, else the ARN without `arn:aws:iam::`."""
    arns = list(dict.fromkeys(arns))
    tail = {a: _tail(a) for a in arns}
    seen = Counter(tail.values())
    return {a: tail[a] if seen[tail[a]] == 1 else short(a) for a in arns}


def _tail(arn: str) -> str:
    if arn.endswith(":root") and arn.count(":") == 5:
        return f"root of {arn.split(':')[4]}"
    return arn.rsplit("/", 1)[-1] if "/" in arn else short(arn)


def method_words(method: str) -> str:
    """`PassRole+lambda:CreateFunction+InvokeFunction` -> `PassRole + lambda:CreateFunction +
    InvokeFunction`."""
    return method.replace("+", " + ")


def step_words(hop: Hop, name: dict[str, str] | None = None, how: bool = True) -> str:
    """One escalation step in words: who does what to obtain which credential (and with
    `how`, the method's name in brackets)."""
    name = name or {}
    src = name.get(hop.source, short(hop.source))
    dst = name.get(hop.target, short(hop.target))
    method = f" ({method_words(hop.method)})" if how else ""
    family = BY_NAME[hop.method].family if hop.method in BY_NAME else None
    if hop.method == "AssumeRole":
        return f"{src} assumes {dst}"
    if family is Family.TRUST:
        return f"{src} rewrites the trust policy of {dst} and assumes it{method}"
    if family is Family.PASSROLE:
        return f"{src} passes {dst} to new compute{method}"
    if family is Family.EXISTING:
        return f"{src} runs code on existing compute that runs as {dst}{method}"
    if family is Family.CREDENTIALS:
        return f"{src} makes credentials of {dst}{method}"
    return f"{src} changes {dst} ({method_words(hop.method)})"


def _via(hops: Sequence[Hop], name: dict[str, str]) -> str:
    """`via lambda-org-maintenance: PassRole + ...`, hop after hop."""
    steps = [
        f"{'itself' if h.target == h.source else name.get(h.target, short(h.target))}: "
        f"{method_words(h.method)}"
        for h in hops
    ]
    return "via " + ", then ".join(steps)


def obtained_words(reach: Reach, name: dict[str, str]) -> str:
    """How the credential a principal counts with is obtained, the first step in words: `a
    session without MFA when ci-deployer passes it to new compute`; "" for its own."""
    if not reach.obtained or reach.start is None:
        return ""
    first = reach.obtained[0]
    more = len(reach.obtained) - 1
    then = f", then {plural(more, 'more step')}" if more else ""
    it = {reach.answer.principal: "it"}
    return f"a {MODE_WORDS[reach.start.mode]} when {step_words(first, name | it, False)}{then}"


def principal_words(reach: Reach, name: dict[str, str]) -> str:
    """A principal as a headline lists it: its name, the path, how its credential is held."""
    parts = []
    if reach.hops:
        parts.append(_via(reach.hops, name))
    how = obtained_words(reach, name)
    if how:
        parts.append(how)
    who = name.get(reach.answer.principal, short(reach.answer.principal))
    return f"{who} ({'; '.join(parts)})" if parts else who


def request_words(actions: Sequence[str], resources: Sequence[str], mfa: str | None) -> str:
    """`cloudtrail:StopLogging on 111122223333:trail/acme-org-trail without MFA`."""
    return (
        f"{_some(list(actions), 'action')} on {_some([short(r) for r in resources], 'resource')}"
        + {
            None: "",
            "no-mfa": " without MFA",
            "mfa": " with MFA",
        }[mfa]
    )


def _some(items: list[str], what: str) -> str:
    if len(items) <= 2:
        return " or ".join(items)
    if len(items) == 3:
        return f"{items[0]}, {items[1]} or {items[2]}"
    return f"{items[0]}, {items[1]} or {len(items) - 2} more {what}s"


def _listed(words: list[str], total: int) -> str:
    shown = ", ".join(words[:NAMED])
    return shown + (f" and {total - NAMED} more" if total > NAMED else "")


def _first_unknown(reaches: Sequence[Reach], name: dict[str, str]) -> str:
    r = reaches[0]
    why = r.answer.reasons[0] if r.answer.reasons else "undecided"
    more = f" and {len(reaches) - 1} more" if len(reaches) > 1 else ""
    return f"{name.get(r.answer.principal, short(r.answer.principal))} ({why}){more}"


# -- who-can, can, ask ----------------------------------------------------------------------


def who_can_headline(
    reaches: Sequence[Reach], actions: Sequence[str], resources: Sequence[str], mfa: str | None
) -> str:
    """`YES: 2 principals can X: a (via ...), b. 38 proven unable.`, `NO: ... proven for all
    N` or `UNKNOWN: ...` with the first unknown's reason."""
    name = names(r.answer.principal for r in reaches)
    what = request_words(actions, resources, mfa)
    yes = [r for r in reaches if r.answer.verdict is Verdict.REACHABLE]
    unknown = [r for r in reaches if r.answer.verdict is Verdict.UNKNOWN]
    proven = len(reaches) - len(yes) - len(unknown)
    unable = f" {proven} proven unable." if proven else ""
    if yes:
        listed = _listed([principal_words(r, name) for r in yes], len(yes))
        if unknown:
            unable = unable[:-1] + "," if unable else ""
            unable += f" {len(unknown)} unknown: {_first_unknown(unknown, name)}."
        return f"YES: {plural(len(yes), 'principal')} can {what}: {listed}.{unable}"
    if unknown:
        return (
            f"UNKNOWN: no principal is shown able to {what}, but {len(unknown)} of "
            f"{len(reaches)} {'is' if len(unknown) == 1 else 'are'} unknown: "
            f"{_first_unknown(unknown, name)}.{unable}"
        )
    if not reaches:  # a filter that leaves no principal to ask (outside the organization)
        return f"NO: no principal can {what}: none qualifies (why is said below)."
    return f"NO: no principal can {what}: proven for all {len(reaches)}."


def can_headline(
    reach: Reach,
    actions: Sequence[str],
    resources: Sequence[str],
    mfa: str | None,
    what: str | None = None,
) -> str:
    """`YES: ci-deployer can X, via ...`, `NO: ... cannot X (proven)` or `UNKNOWN: whether
    ... can X: the first reason`; `what` says X in words (`paths`: "become admin")."""
    a = reach.answer
    name = names([a.principal, *(h.target for h in reach.hops)])
    who = name[a.principal]
    what = what or request_words(actions, resources, mfa)
    if a.verdict is Verdict.REACHABLE:
        via = f", {_via(reach.hops, name)}" if reach.hops else ""
        return f"YES: {who} can {what}{via}."
    if a.verdict is Verdict.UNREACHABLE:
        return f"NO: {who} cannot {what} (proven)."
    why = a.reasons[0] if a.reasons else "undecided"
    more = f" (and {plural(len(a.reasons) - 1, 'more reason')})" if len(a.reasons) > 1 else ""
    return f"UNKNOWN: whether {who} can {what}: {why}{more}."


# -- privesc --------------------------------------------------------------------------------


def privesc_headline(escalations: Sequence[Escalation], mfa: str | None) -> str:
    """`YES: 2 principals that are not admin can become admin: ...`, with how many are admin
    already, proven unable and unknown."""
    name = names(e.found.principal for e in escalations)
    mode = {None: "", "no-mfa": " without MFA", "mfa": " with MFA"}[mfa]
    admins = [e for e in escalations if e.admin and e.found.verdict is Verdict.REACHABLE]
    climb = [e for e in escalations if e.found.verdict is Verdict.REACHABLE and e not in admins]
    unknown = [e for e in escalations if e.found.verdict is Verdict.UNKNOWN]
    proven = sum(e.found.verdict is Verdict.UNREACHABLE for e in escalations)
    counts = f"{len(admins)} admin already, {proven} proven unable"
    if climb:
        listed = _listed(
            [principal_words(_reach(e), name) for e in climb],
            len(climb),
        )
        return (
            f"YES: {plural(len(climb), 'principal')} not admin can become admin{mode}: "
            f"{listed}. {counts}"
            + (
                f", {len(unknown)} unknown: {_first_unknown([_reach(e) for e in unknown], name)}."
                if unknown
                else "."
            )
        )
    if unknown:
        first = _first_unknown([_reach(e) for e in unknown], name)
        return (
            f"UNKNOWN: no principal is shown able to become admin{mode}, but "
            f"{len(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown: {first}. {counts}."
        )
    others = len(escalations) - len(admins)
    return (
        f"NO: no principal that is not admin can become admin{mode}: proven for all "
        f"{others} ({len(admins)} admin already)."
    )


def admins_headline(escalations: Sequence[Escalation]) -> str:
    """ "Who is admin": `YES: 3 principals are admin: a, b, c.`; `UNKNOWN` when whether some
    is admin is undecided; `NO` only when every one is proven not to be."""
    name = names(e.found.principal for e in escalations)
    admins = [name[e.found.principal] for e in escalations if e.admin]
    undecided = [e for e in escalations if e.admin is None]
    if admins:
        more = f" Undecided for {len(undecided)}." if undecided else ""
        listed = _listed(admins, len(admins))
        return f"YES: {plural(len(admins), 'principal')} {_are(len(admins))} admin: {listed}.{more}"
    if undecided:
        first = name[undecided[0].found.principal]
        return f"UNKNOWN: no principal is shown to be admin; undecided for {first}."
    return f"NO: no principal is admin (proven for all {len(escalations)})."


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def _reach(e: Escalation) -> Reach:
    f = e.found
    return Reach(Answer(f.principal, f.verdict, None, f.reasons), f.hops, f.start)


# -- check ----------------------------------------------------------------------------------


def check_headline(
    result: str, outcomes: Sequence[InvariantResult], file: str, suppressed: int = 0
) -> str:
    """`FAIL: 2 of 7 invariants in FILE broken: a (2 principals), b (...). 5 hold (proven).`;
    `result` is the report's (after suppressions), so a break only suppressed findings show
    is said as such, never as a pass of the invariant."""
    total = len(outcomes)
    broken = [o for o in outcomes if o.result == Result.FAIL]
    unknown = [o for o in outcomes if o.result == Result.UNKNOWN]
    held = total - len(broken) - len(unknown)
    of = f"of {plural(total, 'invariant')} in {file}"

    def who(o: InvariantResult) -> str:
        parts = [plural(len(o.breaking), "principal")] if o.breaking else []
        parts += [f"{len(o.undecided)} unknown"] if o.undecided else []
        return f"{o.invariant.name} ({', '.join(parts)})" if parts else o.invariant.name

    holds = f"{held} {'holds' if held == 1 else 'hold'} (proven)"
    tail = holds + (f", {len(unknown)} unknown" if unknown else "")
    if broken:
        listed = _listed([who(o) for o in broken], len(broken))
        accepted = f" ({plural(suppressed, 'finding')} suppressed)" if suppressed else ""
        if result != Result.FAIL:  # every break is suppressed
            accepted = f" only where suppressed ({plural(suppressed, 'finding')})"
        return f"{result}: {len(broken)} {of} broken{accepted}: {listed}. {tail}."
    if unknown:
        first = unknown[0]
        r = first.undecided[0] if first.undecided else None
        why = f": {r.answer.reasons[0]}" if r is not None and r.answer.reasons else ""
        return (
            f"{result}: none {of} is shown broken, but {len(unknown)} "
            f"{'is' if len(unknown) == 1 else 'are'} unknown: {first.invariant.name}{why}. "
            f"{holds}."
        )
    return f"{result}: all {total} invariants in {file} hold (proven)."


# -- audit ----------------------------------------------------------------------------------


def audit_headline(result: str, findings: Sequence[Finding], checks: int, as_of: datetime) -> str:
    """`FAIL: 36 findings (8 critical, ...) and 6 unknown from 23 checks, as of DATE; most
    severe: CHECK (n), ...; unknown: CHECK (n), ...`"""
    live = [f for f in findings if f.suppression is None]
    fails = [f for f in live if not f.unknown]
    unknown = [f for f in live if f.unknown]
    by = Counter(f.rule.severity for f in fails)
    severities = ", ".join(f"{by[s]} {s.value}" for s in Severity if by[s])
    line = (
        f"{result}: {plural(len(fails), 'finding')}"
        + (f" ({severities})" if severities else "")
        + f" and {len(unknown)} unknown from {plural(checks, 'check')}, "
        f"as of {as_of.date().isoformat()}"
    )
    order = {s: i for i, s in enumerate(Severity)}
    worst = Counter(f.rule.id for f in sorted(fails, key=lambda f: order[f.rule.severity]))
    if worst:
        line += "; most severe: " + ", ".join(f"{k} ({n})" for k, n in list(worst.items())[:3])
        line += " and more" if len(worst) > 3 else ""
    open_ = Counter(f.rule.id for f in unknown)
    if open_:
        line += "; unknown: " + ", ".join(f"{k} ({n})" for k, n in list(open_.items())[:3])
        line += " and more" if len(open_) > 3 else ""
    return line + "."
