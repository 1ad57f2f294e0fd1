"""`iamgraph lint`: policy findings with `file:line:col`, one rule per entry of `RULES`.

Grammar errors come from the parser (collected, not raised); the other rules read parsed
policies against the action catalog: unknown services and actions, resources an action does not
take, unknown condition keys, SCP wildcards the SCP grammar does not allow, and variables that
are literal text because of the policy Version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from iamgraph.catalog import Catalog, catalog
from iamgraph.errors import InputError
from iamgraph.finding import Finding, Location, Rule, Severity, register
from iamgraph.load.fields import policy_errors
from iamgraph.load.policy_file import load_policy_file
from iamgraph.load.snapshot import load_snapshot
from iamgraph.model.policy import Effect, Policy, PolicyKind, Statement
from iamgraph.model.snapshot import InputWarning, Snapshot
from iamgraph.model.source import SourceRef


def _rule(rule_id: str, severity: Severity, title: str) -> Rule:
    """A lint rule in the one registry. AWS would reject what an `error` rule finds: HIGH on
    the one scale; a `warning` is MEDIUM (`Severity.compiler_word` prints them back)."""
    return register(Rule(rule_id, rule_id.lower(), title, severity, "", module=__name__))


GRAMMAR = _rule("IAMG-L001", Severity.HIGH, "policy grammar")
UNKNOWN_SERVICE = _rule("IAMG-L002", Severity.HIGH, "unknown service prefix")
UNKNOWN_ACTION = _rule("IAMG-L003", Severity.HIGH, "action matches nothing in the catalog")
RESOURCE_MISMATCH = _rule("IAMG-L004", Severity.MEDIUM, "no Resource of the type the action takes")
UNKNOWN_KEY = _rule("IAMG-L005", Severity.MEDIUM, "unknown condition key")
SCP_WILDCARD = _rule("IAMG-L006", Severity.MEDIUM, "SCP action wildcard not at the end")
LITERAL_VARIABLE = _rule("IAMG-L007", Severity.MEDIUM, "policy variable is literal text")
NOT_PRINCIPAL_ALLOW = _rule("IAMG-L008", Severity.MEDIUM, "NotPrincipal with Allow")
CONTRADICTION = _rule("IAMG-L009", Severity.MEDIUM, "the snapshot contradicts itself")
UNREADABLE = _rule("IAMG-L010", Severity.HIGH, "file cannot be read as a policy")


def lint_finding(
    rule: Rule, message: str, file: str, line: int, column: int, path: str, policy: str = ""
) -> Finding:
    """A lint finding: about the policy (by name), at `file:line:col`, its key the JSON path
    inside the file."""
    return Finding(rule, policy, message, key=path, locations=(Location(file, line, column),))


def is_error(f: Finding) -> bool:
    return f.rule.severity.compiler_word == "error"


def failing(findings: list[Finding], fail_on: str) -> bool:
    """Whether the findings fail the run: `never`, on an `error`, or on any (`warning`)."""
    if fail_on == "never":
        return False
    if fail_on == "error":
        return any(is_error(f) for f in findings)
    return bool(findings)


Check = Callable[[Policy, Statement, Catalog], Iterator[tuple[Rule, str, tuple]]]
_VARIABLE = re.compile(r"\$\{[^}]+\}")


def _element(st: Statement, name: str, i: int, count: int) -> tuple:
    return (name, i) if count > 1 else (name,)


def check_actions(policy: Policy, st: Statement, cat: Catalog):
    key = "NotAction" if st.not_action else "Action"
    for i, action in enumerate(st.actions):
        if action == "*":
            continue
        service = action.split(":", 1)[0].lower()
        if not any(c in service for c in "*?") and service not in cat.services:
            yield (
                UNKNOWN_SERVICE,
                f"unknown service prefix {service!r} in {action!r}",
                _element(st, key, i, len(st.actions)),
            )
        elif not cat.intervals(action):
            yield (
                UNKNOWN_ACTION,
                f"{action!r} matches no action in the catalog",
                _element(st, key, i, len(st.actions)),
            )


def check_resources(policy: Policy, st: Statement, cat: Catalog):
    if st.not_action or st.not_resource or not st.resources or "*" in st.resources:
        return
    for i, action in enumerate(st.actions):
        info = cat.lookup(action) if not any(c in action for c in "*?") else None
        if info is None:
            continue
        fits = [cat.resource_pattern_fits(info, r) for r in st.resources]
        if fits and all(f is False for f in fits):
            types = cat.resource_types(info.service)
            takes = ", ".join(
                f"{n} ({types[n].arn_template})" for n, _ in info.resource_types if n in types
            )
            yield (
                RESOURCE_MISMATCH,
                f"{info.full_name} takes {takes}; no Resource of this statement is one",
                _element(st, "Action", i, len(st.actions)),
            )


def check_condition_keys(policy: Policy, st: Statement, cat: Catalog):
    for cond in st.conditions:
        if not cat.condition_key_known(cond.key):
            yield (
                UNKNOWN_KEY,
                f"unknown condition key {cond.key!r}",
                ("Condition", cond.operator, cond.key),
            )


def check_scp_wildcards(policy: Policy, st: Statement, cat: Catalog):
    if policy.kind is not PolicyKind.SCP:
        return
    for i, action in enumerate(st.actions):
        name = action.split(":", 1)[-1]
        if action != "*" and ("?" in name or "*" in name[:-1]):
            yield (
                SCP_WILDCARD,
                f"{action!r}: in SCPs a wildcard may only stand alone or end the action name (P2)",
                _element(st, "NotAction" if st.not_action else "Action", i, len(st.actions)),
            )


def check_literal_variables(policy: Policy, st: Statement, cat: Catalog):
    if policy.variables_enabled:
        return
    texts = list(st.resources or ()) + [v for c in st.conditions for v in c.values]
    found = sorted({m for t in texts for m in _VARIABLE.findall(t)})
    if found:
        yield (
            LITERAL_VARIABLE,
            f"{', '.join(found)} is literal text: variables need Version 2012-10-17 (V4)",
            (),
        )


def check_not_principal(policy: Policy, st: Statement, cat: Catalog):
    if st.not_principal and st.effect is Effect.ALLOW:
        yield (
            NOT_PRINCIPAL_ALLOW,
            "NotPrincipal with Allow grants to everyone not listed (P7)",
            ("NotPrincipal",),
        )


CHECKS: tuple[Check, ...] = (
    check_actions,
    check_resources,
    check_condition_keys,
    check_scp_wildcards,
    check_literal_variables,
    check_not_principal,
)
RULES = (
    GRAMMAR,
    UNKNOWN_SERVICE,
    UNKNOWN_ACTION,
    RESOURCE_MISMATCH,
    UNKNOWN_KEY,
    SCP_WILDCARD,
    LITERAL_VARIABLE,
    NOT_PRINCIPAL_ALLOW,
    CONTRADICTION,
    UNREADABLE,
)


def lint_policies(policies: Iterable[Policy], cat: Catalog | None = None) -> list[Finding]:
    cat = cat or catalog()
    out = []
    for policy in policies:
        for st in policy.statements:
            for check in CHECKS:
                for rule, message, rel in check(policy, st, cat):
                    path = (*st.source.path, *rel)
                    line, column = policy.locate(path)
                    ref = SourceRef(
                        st.source.file, path, line or st.source.line, column or st.source.column
                    )
                    out.append(
                        lint_finding(
                            rule,
                            message,
                            ref.file,
                            ref.line,
                            ref.column,
                            ref.json_path,
                            policy.name,
                        )
                    )
    return out


def snapshot_policies(snap: Snapshot) -> Iterator[Policy]:
    """Every policy document the snapshot holds, each once."""
    for data in snap.accounts.values():
        auth = data.authorization
        if auth:
            for u in auth.users:
                yield from u.inline
            for g in auth.groups:
                yield from g.inline
            for r in auth.roles:
                yield r.trust
                yield from r.inline
            for p in auth.policies:
                if p.document:
                    yield p.document
        for b in data.buckets.values():
            if b.policy:
                yield b.policy
        for k in data.keys.values():
            if k.policy:
                yield k.policy
        for t in data.topics.values():
            if t.policy:
                yield t.policy
    if snap.organization:
        for op in snap.organization.policies.values():
            yield op.document


def in_aws_managed(f: Finding) -> bool:
    """Whether the finding is in a policy AWS owns (`arn:PARTITION:iam::aws:policy/...`): the
    user cannot change it, and its actions may be of services the catalog no longer lists."""
    parts = f.subject.split(":", 5)
    return len(parts) == 6 and parts[2] == "iam" and parts[4] == "aws"


@dataclass(frozen=True)
class Linted:
    """`lint`'s result: the findings shown (they decide the exit code) and how many findings in
    AWS managed policies were left out (`--include-aws-managed` shows them instead)."""

    findings: tuple[Finding, ...]
    aws_managed_hidden: int = 0


def lint_run(
    paths: Iterable[Path],
    kind: PolicyKind | None = None,
    progress=None,
    *,
    include_aws_managed: bool = False,
    strict: bool = False,
    size_limit: bool = True,
) -> Linted:
    """The `lint` command's one library call."""
    findings = lint_paths(paths, kind, progress, strict=strict, size_limit=size_limit)
    if include_aws_managed:
        return Linted(tuple(findings))
    shown = tuple(f for f in findings if not in_aws_managed(f))
    return Linted(shown, len(findings) - len(shown))


def lint_paths(
    paths: Iterable[Path],
    kind: PolicyKind | None = None,
    progress=None,
    *,
    strict: bool = False,
    size_limit: bool = True,
) -> list[Finding]:
    """Lint policy files and snapshot folders. A file that cannot be read (not JSON, not UTF-8,
    missing, not a policy, a document above AWS's size limit) is one UNREADABLE finding and the
    other paths are still linted, so one bad file of many hides nothing; `strict` raises its
    InputError instead. A snapshot folder's loader decides what it requires (authorization
    details, organization): those still raise. `size_limit=False` reads oversized documents."""
    collected: list[InputError] = []
    unreadable: list[InputError] = []
    token = policy_errors.set(collected)
    policies: list[Policy] = []
    warnings: list[InputWarning] = []
    try:
        for path in paths:
            if path.is_dir():
                snap = load_snapshot(path, progress, strict=strict, size_limit=size_limit)
                unreadable.extend(snap.unreadable)
                warnings += snap.warnings
                policies.extend(snapshot_policies(snap))
                continue
            mark = len(collected)
            try:
                if _is_authorization_dump(path):
                    snap = load_snapshot(path, progress, size_limit=size_limit)
                    warnings += snap.warnings
                    policies.extend(snapshot_policies(snap))
                else:
                    policies.extend(load_policy_file(path, kind, size_limit=size_limit))
            except InputError as exc:
                if strict:
                    raise
                del collected[mark:]  # the file is one finding, not its parts read before
                unreadable.append(exc)
    finally:
        policy_errors.reset(token)
    findings = [
        lint_finding(rule, e.message, e.file, *(e.position or (0, 0)), e.path)
        for rule, errors in ((GRAMMAR, collected), (UNREADABLE, unreadable))
        for e in errors
    ]
    findings += lint_policies(policies)
    findings += [
        lint_finding(
            CONTRADICTION,
            w.message,
            w.source.file,
            w.source.line,
            w.source.column,
            w.source.json_path,
        )
        for w in warnings
    ]
    return sorted(findings, key=lambda f: (*_where(f), f.rule.id, f.message))


def _where(f: Finding) -> tuple[str, int, int]:
    loc = f.locations[0]
    return loc.file, loc.line, loc.column


def _is_authorization_dump(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        head = fh.read(4096)
    return any(k in head for k in (b'"UserDetailList"', b'"RoleDetailList"', b'"GroupDetailList"'))
