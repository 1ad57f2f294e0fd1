"""`aws kms get-key-policy --policy-name default` output (FORMATS 1.7).

The key policy is the resource policy that decides who may use a trail's encryption key.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.load.fields import Doc
from iamgraph.model.limits import KEY
from iamgraph.model.policy import PolicyKind
from iamgraph.model.resources import KmsKey


def load_key_policy(
    path: Path | str,
    key_id: str,
    account: str,
    display: str | None = None,
    *,
    size_limit: bool = True,
) -> KmsKey:
    """`{"Policy": "<JSON string>", "PolicyName": "default"}`; the policy held to AWS's limit
    for a key policy unless `size_limit` is off."""
    doc = Doc.read(path, display, size_limit=size_limit, holds=KEY)
    top = doc.obj(doc.root, ())
    doc.field(top, (), "PolicyName", str, required=False)
    policy = doc.policy(
        top,
        (),
        "Policy",
        kind=PolicyKind.RESOURCE,
        name=f"kms key {key_id}",
        limit=KEY,
        subject=f"the key policy of {key_id}",
    )
    return KmsKey(key_id=key_id, account=account, policy=policy)
