"""Compute resources that already run as a role: what existing-resource escalation methods need.

A method such as `lambda:UpdateFunctionCode` reaches a role only through a function that exists
and runs as it; without the inventory file the snapshot cannot say, so the step is `unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Runner:
    """One existing resource (function, instance, stack, ...) and the role it runs as."""

    kind: str  # an inventory kind, e.g. "lambda-functions"
    arn: str  # the resource ARN a method's action is authorized on
    role_arn: str | None  # None: runs as no role (e.g. an instance without a profile)
    file: str


@dataclass(frozen=True)
class Inventory:
    """The runners of one account, and which inventory kinds were collected at all."""

    runners: tuple[Runner, ...] = ()
    collected: frozenset[str] = field(default_factory=frozenset)
    unreadable: dict[str, str] = field(default_factory=dict)  # kind -> why its file was left out

    def of(self, kind: str) -> tuple[Runner, ...]:
        return tuple(r for r in self.runners if r.kind == kind)
