"""The audit's one table: every check of every family, by stable id.

A family module holds its checks (`CHECKS`); this table is their union, in the order a report
lists them: root, passwords, credentials and MFA, permissions, CloudTrail, Organizations.
"""

from __future__ import annotations

from importlib import import_module

from iamgraph.audit.model import Check

FAMILIES = (
    "root",
    "passwords",
    "credentials",
    "permissions",
    "escalation",
    "privileged",
    "cloudtrail",
    "organizations",
)


def _load() -> tuple[Check, ...]:
    checks: list[Check] = []
    for name in FAMILIES:
        try:
            module = import_module(f"iamgraph.audit.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"iamgraph.audit.{name}":
                raise
            continue
        checks += module.CHECKS
    return tuple(checks)


CHECKS: tuple[Check, ...] = _load()
BY_ID: dict[str, Check] = {c.id: c for c in CHECKS}
assert len(BY_ID) == len(CHECKS), "duplicate audit check ids"
