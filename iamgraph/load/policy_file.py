"""A policy in a file of its own: a bare document, or a CLI output holding one.

`lint` and `simulate` read policies this way: a bare document (its kind given, or guessed from
whether it names a Principal), `organizations describe-policy` (an SCP or RCP), or
`s3api get-bucket-policy` / `kms get-key-policy` (a resource policy). Where it will be attached is
not known, so the document is held to the largest AWS size limit of its kind
(`limits.STANDALONE`), and a file too long to hold one is refused before it is parsed.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.limits import LARGEST, STANDALONE
from iamgraph.model.policy import Policy, PolicyKind


def load_policy_file(
    path: Path, kind: PolicyKind | None = None, *, size_limit: bool = True
) -> list[Policy]:
    """A policy document, or a CLI output that holds one (describe-policy, get-bucket-policy);
    `size_limit=False` reads one above AWS's size limits too."""
    doc = Doc.read(path, size_limit=size_limit, holds=STANDALONE[kind] if kind else LARGEST)
    top = doc.obj(doc.root, ())
    name = str(path)
    if "Statement" in top:
        guess = kind or _guess_kind(top)
        return [doc.policy_value(top, (), kind=guess, name=name, **_limit(guess))]
    pol = top.get("Policy")
    if isinstance(pol, dict) and "Content" in pol:  # organizations describe-policy
        ptype = str(pol.get("PolicySummary", {}).get("Type", "SERVICE_CONTROL_POLICY"))
        guess = kind or (PolicyKind.RCP if ptype == "RESOURCE_CONTROL_POLICY" else PolicyKind.SCP)
        return [doc.policy(pol, ("Policy",), "Content", kind=guess, name=name, **_limit(guess))]
    if isinstance(pol, str):  # s3 get-bucket-policy, kms get-key-policy
        guess = kind or PolicyKind.RESOURCE
        return [doc.policy(top, (), "Policy", kind=guess, name=name, **_limit(guess))]
    raise doc.error((), "not a policy document (no Statement) nor a CLI output holding one")


_NOUNS = {PolicyKind.BOUNDARY: "permissions boundary", PolicyKind.SCP: "SCP", PolicyKind.RCP: "RCP"}


def _limit(kind: PolicyKind) -> dict:
    noun = _NOUNS.get(kind, f"{kind.value} policy")
    return {"limit": STANDALONE[kind], "subject": f"the {noun}"}


def _guess_kind(top: dict) -> PolicyKind:
    statements = top.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    has_principal = any(
        isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in items
    )
    return PolicyKind.RESOURCE if has_principal else PolicyKind.IDENTITY
