"""What a credential brings to every question: the MFA modes it may sign in (M1-M5) and the
time keys they carry, the service keys present only on the actions that carry them, and the
credential keys a snapshot vouches for (fixed, not the caller's to choose).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import z3

from iamgraph.catalog import catalog
from iamgraph.evaluate.gather import Mfa, credential_clock, is_credential_key
from iamgraph.evaluate.request import CallerType
from iamgraph.model.snapshot import Snapshot
from iamgraph.solvers.context import Rep, SymContext

MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")
ORG_KEYS = ("aws:principalorgid", "aws:principalorgpaths")


def mode_constraint(
    ctx: SymContext,
    modes: tuple[Mfa, ...],
    caller_type: CallerType | None = None,
    floor: datetime | None = None,
) -> tuple[z3.BoolRef, z3.ArithRef]:
    """The credential's MFA keys per mode (M1-M5), and the time keys it can carry (KEYS, see
    `SymContext.time_constraint`); the solver picks one of `modes`."""
    mode = z3.Int("mfa_mode")
    present = ctx.keys.get(MFA_KEYS[0])
    age = ctx.keys.get(MFA_KEYS[1])
    options = []
    for i, m in enumerate(modes):
        parts = [mode == i]
        if present is not None:
            if m is Mfa.LONG_TERM_KEYS:
                parts.append(z3.Not(present.present))
            elif present.value is not None and present.usage.rep is Rep.STRING:
                parts.append(
                    z3.And(present.present, present.value == ("true" if m is Mfa.MFA else "false"))
                )
            else:
                parts.append(present.present)
        if age is not None:
            if m is Mfa.MFA:
                parts.append(age.present)
                if age.value is not None and age.usage.rep is Rep.REAL:
                    parts.append(age.value >= 0)
            else:
                parts.append(z3.Not(age.present))
        temporary = credential_clock(caller_type, m, floor).temporary if caller_type else None
        parts.append(ctx.time_constraint(temporary, floor))
        options.append(z3.And(*parts))
    return z3.Or(*options), mode


def carried_keys(ctx: SymContext, action, pinned=()) -> list[z3.BoolRef]:
    """A service condition key is present only on the actions the service authorization
    reference lists it for (`Catalog.key_actions`): the solver may not satisfy an
    iam:PolicyARN condition on iam:CreatePolicyVersion, which never carries it. `action` is a
    name or the z3 action id; pinned keys are the query's own."""
    cat = catalog()
    out = []
    for low, key in ctx.keys.items():
        spans = None if low in pinned else cat.key_actions(key.name)
        if spans is None:
            continue
        if isinstance(action, str):
            if not cat.carries(action, key.name):
                out.append(z3.Not(key.present))
        else:
            within = [z3.And(action >= lo, action < hi) for lo, hi in spans]
            out.append(z3.Implies(key.present, z3.Or(*within)))
    return out


def modes_for(caller_type: CallerType, mfa: str | None) -> tuple[Mfa, ...]:
    """`--no-mfa`: every way to lack MFA; `--mfa`: an MFA session; default: any of them."""
    if caller_type is CallerType.ASSUMED_ROLE:
        options = (Mfa.NO_MFA, Mfa.MFA)
    else:
        options = (Mfa.LONG_TERM_KEYS, Mfa.NO_MFA, Mfa.MFA)
    if mfa == "no-mfa":
        return tuple(m for m in options if m is not Mfa.MFA)
    if mfa == "mfa":
        return (Mfa.MFA,)
    return options


def fixed_for(snap: Snapshot, account: str) -> Callable[[str], bool]:
    """The credential keys the snapshot can vouch for: organization keys only when the
    account's place in the organization is known (else they are the solver's to choose)."""
    in_org = snap.organization is not None and account in snap.organization.nodes
    return lambda k: is_credential_key(k) and (in_org or k not in ORG_KEYS)
