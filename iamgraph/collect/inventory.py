"""Compute that already runs as a role, for the existing-resource escalation methods.

One file per kind, each region's items merged into one list (the loader reads regions off the
ARNs); the SSM node list, whose items carry no ARN, is one file per region instead
(`ssm/describe-instance-information/<region>.json`). A kind with a region that did not answer
is left out whole: a missing file makes the graph say `unknown`, a partial one would make it
say "no such resource" for that region.

Values that often hold secrets are never written: Lambda's `Environment`, CodeBuild's
`environmentVariables`, CloudFormation's `Parameters` and `Outputs`, Glue's `Arguments`. The
loaders need none of them (they read resource ARNs and role ARNs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from iamgraph.collect.ledger import Ledger
from iamgraph.collect.sessions import Clients
from iamgraph.collect.writer import response_body

Files = dict[str, dict[str, Any]]
Lists = dict[str, list[Any]]  # a top-level key and its items, e.g. {"Functions": [...]}
Lister = Callable[[Any, Ledger], Lists | None]  # (client, ledger) -> one region's lists
BATCH = 100  # codebuild batch-get-projects takes at most 100 names


def _drop(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


def _functions(client: Any, ledger: Ledger) -> Lists | None:
    listed = ledger.pages(client, "list_functions")
    if listed is None:
        return None
    return {"Functions": [_drop(f, "Environment") for f in listed.get("Functions", [])]}


def _instances(client: Any, ledger: Ledger) -> Lists | None:
    listed = ledger.pages(client, "describe_instances")
    return None if listed is None else {"Reservations": list(listed.get("Reservations", []))}


def _dev_endpoints(client: Any, ledger: Ledger) -> Lists | None:
    listed = ledger.pages(client, "get_dev_endpoints")
    if listed is None:
        return None
    return {"DevEndpoints": [_drop(e, "Arguments") for e in listed.get("DevEndpoints", [])]}


def _stacks(client: Any, ledger: Ledger) -> Lists | None:
    listed = ledger.pages(client, "describe_stacks")
    if listed is None:
        return None
    return {"Stacks": [_drop(s, "Parameters", "Outputs") for s in listed.get("Stacks", [])]}


def _projects(client: Any, ledger: Ledger) -> Lists | None:
    """list-projects, then batch-get-projects in batches, merged as one batch's output."""
    listed = ledger.pages(client, "list_projects")
    if listed is None:
        return None
    names = list(listed.get("projects", []))
    out: Lists = {"projects": [], "projectsNotFound": []}
    for start in range(0, len(names), BATCH):
        batch = ledger.call(client, "batch_get_projects", names=names[start : start + BATCH])
        if batch is None:
            return None
        for project in batch.get("projects", []):
            if "environment" in project:
                env = _drop(project["environment"], "environmentVariables")
                project = {**project, "environment": env}
            out["projects"].append(project)
        out["projectsNotFound"] += batch.get("projectsNotFound", [])
    return out


def _notebooks(client: Any, ledger: Ledger) -> Lists | None:
    """SageMaker has no batch call: each listed notebook is described (FORMATS: the file is
    `{"NotebookInstances": [describe-notebook-instance output, ...]}`)."""
    listed = ledger.pages(client, "list_notebook_instances")
    if listed is None:
        return None
    out = []
    for item in listed.get("NotebookInstances", []):
        described = ledger.call(
            client, "describe_notebook_instance", NotebookInstanceName=item["NotebookInstanceName"]
        )
        if described is None:
            return None
        out.append(response_body(described))
    return {"NotebookInstances": out}


def _managed_nodes(client: Any, ledger: Ledger) -> Lists | None:
    listed = ledger.pages(client, "describe_instance_information")
    if listed is None:
        return None
    return {"InstanceInformationList": list(listed.get("InstanceInformationList", []))}


# file -> (service, lister): each region's items merged into the one file
KINDS: dict[str, tuple[str, Lister]] = {
    "lambda/list-functions.json": ("lambda", _functions),
    "ec2/describe-instances.json": ("ec2", _instances),
    "glue/get-dev-endpoints.json": ("glue", _dev_endpoints),
    "cloudformation/describe-stacks.json": ("cloudformation", _stacks),
    "codebuild/batch-get-projects.json": ("codebuild", _projects),
    "sagemaker/describe-notebook-instances.json": ("sagemaker", _notebooks),
}
# folder -> (service, lister): one file per region, `<folder>/<region>.json`
REGIONAL: dict[str, tuple[str, Lister]] = {
    "ssm/describe-instance-information": ("ssm", _managed_nodes),
}


def collect_inventory(
    clients: Clients,
    ledger: Ledger,
    regions: Iterable[str],
    step: Callable[[str], None] | None = None,
) -> Files:
    """Every kind in every region; a kind is written only if all regions answered."""
    regions = list(regions)
    files: Files = {}
    for rel, (service, lister) in (*KINDS.items(), *REGIONAL.items()):
        if step:
            step(service)
        found = {r: lister(clients.get(service, r), ledger) for r in regions}
        if any(f is None for f in found.values()):
            continue
        if rel in REGIONAL:
            files.update({f"{rel}/{r}.json": lists for r, lists in found.items()})
            continue
        merged: Lists = {}
        for lists in found.values():
            for key, items in lists.items():
                merged.setdefault(key, []).extend(items)
        files[rel] = merged
    return files
