"""The Organizations tree, SCPs and RCPs, read from the management account (FORMATS 1.5).

The result is the `organization/` folder as files (relative path -> CLI response), or None when
the credentials see no organization (AWSOrganizationsNotInUseException, a fact) or may not read
it (AccessDenied, a failure): then only the credentials' own account is collected. The folder is
written only when describe-organization and list-roots both answered, since the loader needs
both; anything missing below them is reported by the loader as a gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iamgraph.collect.ledger import Ledger
from iamgraph.errors import InputError, PathPart
from iamgraph.model.paths import id_problem

POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")
Step = Callable[[str], None]


@dataclass(frozen=True)
class OrgFiles:
    """The organization/ folder to write, and what the tree says about its accounts."""

    files: dict[str, dict[str, Any]]
    org_id: str
    management_account: str
    accounts: tuple[dict[str, Any], ...]  # as list-accounts-for-parent lists them

    def active_accounts(self) -> tuple[str, ...]:
        """Accounts whose role can be assumed: suspended or closed ones cannot."""
        return tuple(
            a["Id"] for a in self.accounts if (a.get("State") or a.get("Status")) == "ACTIVE"
        )


def collect_organization(client: Any, ledger: Ledger, step: Step | None = None) -> OrgFiles | None:
    """Read the tree from the root down, then each enabled policy type's policies."""
    described = ledger.call(client, "describe_organization")
    if described is None:
        return None
    roots = ledger.pages(client, "list_roots")
    if roots is None or not roots.get("Roots"):
        return None
    files: dict[str, dict[str, Any]] = {
        "describe-organization.json": described,
        "list-roots.json": roots,
    }
    root = roots["Roots"][0]
    _check_id("list-roots.json", ("Roots", 0, "Id"), "root", root["Id"])
    accounts = _walk(client, ledger, root["Id"], files, step)
    enabled = {t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"}
    for ptype in POLICY_TYPES:
        if ptype in enabled:  # a type that is not enabled is simply skipped
            every_policy(client, ledger, ptype, files, step)
    org = described["Organization"]
    return OrgFiles(files, org.get("Id", ""), org.get("MasterAccountId", ""), tuple(accounts))


def _walk(client, ledger: Ledger, root_id: str, files, step: Step | None) -> list[dict]:
    """Breadth first from the root: child OUs and accounts of every parent."""
    accounts: list[dict] = []
    queue, seen = [root_id], {root_id}
    while queue:
        parent = queue.pop(0)
        if step:
            step(parent)
        ous = ledger.pages(client, "list_organizational_units_for_parent", ParentId=parent)
        if ous is not None:
            rel = f"list-organizational-units-for-parent/{parent}.json"
            files[rel] = ous
            for i, ou in enumerate(ous.get("OrganizationalUnits", [])):
                _check_id(rel, ("OrganizationalUnits", i, "Id"), "OU", ou["Id"])
                if ou["Id"] not in seen:
                    seen.add(ou["Id"])
                    queue.append(ou["Id"])
        listed = ledger.pages(client, "list_accounts_for_parent", ParentId=parent)
        if listed is not None:
            rel = f"list-accounts-for-parent/{parent}.json"
            files[rel] = listed
            for i, account in enumerate(listed.get("Accounts", [])):
                _check_id(rel, ("Accounts", i, "Id"), "account", account["Id"])
            accounts += listed.get("Accounts", [])
    return accounts


def every_policy(client, ledger: Ledger, ptype: str, files, step: Step | None) -> None:
    listed = ledger.pages(client, "list_policies", Filter=ptype)
    if listed is None:
        return
    files[f"list-policies-{ptype}.json"] = listed
    for i, summary in enumerate(listed.get("Policies", [])):
        pid = summary["Id"]
        _check_id(f"list-policies-{ptype}.json", ("Policies", i, "Id"), "policy", pid)
        if step:
            step(f"policy {pid}")
        described = ledger.call(client, "describe_policy", PolicyId=pid)
        if described is not None:
            files[f"describe-policy/{pid}.json"] = described
        targets = ledger.pages(client, "list_targets_for_policy", PolicyId=pid)
        if targets is not None:
            files[f"list-targets-for-policy/{pid}.json"] = targets


def _check_id(rel: str, path: tuple[PathPart, ...], kind: str, value: object) -> None:
    """An id the API returned becomes a file name (and an account's folder): it must fit the
    pattern AWS documents, so `../x` is refused before anything is written."""
    problem = id_problem(kind, value) if isinstance(value, str) else f"not a {kind} id: {value!r}"
    if problem:
        raise InputError(f"organization/{rel} (as returned by the API)", path, problem)
