"""Reading a Terraform plan (`terraform show -json plan.out`, FORMATS 1.8): its resource
changes with typed reads of `before` and `after` (unknown-until-apply values marked), the
configuration's expressions, and the accounts the plan names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc, Path_
from iamgraph.model.arn import ArnError, is_account_id, parse_arn
from iamgraph.model.limits import Limit
from iamgraph.model.policy import Policy, PolicyKind

ACTIONS = frozenset({"no-op", "create", "read", "update", "delete", "forget"})


@dataclass(frozen=True)
class Side:
    """`change.before` or `change.after` of one resource: typed reads, unknowns marked."""

    doc: Doc
    values: dict
    path: Path_
    unknown: dict  # the matching part of after_unknown ({} for before)

    def at(self, *keys: str | int) -> Path_:
        return (*self.path, *keys)

    def is_unknown(self, key: str) -> bool:
        return self.unknown.get(key) is True

    def text(self, key: str) -> str | None:
        """A string attribute; None when absent, null, empty or unknown until apply."""
        if self.is_unknown(key):
            return None
        return self.doc.field(self.values, self.path, key, str, required=False) or None

    def texts(self, key: str) -> tuple[tuple[str, ...], bool]:
        """The known strings of a list or set attribute, and whether any is unknown."""
        flags = self.unknown.get(key)
        if flags is True:
            return (), True
        raw = self.doc.field(self.values, self.path, key, list, required=False, default=[])
        missing = isinstance(flags, list) and any(f is True for f in flags)
        out = []
        for i, value in enumerate(raw):
            if value is None:
                missing = True
            elif not isinstance(value, str):
                raise self.doc.error(self.at(key, i), f"{key}[{i}] must be a string")
            else:
                out.append(value)
        return tuple(out), missing

    def blocks(self, key: str) -> tuple[list[Side], bool]:
        """Nested blocks (a role's `inline_policy`), and whether the list is unknown."""
        flags = self.unknown.get(key)
        if flags is True:
            return [], True
        raw = self.doc.field(self.values, self.path, key, list, required=False, default=[])
        out = []
        for i, item in enumerate(raw):
            marks = flags[i] if isinstance(flags, list) and i < len(flags) else {}
            if marks is True:  # the whole block unknown until apply: at least its policy
                obj = as_dict(item)
                marks = {"policy": True} if obj.get("name") else {"name": True, "policy": True}
            else:
                obj = self.doc.obj(item, self.at(key, i))
            out.append(Side(self.doc, obj, self.at(key, i), as_dict(marks)))
        return out, False

    def tags(self) -> tuple[tuple[str, str], ...]:
        for key in ("tags_all", "tags"):
            if self.is_unknown(key):
                continue
            tags = self.doc.field(self.values, self.path, key, dict, required=False)
            if tags:
                for k, v in tags.items():
                    if not isinstance(v, str):
                        raise self.doc.error(self.at(key, k), f"tag {k!r} must be a string")
                return tuple(tags.items())
        return ()

    def policy(
        self, key: str, kind: PolicyKind, name: str, limit: Limit | None = None, subject: str = ""
    ) -> Policy:
        return self.sized_policy(key, kind, name, limit, subject)[0]

    def sized_policy(
        self, key: str, kind: PolicyKind, name: str, limit: Limit | None = None, subject: str = ""
    ) -> tuple[Policy, int]:
        """The policy attribute `key` and its size, held to `limit` (Doc.sized_policy_value)."""
        if key not in self.values or self.values[key] in (None, ""):
            raise self.doc.error(self.path, f"missing required field {key!r}")
        try:
            return self.doc.sized_policy_value(
                self.values[key], self.at(key), kind=kind, name=name, limit=limit, subject=subject
            )
        except InputError as exc:  # not JSON: point at the string, as for other errors
            raise InputError(
                exc.file,
                exc.path,
                exc.message,
                exc.position or self.doc.located.position(self.at(key)),
            ) from None


@dataclass(frozen=True)
class Change:
    """One `resource_changes` entry: `old` is what it removes or updates, `new` what it makes."""

    address: str
    module: str  # module_address, "" for the root module
    type: str
    index: Any  # count or for_each key, None when neither
    path: Path_  # ("resource_changes", i)
    old: Side | None
    new: Side | None


def read_plan(doc: Doc) -> list[Change]:
    top = doc.obj(doc.root, ())
    if "format_version" not in top or not ({"resource_changes", "planned_values"} & set(top)):
        raise doc.error(
            (),
            "not a Terraform plan (expected `terraform show -json` of a plan file, "
            "with format_version and resource_changes)",
        )
    version = doc.field(top, (), "format_version", str)
    if version.split(".", 1)[0] != "1":
        raise doc.error(("format_version",), f"unsupported plan format_version {version!r}")
    if doc.field(top, (), "errored", bool, required=False, default=False):
        raise doc.error(("errored",), "Terraform could not finish this plan (errored is true)")
    return [
        c
        for path, item in doc.items(top, (), "resource_changes", required=False)
        if (c := _read_change(doc, path, item)) is not None
    ]


def _read_change(doc: Doc, path: Path_, item: dict) -> Change | None:
    address = doc.field(item, path, "address", str)
    rtype = doc.field(item, path, "type", str)
    if doc.field(item, path, "mode", str, required=False, default="managed") != "managed":
        return None
    cpath = (*path, "change")
    change = doc.field(item, path, "change", dict)
    actions = tuple(doc.strings(change, cpath, "actions", required=True))
    for i, action in enumerate(actions):
        if action not in ACTIONS:
            raise doc.error((*cpath, "actions", i), f"unknown action {action!r}")
    unknown = doc.field(change, cpath, "after_unknown", dict, required=False, default={})
    before = doc.field(change, cpath, "before", dict, required=False)
    after = doc.field(change, cpath, "after", dict, required=False)
    removes = "delete" in actions or "update" in actions
    makes = "create" in actions or "update" in actions
    return Change(
        address=address,
        module=doc.field(item, path, "module_address", str, required=False, default=""),
        type=rtype,
        index=item.get("index"),
        path=tuple(path),
        old=Side(doc, before, (*cpath, "before"), {}) if removes and before else None,
        new=Side(doc, after, (*cpath, "after"), unknown) if makes and after is not None else None,
    )


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def config_expressions(top: dict) -> dict[tuple[tuple[str, ...], str], dict]:
    """(module names, `type.name`) -> the resource's configuration expressions."""
    out: dict[tuple[tuple[str, ...], str], dict] = {}

    def walk(module: dict, names: tuple[str, ...]) -> None:
        for r in as_list(module.get("resources")):
            r = as_dict(r)
            if isinstance(r.get("address"), str):
                out[(names, r["address"])] = as_dict(r.get("expressions"))
        for name, call in as_dict(module.get("module_calls")).items():
            walk(as_dict(as_dict(call).get("module")), (*names, name))

    walk(as_dict(as_dict(top.get("configuration")).get("root_module")), ())
    return out


def account_candidates(top: dict, changes: list[Change]) -> set[str]:
    """Accounts the plan names: provider configuration, IAM ARNs in prior_state and before."""
    found: set[str] = set()
    for provider in as_dict(as_dict(top.get("configuration")).get("provider_config")).values():
        provider = as_dict(provider)
        if provider.get("name") != "aws":
            continue
        expr = as_dict(provider.get("expressions"))
        allowed = as_dict(expr.get("allowed_account_ids")).get("constant_value")
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            found.add(allowed[0])
        for block in as_list(expr.get("assume_role")):
            found |= arn_accounts([as_dict(as_dict(block).get("role_arn")).get("constant_value")])
    state = as_dict(as_dict(top.get("prior_state")).get("values")).get("root_module")
    for values in _state_values(as_dict(state)):
        found |= arn_accounts([values.get("arn")])
        if isinstance(values.get("account_id"), str) and is_account_id(values["account_id"]):
            found.add(values["account_id"])
    for c in changes:
        if c.type.startswith("aws_iam_") and c.old:
            found |= arn_accounts([c.old.values.get("arn")])
    return found


def _state_values(module: dict) -> list[dict]:
    """The values of IAM resources and caller identities in a prior_state module, and below."""
    out = []
    for r in map(as_dict, as_list(module.get("resources"))):
        if str(r.get("type", "")).startswith("aws_iam_") or r.get("type") == "aws_caller_identity":
            out.append(as_dict(r.get("values")))
    for child in as_list(module.get("child_modules")):
        out += _state_values(as_dict(child))
    return out


def arn_accounts(values: list) -> set[str]:
    out = set()
    for v in values:
        try:
            arn = parse_arn(v) if isinstance(v, str) else None
        except ArnError:
            arn = None
        if arn is not None and arn.service == "iam" and is_account_id(arn.account):
            out.add(arn.account)
    return out
