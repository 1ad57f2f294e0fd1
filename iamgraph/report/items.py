"""One finding, whatever command produced it: what rule it breaks, about whom, where in the
repository the responsible statement is, and a fingerprint that survives unrelated edits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from iamgraph.severity import Severity


@dataclass(frozen=True)
class Rule:
    id: str  # stable: IAMG-P001, IAM.ROOT.ACCESS_KEYS; never renamed once released
    name: str  # kebab-case, for SARIF `name`
    title: str
    severity: Severity
    help: str  # what to do about it


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


@dataclass(frozen=True)
class Item:
    rule: Rule
    subject: str
    message: str
    key: str = ""  # what tells this finding from others of its rule and subject
    locations: tuple[Location, ...] = ()
    unknown: bool = False  # not a failure proven but a question left open
    details: tuple[str, ...] = ()  # witness lines, path hops, reasons
    suppression: Suppression | None = None
    properties: dict = field(default_factory=dict, compare=False)

    @property
    def fingerprint(self) -> str:
        """Stable across runs and unrelated edits: rule, subject and key, not line numbers."""
        text = "\x1f".join((self.rule.id, self.subject, self.key))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def counts(self) -> bool:
        """Whether the finding decides the exit code (suppressed ones do not)."""
        return self.suppression is None

    def suppressed(self, by: Suppression) -> Item:
        return replace(self, suppression=by)
