"""Admin, the starting credentials, a bounded breadth-first search to admin, and path replay.

Admin (what iamgraph means by it, with no SCPs in the account): the credential's effective
permissions allow every request. The generated policies use a finite vocabulary of actions,
resources and condition keys, so one probe per region of that vocabulary decides it: every
vocabulary action, an action matched only by each generated wildcard (`iam:ListUsers` for
`iam:*`, `s3:PutObject` for `s3:*`, `ec2:DescribeVpcs` for `ec2:Describe*`) and one matched
only by `*` (`kms:Decrypt`), on `*`, on every ARN of the account and on ARNs of nothing in it,
with every policy ARN an attach or a boundary could name, in the credential's MFA mode.

The search memoises (configuration, held credentials); a configuration is checked for admin as
soon as it is found, so the first hit is a shortest path (in moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tests.modelcheck.account import ACCOUNT, Account, Cred, Mode, allowed_for, arn
from tests.modelcheck.moves import EFFECTS, Move, State, apply, candidates

BOUND = 4  # moves: a proven-unreachable answer is checked against every path this long
STATE_CAP = 20_000  # configurations; past it the search says it is incomplete

WILDCARD_ONLY = ("kms:Decrypt", "iam:ListUsers", "s3:PutObject", "ec2:DescribeVpcs")
HARMLESS = ("s3:GetObject", "ec2:DescribeInstances")
PROBE_ACTIONS = (*WILDCARD_ONLY, *HARMLESS, *EFFECTS)
NOWHERE = (arn("user", "probe-nobody"), "arn:aws:s3:::probe-bucket/probe-key")
POLICY_KEYS = {
    "iam:AttachUserPolicy": "iam:PolicyARN",
    "iam:AttachGroupPolicy": "iam:PolicyARN",
    "iam:AttachRolePolicy": "iam:PolicyARN",
    "iam:PutUserPermissionsBoundary": "iam:PermissionsBoundary",
    "iam:PutRolePermissionsBoundary": "iam:PermissionsBoundary",
}


def probes(account: Account) -> tuple[tuple[str, str, tuple], ...]:
    """(action, resource, extra context) requests an administrator may all make."""
    resources = (
        "*",
        *account.principals(),
        *(g.arn for g in account.groups),
        *(p.arn for p in account.policies),
        *NOWHERE,
    )
    out = []
    for action in PROBE_ACTIONS:
        for resource in resources:
            out.append((action, resource, ()))
            if action in POLICY_KEYS:
                out += [
                    (action, resource, ((POLICY_KEYS[action], p, "arn"),))
                    for p in account.attachable()
                ]
    return tuple(out)


@lru_cache(maxsize=50_000)
def _admin(view: tuple, mode: Mode, requests: tuple) -> bool:
    return all(allowed_for(view, mode, a, r, extra) for a, r, extra in requests)


def is_admin(account: Account, cred: Cred) -> bool:
    return _admin(account.view(cred[0]), cred[1], probes(account))


def own_credentials(account: Account, principal: str) -> frozenset[Cred]:
    """What the attacker holds when it has `principal`'s own credentials. A user: keys if an
    access key is active, a console session without MFA if a password and no MFA device, a
    session with MFA if a device (and a password or keys); a user with none of these, every
    mode (as if one were stolen). A role: a session, with or without MFA."""
    user = account.user(principal)
    if user is None:
        return frozenset({(principal, Mode.NO_MFA), (principal, Mode.MFA)})
    modes = set()
    if any(user.keys):
        modes.add(Mode.KEYS)
    if user.password and not user.mfa_device:
        modes.add(Mode.NO_MFA)
    if user.mfa_device and (user.password or any(user.keys)):
        modes.add(Mode.MFA)
    return frozenset((principal, m) for m in (modes or set(Mode)))


@dataclass(frozen=True)
class Result:
    reachable: bool
    moves: tuple[Move, ...] = ()  # a shortest path, when reachable
    complete: bool = True  # False: STATE_CAP stopped the search before the bound
    states: int = 0

    def __str__(self) -> str:
        if self.reachable:
            return f"admin in {len(self.moves)} moves: " + "; ".join(map(str, self.moves))
        return f"no admin within {BOUND} moves" if self.complete else "search incomplete"


def search(account: Account, held: frozenset[Cred], bound: int = BOUND) -> Result:
    """Breadth-first from `held` to a configuration where some held credential is admin."""
    start: State = (account, held)
    if any(is_admin(account, c) for c in held):
        return Result(True, (), states=1)
    seen = {start}
    frontier: list[tuple[State, tuple[Move, ...]]] = [(start, ())]
    for _ in range(bound):
        following = []
        for (acct, creds), path in frontier:
            for move in candidates(acct, creds):
                after = apply(acct, creds, move)
                if after is None or after in seen:
                    continue
                seen.add(after)
                if any(is_admin(after[0], c) for c in after[1]):
                    return Result(True, (*path, move), states=len(seen))
                if len(seen) > STATE_CAP:
                    return Result(False, complete=False, states=len(seen))
                following.append((after, (*path, move)))
        frontier = following
    return Result(False, states=len(seen))


@dataclass(frozen=True)
class Claim:
    """One hop of someone else's path: `source` signing in `mode_from` calls the method's API
    (`method` is its name, e.g. AttachUserPolicy) and then holds `target` in `mode_to`."""

    method: str
    source: str
    mode_from: Mode
    target: str
    mode_to: Mode
    apis: tuple[str, ...] = ()  # the calls the hop makes in order (default: the method's own)


def api_of(method: str) -> str:
    return "sts:AssumeRole" if method == "AssumeRole" else f"iam:{method}"


def replay(account: Account, start: frozenset[Cred], claims: list[Claim]) -> bool:
    """Can the claimed path be walked with concrete calls, ending on an admin credential?
    Each hop is its API calls (`Claim.apis`: several for a hop that takes several changes at
    once or deletes a key first) by the claimed credential, with any target and parameter, followed
    (when the hop lands on a role the attacker does not hold yet) by sts:AssumeRole of that
    role by the same credential; the hop's claimed credential must then be held."""
    states: set[State] = {(account, start)}
    last: Cred | None = None  # no hop: one of the principal's own credentials is admin
    for claim in claims:
        actor = (claim.source, claim.mode_from)
        want = (claim.target, claim.mode_to)
        calls = [s for s in states if actor in s[1]]
        for api in claim.apis or (api_of(claim.method),):  # each call, with any parameter
            calls = [
                after
                for acct, held in calls
                for move in candidates(acct, held)
                if move.api == api and move.actor == actor
                for after in [apply(acct, held, move)]
                if after is not None
            ]
        reached: set[State] = set()
        for after in calls:
            if want not in after[1] and after[0].role(claim.target) is not None:
                assume = Move("sts:AssumeRole", actor, claim.target)
                after = apply(*after, assume) or after
            if want in after[1]:
                reached.add(after)
        states = reached
        last = want
    finals = [last] if last is not None else sorted(start)
    return any(is_admin(acct, c) for acct, held in states for c in finals if c in held)


__all__ = ["ACCOUNT", "BOUND", "Claim", "Result", "is_admin", "own_credentials", "replay", "search"]
