"""One collection: who the credentials are, the organization, then every account in parallel.

Each account is written to `accounts/<id>/` and marked finished by `accounts/<id>/.complete`
(a file the loader never reads: it reads named files and folders only). The marker holds the
account's facts and failures, so `--resume` can skip accounts that finished cleanly and still
list their facts in snapshot.json; an account that finished with failures is collected again,
since a throttled or expired call may answer now. snapshot.json is written last.
"""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

from iamgraph import __version__
from iamgraph.collect.account import collect_iam, collect_trail_resources, collect_trails
from iamgraph.collect.calls import partition_of
from iamgraph.collect.inventory import KINDS, REGIONAL, collect_inventory
from iamgraph.collect.ledger import Issue, Ledger
from iamgraph.collect.options import CollectOptions, prepare_out_dir
from iamgraph.collect.organization import OrgFiles, collect_organization
from iamgraph.collect.sessions import Clients, Hook, Sessions, client_config, new_session
from iamgraph.collect.writer import write_files, write_json
from iamgraph.errors import InputError

MARKER = ".complete"
ORG_KEY = "organization"
# (task, done, total, what): one task per account and one for the organization; total 0: unknown
Progress = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class CollectResult:
    out_dir: Path
    organization: str | None
    regions: tuple[str, ...]
    accounts: tuple[str, ...]  # every account folder that is complete now
    resumed: tuple[str, ...]  # of those, the ones a previous run had finished
    facts: tuple[Issue, ...]
    failures: tuple[Issue, ...]


@dataclass
class _Run:
    """The state of one collection, shared by the account workers (each writes its own)."""

    options: CollectOptions
    sessions: Sessions
    regions: tuple[str, ...]
    progress: Progress | None
    sleep: Callable[[float], None]

    def tick(self, task: str, done: int, total: int, what: str) -> None:
        if self.progress:
            self.progress(task, done, total, what)

    def account(self, account: str) -> Ledger:
        """Collect one account into its folder; the marker is written last."""
        ledger = Ledger(account)
        folder = self.options.out_dir / "accounts" / account
        if folder.exists():  # an unfinished folder of an earlier run: start it over
            shutil.rmtree(folder)
        total = 4 + len(KINDS) + len(REGIONAL)
        self.tick(account, 0, total, "session")
        session = self.sessions.for_account(account, ledger)
        if session is None:
            self.tick(account, total, total, "role not assumed")
            return ledger
        clients = Clients(session, self.regions[0])
        self.tick(account, 1, total, "iam")
        files = collect_iam(clients, ledger, self.options.report_delays, self.sleep)
        self.tick(account, 2, total, "cloudtrail")
        trail_files, trails = collect_trails(clients, ledger, account, self.regions)
        files.update(trail_files)
        self.tick(account, 3, total, "trail resources")
        files.update(collect_trail_resources(clients, ledger, account, trails))
        steps = iter(range(4, total + 1))
        files.update(
            collect_inventory(
                clients, ledger, self.regions, lambda s: self.tick(account, next(steps), total, s)
            )
        )
        write_files(folder, files)
        write_json(
            folder / MARKER,
            {
                "finished_at": _now(),
                "facts": [i.as_dict() for i in ledger.facts],
                "failures": [i.as_dict() for i in ledger.failures],
            },
        )
        self.tick(account, total, total, "done")
        return ledger


def collect(
    options: CollectOptions,
    *,
    progress: Progress | None = None,
    hooks: Iterable[Hook] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> CollectResult:
    """Take the snapshot. `hooks` see every boto3 session made (e.g. `CallLog.attach`)."""
    out = options.out_dir
    prepare_out_dir(out, options.resume)
    sessions, regions = _start(options, tuple(hooks))
    run = _Run(options, sessions, regions, progress, sleep)

    org_ledger = Ledger(sessions.caller_account)
    org = _organization(run, org_ledger)
    accounts = _targets(options, org, sessions.caller_account)
    done_before = _finished(out, accounts) if options.resume else {}
    todo = [a for a in accounts if a not in done_before]
    for aid in todo:
        run.tick(aid, 0, 1, "waiting")
    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    try:
        ledgers = dict(zip(todo, pool.map(run.account, todo), strict=True))
    except OSError as exc:  # the folder became unwritable (disk full, removed, ...)
        raise InputError(str(exc.filename or out), "$", f"cannot write: {exc.strerror}") from None
    finally:  # on Ctrl-C, start no further account; --resume picks up from the markers
        pool.shutdown(wait=True, cancel_futures=True)

    facts, failures = list(org_ledger.facts), list(org_ledger.failures)
    complete = []
    for aid in accounts:
        marker = out / "accounts" / aid / MARKER
        if aid in done_before:
            facts += done_before[aid]
            complete.append(aid)
            continue
        ledger = ledgers[aid]
        facts += ledger.facts
        failures += ledger.failures
        if marker.exists():
            complete.append(aid)
    result = CollectResult(
        out_dir=out,
        organization=org.org_id if org else None,
        regions=regions,
        accounts=tuple(complete),
        resumed=tuple(a for a in accounts if a in done_before),
        facts=tuple(facts),
        failures=tuple(failures),
    )
    write_json(out / "snapshot.json", _meta(result, sessions))
    return result


def _start(options: CollectOptions, hooks: tuple[Hook, ...]) -> tuple[Sessions, tuple[str, ...]]:
    """Resolve the credentials once and ask STS whose they are."""
    try:
        core = botocore.session.Session(profile=options.profile)
        region = options.regions[0] if options.regions else core.get_config_variable("region")
        regions = options.regions or (region or "us-east-1",)
        credentials = core.get_credentials()
    except ProfileNotFound as exc:
        raise InputError("collect", "--profile", str(exc)) from None
    except BotoCoreError as exc:  # e.g. an expired SSO token: its message says what to do
        raise InputError("collect", "credentials", f"{type(exc).__name__}: {exc}") from None
    if credentials is None:
        raise InputError("collect", "credentials", "no AWS credentials found (see boto3's docs)")
    session = new_session(options.profile, regions[0], credentials)
    for hook in hooks:
        hook(session, "")
    try:
        identity = session.client("sts", config=client_config()).get_caller_identity()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise InputError(
            "collect", "credentials", f"sts:GetCallerIdentity failed: {code}"
        ) from None
    except BotoCoreError as exc:
        raise InputError(
            "collect", "credentials", f"sts:GetCallerIdentity failed: {type(exc).__name__}"
        ) from None
    arn = identity["Arn"]
    sessions = Sessions(
        profile=options.profile,
        region=regions[0],
        credentials=credentials,
        caller_account=identity["Account"],
        role_name=options.role_name,
        partition=arn.split(":")[1] if arn.startswith("arn:") else partition_of(regions[0]),
        hooks=hooks,
    )
    return sessions, regions


def _organization(run: _Run, ledger: Ledger) -> OrgFiles | None:
    """Collect organization/ afresh (also on --resume: the account list comes from it)."""
    count = itertools.count(1)
    run.tick(ORG_KEY, 0, 0, "reading")
    client = Clients(run.sessions.own(), run.regions[0]).get("organizations")
    org = collect_organization(client, ledger, lambda what: run.tick(ORG_KEY, next(count), 0, what))
    folder = run.options.out_dir / "organization"
    if org is not None:
        if folder.exists():
            shutil.rmtree(folder)
        write_files(folder, org.files)
    run.tick(ORG_KEY, 1, 1, "done" if org else "none read")
    return org


def _targets(options: CollectOptions, org: OrgFiles | None, caller: str) -> list[str]:
    """--accounts as given; else every active account of the organization; else the
    credentials' own account."""
    if options.accounts:
        return list(options.accounts)
    if org is not None and org.active_accounts():
        return sorted(org.active_accounts())
    return [caller]


def _finished(out: Path, accounts: Iterable[str]) -> dict[str, list[Issue]]:
    """Accounts an earlier run finished without failures, with their facts."""
    done = {}
    for aid in accounts:
        marker = out / "accounts" / aid / MARKER
        if not marker.is_file():
            continue
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and not data.get("failures"):
            done[aid] = [Issue.from_dict(f) for f in data.get("facts", [])]
    return done


def _meta(result: CollectResult, sessions: Sessions) -> dict:
    """snapshot.json: when, with what, where, and every call that did not return data."""
    return {
        "collected_at": _now(),
        "tool": f"iamgraph {__version__}",
        "partitions": [sessions.partition],
        "organization": result.organization,
        "accounts": list(result.accounts),
        "regions": list(result.regions),
        "role_name": sessions.role_name,
        "facts": [i.as_dict() for i in result.facts],
        "failures": [i.as_dict() for i in result.failures],
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
