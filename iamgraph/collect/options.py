"""What `collect` is asked to do, checked before any AWS call (no boto3 needed here).

Bad input is an InputError, which the CLI prints as one line and exit code 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from iamgraph.errors import InputError

DEFAULT_ROLE = "OrganizationAccountAccessRole"
REPORT_DELAYS = (2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0)  # ~2.5 minutes in all
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


@dataclass(frozen=True)
class CollectOptions:
    out_dir: Path
    profile: str | None = None
    role_name: str = DEFAULT_ROLE
    accounts: tuple[str, ...] = ()  # empty: every active account of the organization
    regions: tuple[str, ...] = ()  # empty: the profile's region (else us-east-1)
    resume: bool = False
    workers: int = 4
    report_delays: tuple[float, ...] = REPORT_DELAYS


def parse_accounts(text: str | None) -> tuple[str, ...]:
    """`--accounts 111122223333,444455556666`."""
    if not text:
        return ()
    ids = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    for aid in ids:
        if not _ACCOUNT.match(aid):
            raise InputError("collect", "--accounts", f"not a 12-digit account id: {aid!r}")
    if not ids:
        raise InputError("collect", "--accounts", "no account id given")
    return ids


def parse_regions(text: str | None) -> tuple[str, ...]:
    """`--regions us-east-1,eu-west-1`."""
    if not text:
        return ()
    regions = tuple(dict.fromkeys(r.strip() for r in text.split(",") if r.strip()))
    for region in regions:
        if not _REGION.match(region):
            raise InputError("collect", "--regions", f"not a region name: {region!r}")
    if not regions:
        raise InputError("collect", "--regions", "no region given")
    return regions


def prepare_out_dir(out: Path, resume: bool) -> None:
    """An empty or new folder, or with --resume the folder of an earlier collection."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "$", "not a folder")
    if out.is_dir() and any(out.iterdir()) and not resume:
        raise InputError(str(out), "$", "folder is not empty: give a new or empty one, or --resume")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".iamgraph-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError(str(out), "$", f"cannot write here: {exc.strerror or exc}") from None
