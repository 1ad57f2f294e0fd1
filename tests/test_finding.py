"""The one rule registry: every id registered once, by the module its prefix names
(`iamgraph.finding.FAMILIES`), so a reader finds a rule from its id alone."""

from __future__ import annotations

import pytest

import iamgraph.audit.checks
import iamgraph.premerge.lint
import iamgraph.premerge.rules  # noqa: F401  (registers the pre-merge rules)
from iamgraph.audit.checks import CHECKS
from iamgraph.finding import (
    REGISTRY,
    Severity,
    check,
    family_of,
    found,
    register,
    rules_of,
)


def _owned(rule_id: str, module: str) -> bool:
    family = family_of(rule_id)
    return bool(family) and (module == family or module.startswith(family + "."))


def test_every_id_lives_in_the_module_its_prefix_names():
    assert (
        len(REGISTRY) == 47 + 10 + 5
    )  # audit checks, lint rules (L009, L010: issue 16), pre-merge rules
    misplaced = {r.id: r.module for r in REGISTRY.values() if not _owned(r.id, r.module)}
    assert misplaced == {}


def test_the_mapping_examples():
    assert family_of("IAM.ROOT.ACCESS_KEYS") == "iamgraph.audit.root"
    assert family_of("IAM.MFA.CONSOLE_USER") == "iamgraph.audit.credentials"  # longest prefix
    assert family_of("IAM.MFA.PRIVILEGED_NO_MFA") == "iamgraph.audit.privileged"
    assert family_of("CLOUDTRAIL.TAMPER_WITHOUT_MFA") == "iamgraph.audit.trail"
    assert REGISTRY["CLOUDTRAIL.TAMPER_WITHOUT_MFA"].module == "iamgraph.audit.trail.tamper"
    assert family_of("IAMG-L003") == "iamgraph.premerge.lint"
    assert family_of("NOPE.X") == ""


def test_a_planted_misplaced_rule_is_caught():
    """A check registered from the wrong module (an IAM.ROOT id outside audit/root.py)."""

    @check(
        id="IAM.ROOT.PLANTED",
        title="planted",
        severity=Severity.LOW,
        remediation="none",
        module="iamgraph.audit.passwords",
    )
    def planted(ctx):
        yield found("someone", "planted finding")

    try:
        rule = REGISTRY["IAM.ROOT.PLANTED"]
        assert not _owned(rule.id, rule.module)
        # the decorator stamps its rule on every finding the run function yields
        [f] = list(rule.run(None))
        assert f.rule is rule and f.rule.id == "IAM.ROOT.PLANTED"
        assert planted in (planted,)  # the function itself is returned unchanged
    finally:
        del REGISTRY["IAM.ROOT.PLANTED"]


def test_an_id_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        register(REGISTRY["IAM.ROOT.NO_MFA"])


def test_audit_checks_are_the_registry_in_report_order():
    audit = [r.id for r in REGISTRY.values() if r.module.startswith("iamgraph.audit.")]
    assert sorted(c.id for c in CHECKS) == sorted(audit) and len(CHECKS) == 47
    assert CHECKS[0].id == "IAM.ROOT.ACCESS_KEYS" and CHECKS[-1].id == "ORG.MANAGEMENT.WORKLOADS"
    assert [c.id for c in rules_of("iamgraph.audit.root")] == [
        "IAM.ROOT.ACCESS_KEYS",
        "IAM.ROOT.NO_MFA",
        "IAM.ROOT.RECENT_USE",
    ]
