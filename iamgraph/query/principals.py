"""The principal phrases of a question: who asks (a user or role by name or ARN, "any
principal", "anyone outside the organization") and the filters that narrow "who" ("without
MFA", "in account N", "in OU NAME", "which users").

A bare name is a user's or role's name when exactly one principal of the snapshot has it; when
several do, the error names them. Filters narrow which principals a who-can or privesc answer
covers and lists; "outside the organization" asks about principals of no account of the
organization (see `premerge.outside` for how that is answered soundly).
"""

from __future__ import annotations

from dataclasses import dataclass

from iamgraph.errors import InputError
from iamgraph.evaluate.gather import find_principal
from iamgraph.model.principals import Principal, PrincipalKind
from iamgraph.model.snapshot import Snapshot
from iamgraph.query.words import Stuck, Words

EXPECT_SUBJECT = (
    "any principal, anyone, anyone outside the organization, user NAME, role NAME, "
    "a user or role name, a principal ARN"
)
OUTSIDE = ("outside organization", "from outside organization", "external", "outside")


@dataclass(frozen=True)
class Filter:
    """Which principals a who-can or privesc answer covers: of these accounts (an OU's are
    expanded), of these kinds, or outside the organization. Empty: every principal."""

    accounts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # "user", "role"
    outside: bool = False
    said: tuple[str, ...] = ()  # the filter in words, as understood ("in OU Prod (444455556666)")

    def __bool__(self) -> bool:
        return bool(self.accounts or self.kinds or self.outside)

    def covers(self, p: Principal) -> bool:
        """Whether a principal of the snapshot is one the filter keeps (never, outside)."""
        if self.outside:
            return False
        if self.accounts and p.account not in self.accounts:
            return False
        return not self.kinds or p.kind.value in self.kinds

    def narrowed(self, other: Filter) -> Filter:
        accounts = self.accounts
        if other.accounts:
            accounts = (
                tuple(a for a in accounts if a in other.accounts) if accounts else other.accounts
            )
            if not accounts:
                accounts = ("(none)",)
        kinds = self.kinds or other.kinds
        return Filter(accounts, kinds, self.outside or other.outside, self.said + other.said)

    def json(self) -> dict:
        return {"accounts": list(self.accounts), "kinds": list(self.kinds), "outside": self.outside}


def principal_named(snap: Snapshot, name: str, kinds: tuple[PrincipalKind, ...]) -> list[str]:
    """The ARNs of the principals of `kinds` called `name` (any case)."""
    index = snap.memo.get("ask_names")
    if index is None:
        index = {}
        for p in snap.principals.values():
            index.setdefault(p.name.lower(), []).append(p)
        snap.memo["ask_names"] = index
    return sorted(p.arn for p in index.get(name.lower(), ()) if p.kind in kinds)


def principal(w: Words, snap: Snapshot) -> str:
    """An ARN, `user NAME`, `role NAME`, or a bare user or role name (unique in the snapshot)."""
    start = w.pos
    word = w.peek()
    if not word:
        raise Stuck(start, f"expected: {EXPECT_SUBJECT}", expects="principal")
    if word in ("any", "every", "which", "what"):  # any group, every account: not a subject
        raise Stuck(start, f"expected: {EXPECT_SUBJECT}", expects="principal")
    if word.startswith("arn:"):
        arn = w.take()
        try:
            find_principal(snap, arn)
        except InputError as exc:
            raise Stuck(start, exc.message, w.pos, expects="principal") from None
        return arn
    if word in ("user", "role") and w.raw(1):
        kinds: tuple[PrincipalKind, ...] = (PrincipalKind(w.take().lower()),)
        said = kinds[0].value
    else:
        kinds, said = (PrincipalKind.USER, PrincipalKind.ROLE), "user or role"
    name = w.take()
    found = principal_named(snap, name, kinds)
    if not found:
        raise Stuck(start, f"no {said} named {name} in the snapshot", w.pos, expects="principal")
    if len(found) > 1:
        candidates = ", ".join(found)
        raise Stuck(start, f"{said} {name} is ambiguous, give its ARN: {candidates}", w.pos)
    return found[0]


def any_subject(w: Words) -> tuple[Filter, str | None] | None:
    """`any [non-MFA] principal|user|role|identity`, `anyone`, `anyone outside the
    organization`, `any external principal`: every principal, filtered; None if not there."""
    start = w.pos
    mfa: str | None = None
    if w.accept("anyone"):
        kinds: tuple[str, ...] = ()
    elif w.accept("any") or w.accept("every"):
        if w.accept("non-mfa") or w.accept("non", "mfa"):
            mfa = "no-mfa"
        outside = w.accept("external")
        word = w.peek()
        if word not in ("principal", "user", "role", "identity", "one"):
            w.pos = start
            return None
        w.take()
        kinds = (word,) if word in ("user", "role") else ()
        if outside:
            return Filter(kinds=kinds, outside=True, said=("outside the organization",)), mfa
    else:
        return None
    return Filter(kinds=kinds, said=_kinds_said(kinds)), mfa


def which_subject(w: Words) -> tuple[Filter, str | None] | None:
    """After `which` / `what`: `[non-MFA] principals|users|roles|identities`."""
    mfa = "no-mfa" if (w.accept("non-mfa") or w.accept("non", "mfa")) else None
    external = w.accept("external")
    word = w.peek()
    if word not in ("principal", "user", "role", "identity"):
        return None
    w.take()
    kinds = (word,) if word in ("user", "role") else ()
    f = Filter(kinds=kinds, said=_kinds_said(kinds))
    if external:
        f = f.narrowed(Filter(outside=True, said=("outside the organization",)))
    return f, mfa


def _kinds_said(kinds: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{k}s only" for k in kinds)


def mfa_clause(w: Words) -> str | None:
    """`without MFA`, `with no MFA`, `non-MFA`, `with MFA`: the credential mode, if said."""
    if w.accept("without", "mfa") or w.accept("with", "no", "mfa") or w.accept("non-mfa"):
        return "no-mfa"
    if w.accept("no", "mfa") or w.accept("non", "mfa"):
        return "no-mfa"
    if w.accept("with", "mfa") or w.accept("using", "mfa"):
        return "mfa"
    return None


def filter_clause(w: Words, snap: Snapshot) -> Filter | None:
    """`in account N|NAME`, `in OU NAME`, `outside the organization`: a filter, if said."""
    start = w.pos
    if w.at("in|from", "account"):
        w.pos += 2
        if w.at_end():
            raise Stuck(start, "expected an account id or name after 'in account'", expects="end")
        given = w.take()
        account = account_named(snap, given)
        if account is None:
            known = ", ".join(_account_names(snap)) or "none"
            raise Stuck(start, f"no account {given} in the snapshot (accounts: {known})", w.pos)
        return Filter(accounts=(account,), said=(f"in account {account}",))
    if w.at("in|under", "ou") or w.at("in|under", "organizational", "unit"):
        w.pos += 3 if w.peek(1) == "organizational" else 2
        if w.at_end():
            raise Stuck(start, "expected an OU name after 'in OU'", expects="end")
        given = w.take()
        accounts = ou_accounts(snap, given)
        if accounts is None:
            known = ", ".join(_ou_names(snap)) or "none"
            raise Stuck(start, f"no OU named {given} in the organization (OUs: {known})", w.pos)
        said = f"in OU {given} ({', '.join(accounts) or 'no account'})"
        return Filter(accounts=accounts or ("(none)",), said=(said,))
    for phrase in OUTSIDE:
        if w.accept_phrase(phrase):
            return Filter(outside=True, said=("outside the organization",))
    return None


def account_named(snap: Snapshot, given: str) -> str | None:
    """An account id of the snapshot or organization, or an account's name (any case)."""
    known = set(snap.account_ids())
    org = snap.organization
    if org is not None:
        known |= set(org.accounts)
        if given.isdigit() and given in known:
            return given
        for a in org.accounts.values():
            if a.name.lower() == given.lower():
                return a.account_id
    return given if given in known else None


def ou_accounts(snap: Snapshot, given: str) -> tuple[str, ...] | None:
    """The accounts under the OU of that name or id (any depth), None if there is none."""
    org = snap.organization
    if org is None:
        return None
    match = [
        n
        for n in org.nodes.values()
        if n.kind.value == "ORGANIZATIONAL_UNIT" and given.lower() in (n.name.lower(), n.node_id)
    ]
    if not match:
        return None
    out: list[str] = []
    todo = [c for n in match for c in n.children]
    while todo:
        node = org.nodes.get(todo.pop(0))
        if node is None:
            continue
        if node.kind.value == "ACCOUNT":
            out.append(node.node_id)
        todo += list(node.children)
    return tuple(sorted(set(out)))


def _account_names(snap: Snapshot) -> list[str]:
    org = snap.organization
    if org is None:
        return list(snap.account_ids())
    return [f"{a.account_id} {a.name}" for a in org.accounts.values()]


def _ou_names(snap: Snapshot) -> list[str]:
    org = snap.organization
    if org is None:
        return []
    return sorted(n.name for n in org.nodes.values() if n.kind.value == "ORGANIZATIONAL_UNIT")


def subject_words(snap: Snapshot) -> tuple[list[str], list[str]]:
    """The subject phrases of the snapshot, for suggestions: generic ones, and names."""
    names = sorted({p.name for p in snap.principals.values() if p.kind is not PrincipalKind.ROOT})
    return ["anyone", "any principal", "any non-MFA principal"], names


def filter_words(snap: Snapshot) -> list[str]:
    """Every filter phrase of the snapshot, for suggestions."""
    org = snap.organization
    out = ["without MFA", "with MFA", "outside the organization"]
    out += [f"in account {a}" for a in snap.account_ids()]
    if org is not None:
        out += [f"in account {a.name}" for a in org.accounts.values()]
        out += [f"in OU {n}" for n in _ou_names(snap)]
    return out
