"""A policy in a file of its own: a bare document, or a CLI output holding one.

`lint` and `simulate` read policies this way: a bare document (its kind given, or guessed from
whether it names a Principal), `organizations describe-policy` (an SCP or RCP), or
`s3api get-bucket-policy` / `kms get-key-policy` (a resource policy).
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.policy import Policy, PolicyKind


def load_policy_file(path: Path, kind: PolicyKind | None = None) -> list[Policy]:
    """A policy document, or a CLI output that holds one (describe-policy, get-bucket-policy)."""
    doc = Doc.read(path)
    top = doc.obj(doc.root, ())
    if "Statement" in top:
        guess = kind or _guess_kind(top)
        return [doc.policy_value(top, (), kind=guess, name=str(path))]
    pol = top.get("Policy")
    if isinstance(pol, dict) and "Content" in pol:  # organizations describe-policy
        ptype = str(pol.get("PolicySummary", {}).get("Type", "SERVICE_CONTROL_POLICY"))
        guess = kind or (PolicyKind.RCP if ptype == "RESOURCE_CONTROL_POLICY" else PolicyKind.SCP)
        return [doc.policy(pol, ("Policy",), "Content", kind=guess, name=str(path))]
    if isinstance(pol, str):  # s3 get-bucket-policy, kms get-key-policy
        return [doc.policy(top, (), "Policy", kind=kind or PolicyKind.RESOURCE, name=str(path))]
    raise doc.error((), "not a policy document (no Statement) nor a CLI output holding one")


def _guess_kind(top: dict) -> PolicyKind:
    statements = top.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    has_principal = any(
        isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in items
    )
    return PolicyKind.RESOURCE if has_principal else PolicyKind.IDENTITY
