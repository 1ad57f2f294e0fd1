"""One finding, whatever command produced it: what rule it breaks, about whom, where in the
repository the responsible statement is, and a fingerprint that survives unrelated edits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from enum import StrEnum


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
