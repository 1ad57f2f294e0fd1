"""What a plan leaves unknown until apply, settled where it can be: the account its IAM
resources are in, values taken from the configuration's references to other resources of the
plan (each an `Assumption`), names and ARNs AWS would give; what cannot be settled is kept
`Pending` and becomes an `Unresolved` over the principals it touches, never taken as harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from iamgraph.load.fields import Doc
from iamgraph.model.arn import ArnError, parse_arn
from iamgraph.model.organization import Organization
from iamgraph.model.plan import Assumption
from iamgraph.model.snapshot import Snapshot
from iamgraph.premerge.plan.read import (
    Change,
    Side,
    account_candidates,
    arn_accounts,
    as_dict,
    as_list,
    config_expressions,
    read_plan,
)

# What a policy's ARN is when the AWS API has not yet returned it (placeholder name suffix
# for `name_prefix`, the shape of Terraform's PrefixedUniqueId).
UNIQUE_SUFFIX = "00000000000000000000000001"
_MODULE = re.compile(r"module\.([^.\[]+)")
_REFERENCE = re.compile(r"^([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(\[[^\]]*\])?\.([a-z_]+)$")


@dataclass(frozen=True)
class Pending:
    """An Unresolved whose principals are known only once the snapshot is assembled."""

    address: str
    what: str
    reason: str
    scope: str  # "policy" (attached ARN), "principal", "group" (its members), "org", "none"
    key: str  # the ARN or organization policy id the scope names


class Resolver:
    """The plan's changes and what is known of their values: the account, the configuration's
    references, the values planned so far; what is assumed and what stays unresolved."""

    def __init__(self, doc: Doc, account: str | None, only_account: str | None = None) -> None:
        self.doc = doc
        self._only_account = only_account  # the snapshot's one account, when it holds one
        self.changes = read_plan(doc)  # first: it checks the plan is an object
        top = doc.root
        self.expressions = config_expressions(top)
        self._account = account
        self._candidates = set() if account else account_candidates(top, self.changes)
        self.used_account: str | None = None
        self.planned: dict[str, dict[str, str]] = {}  # address -> attribute -> value
        self.assumptions: list[Assumption] = []
        self.pending: list[Pending] = []

    # -- accounts and references ------------------------------------------------------------
    def account(self) -> str:
        """The account of the plan's IAM resources; InputError when the plan cannot say."""
        if self._account is None:
            found = sorted(self._candidates)
            if not found and self._only_account:
                found = [self._only_account]  # a plan for this snapshot's one account
                self.assumptions.append(
                    Assumption(
                        "plan",
                        "account",
                        self._only_account,
                        "the plan names no account and the snapshot holds only this one",
                    )
                )
            if len(found) != 1:
                why = (
                    f"it names several ({', '.join(found)})"
                    if found
                    else "neither the provider configuration (allowed_account_ids, "
                    "assume_role) nor an IAM ARN in prior_state or before names one"
                )
                raise self.doc.error(
                    (),
                    f"cannot decide which AWS account the plan applies to: {why}; "
                    "pass the account explicitly",
                )
            self._account = found[0]
        self.used_account = self._account
        return self._account

    def account_of(self, c: Change) -> str:
        for side in (c.new, c.old):
            if side is not None:
                arn = side.values.get("arn")
                if isinstance(arn, str) and not side.is_unknown("arn") and arn_accounts([arn]):
                    return parse_arn(arn).account
        return self.account()

    def assume(self, c: Change, attribute: str, value: str, reason: str) -> str:
        self.assumptions.append(Assumption(c.address, attribute, value, reason))
        return value

    def expression(self, c: Change, attribute: str) -> Any:
        """The configuration's expression for the attribute; None where it is not set."""
        names = tuple(_MODULE.findall(c.module))
        config_address = c.address.removeprefix(f"{c.module}.").split("[", 1)[0]
        return self.expressions.get((names, config_address), {}).get(attribute)

    def referenced(self, c: Change, attribute: str) -> list[tuple[str, str]]:
        """(reference, planned value) for each resource of this plan the configuration's
        expression for `attribute` refers to, as `type.name[index].attr`."""
        prefix = f"{c.module}." if c.module else ""
        out = []
        for ref in as_list(as_dict(self.expression(c, attribute)).get("references")):
            m = _REFERENCE.match(ref) if isinstance(ref, str) else None
            if m is None:
                continue
            rtype, rname, index, attr = m.groups()
            for target in self._instances(f"{prefix}{rtype}.{rname}", index, c.index):
                value = self.planned[target].get(attr)
                if value is not None:
                    out.append((ref, value))
        return out

    def _instances(self, base: str, index: str | None, own_index: Any) -> list[str]:
        if index:
            return [base + index] if base + index in self.planned else []
        found = [a for a in self.planned if a == base or a.startswith(base + "[")]
        if len(found) > 1 and own_index is not None:
            same = f"{base}[{_index_text(own_index)}]"
            return [same] if same in self.planned else []
        return found

    def value(self, c: Change, side: Side, attribute: str) -> str | None:
        """A string attribute, or the planned value of the resource it references when it is
        unknown until apply (recorded as an Assumption); None when neither is known."""
        known = side.text(attribute)
        if known is not None or not side.is_unknown(attribute):
            return known
        refs = self.referenced(c, attribute)
        if len(refs) != 1:
            return None
        ref, value = refs[0]
        return self.assume(
            c, attribute, value, f"unknown until apply; the configuration references {ref}"
        )

    def values(self, c: Change, side: Side, attribute: str) -> tuple[tuple[str, ...], bool]:
        """A list attribute's strings, unknown ones taken from references; and whether some
        element stays unknown."""
        known, missing = side.texts(attribute)
        if not missing:
            return known, False
        refs = self.referenced(c, attribute)
        for ref, value in refs:
            self.assume(
                c, attribute, value, f"unknown until apply; the configuration references {ref}"
            )
        return (*known, *(v for _, v in refs)), not refs

    def unresolved(self, c: Change, what: str, reason: str, scope: str = "none", key: str = ""):
        self.pending.append(Pending(c.address, what, reason, scope, key))


def _index_text(index: Any) -> str:
    return f'"{index}"' if isinstance(index, str) else str(index)


def name_of(value: str) -> str:
    """An IAM name given as a name or (as some configurations do) as an ARN."""
    if value.startswith("arn:"):
        try:
            return parse_arn(value).name
        except ArnError:
            return value
    return value


def planned_name(w: Resolver, c: Change, side: Side) -> str | None:
    """`name`, or for a name Terraform generates at apply (`name_prefix`) the stand-in."""
    name = side.text("name")
    if name is not None:
        return name
    if not side.is_unknown("name"):
        return None
    prefix = side.text("name_prefix") or "terraform-"
    return w.assume(
        c, "name", prefix + UNIQUE_SUFFIX, "generated at apply from name_prefix; any name would do"
    )


def planned_arn(
    w: Resolver, c: Change, side: Side, account: str, resource: str, path: str, name: str
) -> str:
    known = side.text("arn")
    if known is not None:
        return known
    arn = f"arn:aws:iam::{account}:{resource}{path}{name}"
    return w.assume(c, "arn", arn, f"unknown until apply: the ARN AWS gives {resource} {name!r}")


def affected(snap: Snapshot, org: Organization | None, p: Pending) -> tuple[str, ...]:
    """The principals whose answers a pending Unresolved makes unknown."""
    if p.scope == "policy":
        return tuple(a for a, q in snap.principals.items() if p.key in q.policies.unresolved)
    if p.scope == "principal":
        return (p.key,) if p.key in snap.principals else ()
    if p.scope == "group":
        return tuple(a for a, q in snap.principals.items() if p.key in q.groups)
    if p.scope == "org" and org is not None and p.key in org.policies:
        accounts = _accounts_under(org, org.policies[p.key].targets)
        accounts.discard(org.management_account)  # E6: SCPs and RCPs do not apply there
        return tuple(a for a, q in snap.principals.items() if q.account in accounts)
    return ()


def _accounts_under(org: Organization, nodes: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    todo = [n for n in nodes if n in org.nodes]
    while todo:
        node = org.nodes[todo.pop()]
        if node.node_id in org.accounts:
            out.add(node.node_id)
        todo += [c for c in node.children if c in org.nodes]
    return out
