"""Contradictions inside the input that the loader accepts but must not pass over in silence.

An `accounts/<id>/` folder whose dump names another account in its ARNs (a dump copied into
the wrong folder) would otherwise add a second account and leave the folder's own one empty; an
IAM entity whose ARN account is not a 12-digit id (`arn:aws:iam::aws:user/X`, a hand-edited
dump) names no account at all, so no root user is assumed for it. AWS managed policies
(`arn:aws:iam::aws:policy/...`) are the one normal non-id and are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from iamgraph.model.arn import is_account_id
from iamgraph.model.principals import AccountAuthorization
from iamgraph.model.snapshot import AccountData, InputWarning
from iamgraph.model.source import SourceRef


def contradictions(accounts: Iterable[AccountData], by_folder: bool) -> tuple[InputWarning, ...]:
    """The warnings for every account's dump; `by_folder` when each dump sits in an
    `accounts/<id>/` folder whose name it must agree with (a single dump file names itself)."""
    out: list[InputWarning] = []
    for data in accounts:
        if data.authorization is not None:
            out += _entities(data.account_id, data.authorization, by_folder)
    return tuple(out)


def _named(auth: AccountAuthorization) -> Iterator[tuple[str, str, SourceRef]]:
    """(ARN, its account, where) of each entity the dump defines; AWS managed policies aside."""
    for e in (*auth.users, *auth.groups, *auth.roles):
        yield e.arn, e.account, e.source
    for p in auth.policies:
        if not p.aws_managed:
            yield p.arn, p.arn.split(":")[4], p.source


def _entities(folder: str, auth: AccountAuthorization, by_folder: bool) -> list[InputWarning]:
    out = []
    elsewhere: dict[str, list[tuple[str, SourceRef]]] = {}
    for arn, account, source in _named(auth):
        if not is_account_id(account):
            out.append(
                InputWarning(
                    f"{arn} names account {account!r}, which is not a 12-digit account id: "
                    "no account or root user is assumed for it",
                    source,
                )
            )
        elif by_folder and account != folder:
            elsewhere.setdefault(account, []).append((arn, source))
    for account, named in sorted(elsewhere.items()):
        arn, source = named[0]
        out.append(
            InputWarning(
                f"the dump in the folder of account {folder} names account {account} in "
                f"{len(named)} ARN{'s' if len(named) > 1 else ''} (first: {arn}): "
                f"a dump of {account} in the wrong folder? {folder} and {account} are both "
                "analysed as accounts",
                source,
            )
        )
    return out
