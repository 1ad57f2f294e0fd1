"""The audit's one table: every check of every family, by stable id.

A family module holds its checks (`CHECKS`); this table is their union, in the order a report
lists them: root, passwords, credentials and MFA, permissions, escalation, privileged
principals and MFA, CloudTrail (the `trail` package), Organizations.
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
from iamgraph.audit.model import Check

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
CHECKS: tuple[Check, ...] = tuple(c for family in FAMILIES for c in family.CHECKS)
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}
assert len(BY_ID) == len(CHECKS), "duplicate audit check ids"
