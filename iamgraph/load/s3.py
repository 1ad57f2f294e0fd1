"""One S3 bucket's folder in a snapshot: bucket policy, versioning and lifecycle (FORMATS 1.7).

Each file is optional; a file that was not collected gives None for that part of the Bucket,
and so does one that cannot be read when `skip` is given (load/optional.py). The bucket policy is
held to AWS's size limit unless `size_limit` is off.
"""

from __future__ import annotations

from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc, Path_
from iamgraph.load.files import present
from iamgraph.load.optional import Skip, optional
from iamgraph.model.limits import BUCKET
from iamgraph.model.policy import Policy, PolicyKind
from iamgraph.model.resources import Bucket, LifecycleRule

POLICY_FILE = "get-bucket-policy.json"
VERSIONING_FILE = "get-bucket-versioning.json"
LIFECYCLE_FILE = "get-bucket-lifecycle-configuration.json"


def load_bucket(
    folder: Path | str, account: str, skip: Skip = None, *, size_limit: bool = True
) -> Bucket:
    """`folder` is `.../s3/<bucket-name>/`; the bucket is named after it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(str(folder), "$", "bucket folder not found")
    name = folder.name

    def read_policy(file: Path) -> Policy | None:
        if not present(file):
            return None
        return _policy(Doc.read(file, str(file), size_limit=size_limit, holds=BUCKET), name)

    policy = optional(skip, read_policy, folder / POLICY_FILE)
    versioning, mfa_delete = optional(skip, _read, folder / VERSIONING_FILE, _versioning) or (
        None,
        None,
    )
    return Bucket(
        name=name,
        account=account,
        policy=policy,
        has_policy_file=policy is not None,
        versioning=versioning,
        mfa_delete=mfa_delete,
        lifecycle=optional(skip, _read, folder / LIFECYCLE_FILE, _lifecycle),
    )


def _read(file: Path, parse):
    """The file parsed, or None where it was not collected."""
    return parse(Doc.read(file, str(file))) if present(file) else None


def _policy(doc: Doc, name: str) -> Policy:
    top = doc.obj(doc.root, ())
    return doc.policy(
        top,
        (),
        "Policy",
        kind=PolicyKind.RESOURCE,
        name=f"arn:aws:s3:::{name}",
        limit=BUCKET,
        subject=f"the bucket policy of {name}",
    )


def _versioning(doc: Doc) -> tuple[str, str]:
    """`{}` means versioning was never enabled: ("", "")."""
    top = doc.obj(doc.root, ())
    status = _choice(doc, top, "Status", ("Enabled", "Suspended"))
    return status, _choice(doc, top, "MFADelete", ("Enabled", "Disabled"))


def _choice(doc: Doc, obj: dict, key: str, allowed: tuple[str, ...]) -> str:
    value = doc.field(obj, (), key, str, required=False, default="")
    if value and value not in allowed:
        raise doc.error((key,), f"{key} must be {' or '.join(allowed)}, got {value!r}")
    return value


def _lifecycle(doc: Doc) -> tuple[LifecycleRule, ...]:
    top = doc.obj(doc.root, ())
    return tuple(_rule(doc, p, item) for p, item in doc.items(top, (), "Rules"))


def _rule(doc: Doc, path: Path_, item: dict) -> LifecycleRule:
    status = doc.field(item, path, "Status", str)
    if status not in ("Enabled", "Disabled"):
        raise doc.error((*path, "Status"), f"Status must be Enabled or Disabled, got {status!r}")
    return LifecycleRule(
        rule_id=doc.field(item, path, "ID", str, required=False, default=""),
        enabled=status == "Enabled",
        expiration_days=_days(doc, item, path, "Expiration", "Days"),
        noncurrent_expiration_days=_days(
            doc, item, path, "NoncurrentVersionExpiration", "NoncurrentDays"
        ),
        raw=item,
    )


def _days(doc: Doc, item: dict, path: Path_, block: str, key: str) -> int | None:
    inner = doc.field(item, path, block, dict, required=False, default={})
    return doc.field(inner, (*path, block), key, int, required=False)
