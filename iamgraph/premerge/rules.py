"""The pre-merge commands' rules (`diff-policy`, `check-access`, `check`, `diff`), registered
once in the one rule registry (`iamgraph.finding`): one rule per kind of property."""

from __future__ import annotations

from iamgraph.finding import Rule, Severity, register

NEW_ACCESS = register(
    Rule(
        "IAMG-P001",
        "new-access",
        "The change grants access that was not granted before",
        Severity.HIGH,
        "Review the witness request: if the access is intended, suppress the finding with a "
        "justification; otherwise narrow the statements named.",
        module=__name__,
    )
)
NEW_ADMIN_PATH = register(
    Rule(
        "IAMG-P002",
        "new-path-to-admin",
        "The change opens a path to administrator",
        Severity.CRITICAL,
        "Remove one step of the path: the permission or trust that each hop names.",
        module=__name__,
    )
)
INVARIANT_BROKEN = register(
    Rule(
        "IAMG-P003",
        "invariant-broken",
        "An organization invariant does not hold",
        Severity.HIGH,
        "Remove the permission or trust the path uses, or add the principal to the invariant's "
        "allow list if it is meant to.",
        module=__name__,
    )
)
ACCESS_GRANTED = register(
    Rule(
        "IAMG-P004",
        "access-granted",
        "The policy grants access it must not",
        Severity.HIGH,
        "Remove or narrow the statements named, or add a Deny.",
        module=__name__,
    )
)
NOT_PROVEN = register(
    Rule(
        "IAMG-P005",
        "not-proven",
        "iamgraph could not prove the property either way",
        Severity.MEDIUM,
        "Read the reasons: supply the missing data (a managed policy, an inventory), raise "
        "--timeout, or simplify the condition named.",
        module=__name__,
    )
)
RULES = (NEW_ACCESS, NEW_ADMIN_PATH, INVARIANT_BROKEN, ACCESS_GRANTED, NOT_PROVEN)
