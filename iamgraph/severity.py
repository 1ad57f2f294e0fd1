"""How bad a finding is: one scale for audit checks, pre-merge properties and SARIF."""

from __future__ import annotations

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
