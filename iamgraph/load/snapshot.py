"""Load a snapshot folder (DESIGN.md "Snapshot layout") into one immutable `Snapshot`.

A snapshot is a folder with `organization/` and/or `accounts/<id>/`; a single
`get-account-authorization-details` file is accepted as a one-account snapshot. Files that are
absent become `gaps` ("no credential report for 444455556666"). An optional file of an account
(credential report, password policy, account summary, CloudTrail, bucket, key and topic files,
inventory) that is present but unreadable is left out as if absent: its InputError goes into
`Snapshot.unreadable` (the CLI names it once on stderr) and its reason into the account's
`unreadable`, so the answers that need it say `unknown` with that reason. With `strict=True` it
stops the load, as do an unreadable authorization-details file and the organization's files,
which every answer reads. A policy document above AWS's size limit is unreadable input like any
other (model/limits.py); `size_limit=False` (`--no-size-limit`) reads it anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from iamgraph import deadline
from iamgraph.errors import InputError
from iamgraph.load import cache
from iamgraph.load.account_summary import load_account_summary
from iamgraph.load.authorization_details import load_authorization_details
from iamgraph.load.cloudtrail import load_describe_trails, load_event_selectors, load_trail_status
from iamgraph.load.consistency import contradictions
from iamgraph.load.credential_report import load_credential_report
from iamgraph.load.fields import Doc
from iamgraph.load.files import present
from iamgraph.load.inventory import load_inventory
from iamgraph.load.kms import load_key_policy
from iamgraph.load.optional import Skip, optional, reason
from iamgraph.load.organizations import load_organization
from iamgraph.load.password_policy import load_password_policy
from iamgraph.load.s3 import load_bucket
from iamgraph.load.sns import load_topic_attributes
from iamgraph.model.arn import account_root_arn, is_account_id
from iamgraph.model.principals import (
    Group,
    ManagedPolicy,
    Principal,
    PrincipalKind,
    ResolvedPolicies,
    Role,
    User,
)
from iamgraph.model.snapshot import AccountData, Snapshot

Progress = Callable[[int, int, str], None]  # (done, total, what is being loaded)
AUTH_FILE = "get-account-authorization-details.json"
AUTH_PAGES = "get-account-authorization-details"
_ACCOUNT_DIR = re.compile(r"^\d{12}$")


def load_snapshot(
    path: Path | str,
    progress: Progress | None = None,
    *,
    strict: bool = False,
    size_limit: bool = True,
) -> Snapshot:
    """Load a snapshot folder, or one authorization-details file as a one-account snapshot;
    `strict`: an unreadable optional file is an InputError instead of left out; `size_limit`:
    policy documents above AWS's size limits are refused. Inside a cache session (the CLI's,
    load/cache.py) an unchanged snapshot comes from its cache entry."""
    session = cache.current()
    if session is not None:
        load = partial(_load, path, progress, strict=strict, size_limit=size_limit)
        return session.snapshot(path, strict, size_limit, load)
    return _load(path, progress, strict=strict, size_limit=size_limit)


def _load(
    path: Path | str,
    progress: Progress | None = None,
    *,
    strict: bool = False,
    size_limit: bool = True,
) -> Snapshot:
    root = Path(path)
    if not present(root):
        raise InputError(str(root), "$", "snapshot not found")
    if root.is_file():
        auth = load_authorization_details(root, size_limit=size_limit)
        account = AccountData(auth.account, authorization=auth)
        snap = assemble(
            root,
            None,
            {auth.account: account},
            [f"{root} is a single dump: no organization, credential report or trails"],
            {},
        )
        return replace(snap, warnings=contradictions([account], by_folder=False))
    org_dir, acct_dir = root / "organization", root / "accounts"
    if not org_dir.is_dir() and not acct_dir.is_dir():
        raise InputError(
            str(root), "$", "not a snapshot: no organization/ or accounts/ folder inside"
        )
    folders = sorted(acct_dir.iterdir()) if acct_dir.is_dir() else []
    for f in folders:
        if f.is_dir() and not _ACCOUNT_DIR.match(f.name):
            raise InputError(
                _rel(f, root), "$", "account folder name must be a 12-digit account id"
            )
    folders = [f for f in folders if f.is_dir()]
    total = len(folders) + (1 if org_dir.is_dir() else 0)
    done = 0
    gaps: list[str] = []
    meta: dict = {}
    if present(root / "snapshot.json"):
        doc = Doc.read(root / "snapshot.json", _rel(root / "snapshot.json", root))
        meta = doc.obj(doc.root, ())
    organization = None
    if org_dir.is_dir():
        _tick(progress, done, total, "loading the organization")
        organization = load_organization(org_dir, gaps, size_limit=size_limit)
        done += 1
    else:
        gaps.append("no organization/ folder: SCPs and RCPs unknown")
    accounts: dict[str, AccountData] = {}
    unreadable: list[InputError] = []
    for folder in folders:
        deadline.check()  # an account's files are read whole; between accounts it may stop
        _tick(progress, done, total, f"loading account {folder.name}")
        accounts[folder.name] = _load_account(
            folder, root, gaps, None if strict else unreadable, size_limit
        )
        done += 1
    _tick(progress, done, total, "resolving policies")
    if organization:
        for aid in sorted(organization.accounts):
            if aid not in accounts:
                gaps.append(f"no account folder for {aid}: its IAM, credentials and trails unknown")
        for aid in sorted(accounts):
            if aid not in organization.accounts:
                gaps.append(f"account {aid} has a folder but is not in the organization tree")
    snap = assemble(root, organization, accounts, gaps, meta, unreadable)
    return replace(snap, warnings=contradictions(accounts.values(), by_folder=True))


def _tick(progress: Progress | None, done: int, total: int, label: str) -> None:
    if progress:
        progress(done, total, label)


def _rel(path: Path, root: Path) -> str:
    """Files are named as the user reached them: the snapshot argument joined with the rest."""
    return str(path)


def _load_account(
    folder: Path,
    root: Path,
    gaps: list[str],
    unreadable: list[InputError] | None,
    size_limit: bool = True,
) -> AccountData:
    aid = folder.name
    iam, ct = folder / "iam", folder / "cloudtrail"
    auth = report = policy = summary = None
    why: dict[str, str] = {}  # path below the account folder -> why it was left out

    def left_out(exc: InputError) -> None:
        assert unreadable is not None
        unreadable.append(exc)
        file = Path(exc.file)
        rel = file.relative_to(folder).as_posix() if file.is_relative_to(folder) else exc.file
        why[rel] = f"{exc.file} unreadable: {reason(exc)}"
        gaps.append(f"{exc.file} unreadable ({reason(exc)}): left out, its answers unknown")

    skip: Skip = None if unreadable is None else left_out
    if iam.is_dir():
        if present(iam / AUTH_FILE):
            auth = load_authorization_details(iam / AUTH_FILE, aid, size_limit=size_limit)
        elif (iam / AUTH_PAGES).is_dir():
            pages = sorted((iam / AUTH_PAGES).glob("*.json"), key=_natural)
            if not pages:
                raise InputError(
                    _rel(iam / AUTH_PAGES, root), "$", "no pages (*.json) in the folder"
                )
            auth = load_authorization_details(pages, aid, size_limit=size_limit)
        else:
            gaps.append(f"no IAM authorization details for {aid}")
        csv, cli = iam / "credential-report.csv", iam / "credential-report.json"
        if present(csv) or present(cli):
            file = csv if present(csv) else cli
            report = optional(skip, load_credential_report, file, aid, _rel(file, root))
        else:
            gaps.append(f"no credential report for {aid}")
        pp = iam / "get-account-password-policy.json"
        if present(pp):
            policy = optional(skip, load_password_policy, pp, _rel(pp, root))
        sm = iam / "get-account-summary.json"
        if present(sm):
            summary = optional(skip, load_account_summary, sm, _rel(sm, root))
        else:
            gaps.append(f"no account summary for {aid}")
    else:
        gaps.append(
            f"no iam/ folder for {aid}: principals, credentials and password policy unknown"
        )
    trails, status, selectors = (), {}, {}
    listed = None
    if present(ct / "describe-trails.json"):
        listed = optional(
            skip,
            load_describe_trails,
            ct / "describe-trails.json",
            _rel(ct / "describe-trails.json", root),
        )
    if listed is not None:
        trails = listed
        by_name = {}
        for t in trails:  # a name may be shared by an org trail and a local one: prefer our own
            if t.account == aid or t.name not in by_name:
                by_name[t.name] = t
        for sub, loader, into in (
            ("get-trail-status", load_trail_status, status),
            ("get-event-selectors", load_event_selectors, selectors),
        ):
            for file in sorted((ct / sub).glob("*.json")) if (ct / sub).is_dir() else []:
                trail = by_name.get(file.stem)
                if trail is None:
                    raise InputError(
                        _rel(file, root),
                        "$",
                        f"no trail named {file.stem!r} in describe-trails.json",
                    )
                read = optional(skip, loader, file, _rel(file, root))
                if read is not None:
                    into[trail.arn] = read
        for t in trails:
            if t.account == aid and t.arn not in status:
                gaps.append(f"no get-trail-status for trail {t.name} in {aid}")
    else:
        gaps.append(f"no CloudTrail describe-trails for {aid}")
    buckets = {
        b.name: load_bucket(b, aid, skip, size_limit=size_limit) for b in _subdirs(folder / "s3")
    }
    read_key = partial(load_key_policy, size_limit=size_limit)
    read_topic = partial(load_topic_attributes, size_limit=size_limit)
    keys = {}
    for k in _subdirs(folder / "kms"):
        f = k / "get-key-policy.json"
        if present(f):
            key = optional(skip, read_key, f, k.name, aid, _rel(f, root))
            if key is not None:
                keys[k.name] = key
    topics = {}
    for t in _subdirs(folder / "sns"):
        f = t / "get-topic-attributes.json"
        if present(f):
            topic = optional(skip, read_topic, f, aid, _rel(f, root))
            if topic is not None:
                topics[topic.arn] = topic
    inventory = load_inventory(folder, aid, auth, lambda f: _rel(f, root), skip)
    return AccountData(
        aid,
        auth,
        report,
        policy,
        summary,
        trails,
        status,
        selectors,
        buckets,
        keys,
        topics,
        inventory,
        why,
    )


def _subdirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _natural(path: Path) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def assemble(
    root,
    organization,
    accounts: dict[str, AccountData],
    gaps: list[str],
    meta: dict,
    unreadable: list[InputError] | tuple[InputError, ...] = (),
) -> Snapshot:
    managed: dict[str, ManagedPolicy] = {}
    groups: dict[str, Group] = {}
    for data in accounts.values():
        if data.authorization:
            for p in data.authorization.policies:
                managed.setdefault(p.arn, p)
            for g in data.authorization.groups:
                groups[g.arn] = g
    missing_docs: set[str] = set()
    principals: dict[str, Principal] = {}
    for data in accounts.values():
        auth = data.authorization
        if auth is None:
            continue
        group_by_name = {(g.account, g.name): g for g in auth.groups}
        for user in auth.users:
            principals[user.arn] = _user_principal(user, group_by_name, managed, missing_docs, gaps)
        for role in auth.roles:
            principals[role.arn] = _role_principal(role, managed, missing_docs)
    account_ids = set(accounts) | (set(organization.accounts) if organization else set())
    account_ids |= {p.account for p in principals.values()}  # a merged dump may span accounts
    for aid in sorted(a for a in account_ids if is_account_id(a)):  # `aws` has no root user
        arn = account_root_arn(aid)
        principals[arn] = Principal(
            PrincipalKind.ROOT, arn, "root", aid, ResolvedPolicies((), None, None, ())
        )
    for arn in sorted(missing_docs):
        gaps.append(
            f"no document for managed policy {arn}: principals it is attached to are partly unknown"
        )
    trails = {}
    for data in accounts.values():
        for t in data.trails:
            if t.arn not in trails or t.account == data.account_id:
                trails[t.arn] = t
    return Snapshot(
        root=str(root),
        organization=organization,
        accounts=accounts,
        principals=principals,
        groups=groups,
        managed_policies=managed,
        trails=trails,
        gaps=tuple(dict.fromkeys(gaps)),
        meta=meta,
        unreadable=tuple(unreadable),
    )


def _resolve(arns, managed: dict[str, ManagedPolicy], missing: set[str]) -> tuple[list, list]:
    docs, unresolved = [], []
    for arn in arns:
        mp = managed.get(arn)
        if mp is None or mp.document is None:
            unresolved.append(arn)
            missing.add(arn)
        else:
            docs.append(mp.document)
    return docs, unresolved


def _boundary(arn: str | None, managed, missing) -> tuple:
    if arn is None:
        return None, []
    docs, unresolved = _resolve([arn], managed, missing)
    return (docs[0] if docs else None), unresolved


def _user_principal(user: User, group_by_name, managed, missing, gaps) -> Principal:
    identity = list(user.inline)
    docs, unresolved = _resolve(user.attached, managed, missing)
    identity += docs
    group_arns = []
    for name in user.groups:
        group = group_by_name.get((user.account, name))
        if group is None:
            gaps.append(f"user {user.arn} is in group {name!r}, which the dump does not list")
            unresolved.append(f"group/{name}")
            continue
        group_arns.append(group.arn)
        identity += group.inline  # G1: group policies are identity policies of each member
        gdocs, gun = _resolve(group.attached, managed, missing)
        identity += gdocs
        unresolved += gun
    boundary, bun = _boundary(user.boundary, managed, missing)
    return Principal(
        PrincipalKind.USER,
        user.arn,
        user.name,
        user.account,
        ResolvedPolicies(tuple(identity), boundary, user.boundary, tuple(unresolved + bun)),
        user=user,
        groups=tuple(group_arns),
    )


def _role_principal(role: Role, managed, missing) -> Principal:
    docs, unresolved = _resolve(role.attached, managed, missing)
    boundary, bun = _boundary(role.boundary, managed, missing)
    return Principal(
        PrincipalKind.ROLE,
        role.arn,
        role.name,
        role.account,
        ResolvedPolicies((*role.inline, *docs), boundary, role.boundary, tuple(unresolved + bun)),
        role=role,
    )
