"""The audit's checks: a query of the one rule registry (`iamgraph.finding`), family by family.

Each family module registers its checks with the `check` decorator; importing the families
here fills the registry, and this module lists their rules in the order a report lists them:
root, passwords, credentials and MFA, permissions, escalation, privileged principals and MFA,
CloudTrail (the `trail` package), Organizations.
"""

from __future__ import annotations

from iamgraph.audit import (
    credentials,
    escalation,
    organizations,
    passwords,
    permissions,
    privileged,
    root,
    trail,
)
from iamgraph.finding import Rule, rules_of

FAMILIES = (
    root,
    passwords,
    credentials,
    permissions,
    escalation,
    privileged,
    trail,
    organizations,
)
CHECKS: tuple[Rule, ...] = tuple(r for family in FAMILIES for r in rules_of(family.__name__))
BY_ID: dict[str, Rule] = {c.id: c for c in CHECKS}
assert len(BY_ID) == len(CHECKS), "duplicate audit check ids"
