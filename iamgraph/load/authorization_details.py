"""`aws iam get-account-authorization-details`: one file, or several pages merged.

FORMATS 1.1. Group membership is by name, attachment by ARN. Of a managed policy only the
default version counts; the loader keeps the others' ids so `lint` can mention them. Every document
is held to AWS's size limit (model/limits.py): a managed policy's versions, a trust policy, and a
user's, group's or role's inline policies together; AWS's own managed policies, which the customer
limit does not bind, to the bound `limits.AWS_MANAGED`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from iamgraph.load.fields import Doc, Path_
from iamgraph.model.arn import parse_arn
from iamgraph.model.limits import (
    AWS_MANAGED,
    GROUP_INLINE,
    MANAGED,
    ROLE_INLINE,
    TRUST,
    USER_INLINE,
    Limit,
)
from iamgraph.model.policy import Policy, PolicyKind
from iamgraph.model.principals import (
    AccountAuthorization,
    Group,
    InstanceProfile,
    ManagedPolicy,
    Role,
    User,
)

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def load_authorization_details(
    paths: Path | str | list[Path] | list[str],
    account: str | None = None,
    *,
    size_limit: bool = True,
) -> AccountAuthorization:
    """Load one file or the pages of one dump (in the order given) into one object.

    Entities keep the account of their own ARN; a merged dump of several accounts is accepted.
    `size_limit=False` reads documents above AWS's size limits too.
    """
    files = [Path(p) for p in (paths if isinstance(paths, list) else [paths])]
    users: list[User] = []
    groups: list[Group] = []
    roles: list[Role] = []
    policies: list[ManagedPolicy] = []
    shown: list[str] = []
    for file in files:
        display = str(file)  # as the user named it, so the path works from their folder
        shown.append(display)
        doc = Doc.read(file, display, size_limit=size_limit)
        top = doc.obj(doc.root, ())
        if not any(k in top for k in LISTS):
            raise doc.error(
                (), f"not get-account-authorization-details output (none of {', '.join(LISTS)})"
            )
        for path, item in doc.items(top, (), "UserDetailList", required=False):
            users.append(_user(doc, path, item))
        for path, item in doc.items(top, (), "GroupDetailList", required=False):
            groups.append(_group(doc, path, item))
        for path, item in doc.items(top, (), "RoleDetailList", required=False):
            roles.append(_role(doc, path, item))
        for path, item in doc.items(top, (), "Policies", required=False):
            policies.append(_managed(doc, path, item))
    if account is None:  # a merged dump may hold several accounts: name it by the most common
        counts = Counter(x.account for x in (*users, *groups, *roles))
        account = counts.most_common(1)[0][0] if counts else ""
    return AccountAuthorization(
        account, tuple(users), tuple(groups), tuple(roles), _dedupe(policies), tuple(shown)
    )


def _dedupe(policies: list[ManagedPolicy]) -> tuple[ManagedPolicy, ...]:
    seen: dict[str, ManagedPolicy] = {}
    for p in policies:
        seen.setdefault(p.arn, p)
    return tuple(seen.values())


def _account_of(doc: Doc, path: Path_, arn: str) -> str:
    return parse_arn(arn).account


def _attached(doc: Doc, path: Path_, item: dict) -> tuple[str, ...]:
    out = []
    for p, a in doc.items(item, path, "AttachedManagedPolicies", required=False):
        out.append(doc.arn(a, p, "PolicyArn"))
    return tuple(out)


def _inline(
    doc: Doc, path: Path_, item: dict, key: str, owner: str, limit: Limit
) -> tuple[Policy, ...]:
    """A principal's inline policies, held to AWS's limit on all of them together (each one on
    its own first, so a huge one is refused before the next is parsed)."""
    out, total = [], 0
    for p, entry in doc.items(item, path, key, required=False):
        name = doc.field(entry, p, "PolicyName", str)
        policy, size = doc.sized_policy(
            entry,
            p,
            "PolicyDocument",
            kind=PolicyKind.IDENTITY,
            name=f"{owner}:{name}",
            limit=limit,
            subject=f"inline policy {name} of {owner}",
        )
        out.append(policy)
        total += size
    doc.within(total, limit, (*path, key), f"inline policies of {owner}", together=True)
    return tuple(out)


def _boundary(doc: Doc, path: Path_, item: dict) -> str | None:
    b = doc.field(item, path, "PermissionsBoundary", dict, required=False)
    if not b:
        return None
    return doc.arn(b, (*path, "PermissionsBoundary"), "PermissionsBoundaryArn")


def _tags(doc: Doc, path: Path_, item: dict) -> tuple[tuple[str, str], ...]:
    out = []
    for p, t in doc.items(item, path, "Tags", required=False):
        out.append(
            (doc.field(t, p, "Key", str), doc.field(t, p, "Value", str, required=False, default=""))
        )
    return tuple(out)


def _user(doc: Doc, path: Path_, item: dict) -> User:
    arn = doc.arn(item, path, "Arn")
    _expect_type(doc, path, arn, "user")
    return User(
        arn=arn,
        name=doc.field(item, path, "UserName", str),
        user_id=doc.field(item, path, "UserId", str, required=False, default=""),
        path=doc.field(item, path, "Path", str, required=False, default="/"),
        account=_account_of(doc, path, arn),
        created=doc.date(item, path, "CreateDate"),
        inline=_inline(doc, path, item, "UserPolicyList", arn, USER_INLINE),
        attached=_attached(doc, path, item),
        groups=doc.strings(item, path, "GroupList"),
        boundary=_boundary(doc, path, item),
        tags=_tags(doc, path, item),
        source=doc.source(path),
    )


def _group(doc: Doc, path: Path_, item: dict) -> Group:
    arn = doc.arn(item, path, "Arn")
    _expect_type(doc, path, arn, "group")
    return Group(
        arn=arn,
        name=doc.field(item, path, "GroupName", str),
        group_id=doc.field(item, path, "GroupId", str, required=False, default=""),
        path=doc.field(item, path, "Path", str, required=False, default="/"),
        account=_account_of(doc, path, arn),
        created=doc.date(item, path, "CreateDate"),
        inline=_inline(doc, path, item, "GroupPolicyList", arn, GROUP_INLINE),
        attached=_attached(doc, path, item),
        source=doc.source(path),
    )


def _role(doc: Doc, path: Path_, item: dict) -> Role:
    arn = doc.arn(item, path, "Arn")
    _expect_type(doc, path, arn, "role")
    profiles = []
    for p, ip in doc.items(item, path, "InstanceProfileList", required=False):
        profiles.append(
            InstanceProfile(
                arn=doc.arn(ip, p, "Arn"),
                name=doc.field(ip, p, "InstanceProfileName", str),
                profile_id=doc.field(ip, p, "InstanceProfileId", str, required=False, default=""),
                path=doc.field(ip, p, "Path", str, required=False, default="/"),
            )
        )
    last = doc.field(item, path, "RoleLastUsed", dict, required=False, default={})
    return Role(
        arn=arn,
        name=doc.field(item, path, "RoleName", str),
        role_id=doc.field(item, path, "RoleId", str, required=False, default=""),
        path=doc.field(item, path, "Path", str, required=False, default="/"),
        account=_account_of(doc, path, arn),
        created=doc.date(item, path, "CreateDate"),
        trust=doc.policy(
            item,
            path,
            "AssumeRolePolicyDocument",
            kind=PolicyKind.TRUST,
            name=f"{arn}:trust",
            limit=TRUST,
            subject=f"the trust policy of {arn}",
        ),
        inline=_inline(doc, path, item, "RolePolicyList", arn, ROLE_INLINE),
        attached=_attached(doc, path, item),
        boundary=_boundary(doc, path, item),
        tags=_tags(doc, path, item),
        instance_profiles=tuple(profiles),
        last_used=doc.date(last, (*path, "RoleLastUsed"), "LastUsedDate"),
        source=doc.source(path),
    )


def _managed(doc: Doc, path: Path_, item: dict) -> ManagedPolicy:
    arn = doc.arn(item, path, "Arn")
    _expect_type(doc, path, arn, "policy")
    default = doc.field(item, path, "DefaultVersionId", str, required=False, default="")
    limit = AWS_MANAGED if parse_arn(arn).account == "aws" else MANAGED
    document = None
    versions, others = [], []
    for p, v in doc.items(item, path, "PolicyVersionList", required=False):
        vid = doc.field(v, p, "VersionId", str, required=False, default="")
        versions.append(vid)
        is_default = doc.field(
            v, p, "IsDefaultVersion", bool, required=False, default=vid == default
        )
        if is_default:
            if document is not None:
                raise doc.error(p, "two versions are marked IsDefaultVersion")
            document = doc.policy(
                v,
                p,
                "Document",
                kind=PolicyKind.IDENTITY,
                name=arn,
                limit=limit,
                subject=f"managed policy {arn} ({vid or 'default version'})",
            )
            default = default or vid
        elif "Document" in v:
            other = doc.policy(
                v,
                p,
                "Document",
                kind=PolicyKind.IDENTITY,
                name=f"{arn} {vid}",
                limit=limit,
                subject=f"managed policy {arn} ({vid})",
            )
            others.append((vid, other))
    if versions and document is None:
        raise doc.error(
            (*path, "PolicyVersionList"), f"no version is the default ({default or 'unset'})"
        )
    # moto and LocalStack omit PolicyName and PolicyId: the ARN is authoritative, and its
    # resource (`policy/PATH/NAME`) gives the name and path (no lookup uses the id)
    in_arn = parse_arn(arn).resource.split("/")[1:]
    return ManagedPolicy(
        arn=arn,
        name=doc.field(item, path, "PolicyName", str, required=False, default=in_arn[-1]),
        policy_id=doc.field(item, path, "PolicyId", str, required=False, default=""),
        path=doc.field(
            item, path, "Path", str, required=False, default="/".join(["", *in_arn[:-1], ""])
        ),
        default_version=default,
        document=document,
        versions=tuple(versions),
        attachment_count=doc.field(item, path, "AttachmentCount", int, required=False, default=0),
        boundary_usage_count=doc.field(
            item, path, "PermissionsBoundaryUsageCount", int, required=False, default=0
        ),
        source=doc.source(path),
        other_versions=tuple(others),
    )


def _expect_type(doc: Doc, path: Path_, arn: str, kind: str) -> None:
    parsed = parse_arn(arn)
    if parsed.service != "iam" or parsed.resource_type != kind:
        raise doc.error((*path, "Arn"), f"expected an IAM {kind} ARN, got {arn!r}")
