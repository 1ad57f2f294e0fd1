"""One finding, whatever command produced it (audit, lint, the pre-merge checks): what rule it
breaks, about whom, where the responsible statement is, whether it is a proven failure or a
question left open, and a fingerprint that survives unrelated edits.

Every rule of every command is registered here once, by id (`register`, or the `check`
decorator for the audit's run functions), so an id is written in one place. Which module may
register which id prefix is `FAMILIES` (a test holds every registered id to it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from iamgraph.model.source import SourceRef


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; `--severity high` keeps ranks at or above HIGH's."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}[self.value]

    @property
    def score(self) -> str:
        """GitHub code scanning's `security-severity` (0.0-10.0): above 9 critical, 7-8.9
        high, 4-6.9 medium, below 4 low."""
        return {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}[
            self.value
        ]

    @property
    def sarif_level(self) -> str:
        return {"critical": "error", "high": "error", "medium": "warning"}.get(self.value, "note")

    @property
    def compiler_word(self) -> str:
        """The word a compiler-style line prints (`iamgraph lint`): an error is HIGH or worse
        (what AWS would reject), anything milder a warning."""
        return "error" if self.rank >= Severity.HIGH.rank else "warning"


# -- rules and their registry ---------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str  # stable: IAMG-P001, IAM.ROOT.ACCESS_KEYS; never renamed once released
    name: str  # kebab-case, for SARIF `name`
    title: str
    severity: Severity
    help: str  # what to do about it (the remediation)
    practice: str = ""  # audit: the best practice it serves, in a few words
    reads: str = ""  # audit: what it reads ("credential report", "graph", ...)
    run: Callable[..., Iterable[Finding]] | None = field(default=None, compare=False, repr=False)
    module: str = field(default="", compare=False)  # the module that registered it

    @property
    def remediation(self) -> str:
        return self.help


# id prefix -> the module that owns it; the longest matching prefix decides. IAM.MFA is split
# by what it reads: the console user's MFA is a credential-report fact (credentials), MFA on
# privileged principals and sensitive actions needs the graph (privileged).
FAMILIES: dict[str, str] = {
    "IAM.ROOT.": "iamgraph.audit.root",
    "IAM.PASSWORD.": "iamgraph.audit.passwords",
    "IAM.CREDS.": "iamgraph.audit.credentials",
    "IAM.MFA.CONSOLE_USER": "iamgraph.audit.credentials",
    "IAM.MFA.": "iamgraph.audit.privileged",
    "IAM.ACCESS.": "iamgraph.audit.privileged",
    "IAM.POLICY.": "iamgraph.audit.permissions",
    "IAM.TRUST.": "iamgraph.audit.permissions",
    "IAM.PRIVESC.": "iamgraph.audit.escalation",
    "CLOUDTRAIL.": "iamgraph.audit.trail",  # the package: configuration, bucket, tamper
    "ORG.": "iamgraph.audit.organizations",
    "IAMG-L": "iamgraph.premerge.lint",
    "IAMG-P": "iamgraph.premerge.rules",
}

REGISTRY: dict[str, Rule] = {}


def family_of(rule_id: str) -> str:
    """The module an id belongs in (by `FAMILIES`), or "" when no prefix matches."""
    best = max((p for p in FAMILIES if rule_id.startswith(p)), key=len, default="")
    return FAMILIES.get(best, "")


def register(rule: Rule) -> Rule:
    """Add a rule to the one registry; an id is registered once."""
    if rule.id in REGISTRY:
        raise ValueError(f"rule id {rule.id} registered twice")
    REGISTRY[rule.id] = rule
    return rule


def rules_of(module: str) -> list[Rule]:
    """The rules registered by `module` or a module under it, in registration order."""
    return [r for r in REGISTRY.values() if r.module == module or r.module.startswith(module + ".")]


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    remediation: str,
    practice: str = "",
    reads: str = "",
    module: str = "",
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    """Register a run function as the check `id`. The run function yields findings without a
    rule (`found(...)`); the registered `run` stamps each with this rule, so the id is written
    once. `module` is the registering module when the function comes from a factory."""

    def wrap(run: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        rule = Rule(
            id,
            id.lower().replace(".", "-"),
            title,
            severity,
            remediation,
            practice,
            reads,
            module=module or run.__module__,
        )

        def stamped(*args: Any, **kwargs: Any) -> Iterator[Finding]:
            for f in run(*args, **kwargs):
                yield f.stamped(registered)  # the registry's own Rule, `run` included

        registered = register(replace(rule, run=stamped))
        return run

    return wrap


# -- findings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    file: str
    line: int = 0  # 1-based; 0 when unknown
    column: int = 0


@dataclass(frozen=True)
class Suppression:
    """An accepted finding: which ones it matches, and why they are accepted."""

    justification: str
    rule: str = "*"
    subject: str = "*"  # principal, policy or resource ARN pattern (`*`, `?`)
    match: str = "*"  # pattern on the finding's key (e.g. `sts:AssumeRole *`)
    fingerprint: str = ""  # matches exactly one finding when set
    origin: str = ""  # file:line of the [[suppression]] table


# the stable parts of an audit finding's evidence: what tells two findings of one check and
# subject apart (access key 1 and 2, two statements) without the ages that change every day
KEY_FIELDS = ("key", "policy", "sid", "statement", "field", "trail", "bucket", "action", "trails")


@dataclass(frozen=True)
class Finding:
    """A proven failure of a rule, or (`unknown`) a question the rule could not settle: never
    a pass where the truth is unknown."""

    rule: Rule | None  # None only inside an audit run function, before `check` stamps it
    subject: str  # ARN or name of the principal, policy, trail, bucket or account
    message: str  # one sentence, specific: names the field, value and threshold
    key: str = ""  # what tells this finding from others of its rule and subject
    locations: tuple[Location, ...] = ()
    unknown: bool = False  # not a failure proven but a question left open
    details: tuple[str, ...] = ()  # witness lines, path hops, reasons
    suppression: Suppression | None = None
    properties: dict = field(default_factory=dict, compare=False)
    evidence: dict = field(default_factory=dict)  # facts read, JSON-ready
    source: SourceRef | None = None  # where in the snapshot the evidence lives

    @property
    def fingerprint(self) -> str:
        """Stable across runs and unrelated edits: rule, subject and key, not line numbers."""
        text = "\x1f".join((self.rule.id, self.subject, self.key))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def counts(self) -> bool:
        """Whether the finding decides the exit code (suppressed ones do not)."""
        return self.suppression is None

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    def suppressed(self, by: Suppression) -> Finding:
        return replace(self, suppression=by)

    def stamped(self, rule: Rule) -> Finding:
        """An audit finding with its check: the key from the stable evidence fields, the
        location from the snapshot source, the evidence as a SARIF property."""
        src = self.source
        return replace(
            self,
            rule=rule,
            key="|".join(f"{k}={self.evidence[k]}" for k in KEY_FIELDS if k in self.evidence),
            locations=(Location(src.file, src.line, src.column),) if src and src.file else (),
            properties={"evidence": self.evidence},
        )


def found(
    subject: str,
    message: str,
    evidence: dict | None = None,
    source: SourceRef | None = None,
    unknown: bool = False,
) -> Finding:
    """A finding of the audit check whose run function yields it (the check stamps its rule)."""
    return Finding(None, subject, message, evidence=evidence or {}, source=source, unknown=unknown)
