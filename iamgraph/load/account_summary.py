"""`aws iam get-account-summary` output (FORMATS 1.4).

The `Account*` keys describe the root user (MFA, access keys), which checks read from here.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.credentials import AccountSummary


def load_account_summary(path: Path | str, display: str | None = None) -> AccountSummary:
    """`{"SummaryMap": {...}}`; every value must be an integer. Unknown keys are kept."""
    doc = Doc.read(path, display)
    top = doc.obj(doc.root, ())
    summary = doc.field(top, (), "SummaryMap", dict)
    where = ("SummaryMap",)
    values = {key: doc.field(summary, where, key, int) for key in summary}
    return AccountSummary(values, doc.file)
