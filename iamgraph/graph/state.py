"""A state of the searches: a principal, the MFA mode of the credential held for it, and the
changes escalation steps made to it (`graph.changes`)."""

from __future__ import annotations

from dataclasses import dataclass

from iamgraph.evaluate.gather import Mfa
from iamgraph.graph.changes import ChangeKind, Gains


@dataclass(frozen=True)
class State:
    arn: str
    mode: Mfa
    gains: Gains = ()  # the changes escalation steps made to the principal (groups, policies)

    @property
    def admin(self) -> bool:
        """An escalation gave the principal a policy of its own choosing."""
        return any(c.kind is ChangeKind.EVERYTHING for c in self.gains)

    @property
    def key(self):
        return (self.arn, self.mode, self.gains)
