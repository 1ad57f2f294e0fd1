"""Policy language model: Policy, Statement, PrincipalBlock, Condition, and their parser.

Parsing accepts every shape AWS accepts (SEMANTICS P1-P8, FORMATS 1.0): `Statement` as an object
or a list, string or list values, `Principal` as "*" or a map, Version 2012-10-17, 2008-10-17 or
absent. It normalises once; what AWS would reject is an `InputError` naming the JSON path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote

from iamgraph.errors import InputError, PathPart
from iamgraph.model.jsontext import parse_located
from iamgraph.model.operators import OperatorError, ParsedOperator, parse_operator
from iamgraph.model.source import Locator, SourceRef, no_locator

VERSIONS = ("2012-10-17", "2008-10-17")


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(StrEnum):
    """Where a policy is attached decides which elements it must and must not have."""

    IDENTITY = "identity"
    BOUNDARY = "boundary"
    SESSION = "session"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"

    @property
    def has_principal(self) -> bool:
        return self in (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)


@dataclass(frozen=True)
class PrincipalBlock:
    """`Principal`/`NotPrincipal`: "*" or a map of AWS/Service/Federated/CanonicalUser."""

    wildcard: bool = False  # the bare string "*"
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()

    @property
    def is_everyone(self) -> bool:
        """P8: "*" or {"AWS": "*"} means everyone, including anonymous callers."""
        return self.wildcard or "*" in self.aws


@dataclass(frozen=True)
class Condition:
    """One key under one operator: `{"operator": {"key": values}}`."""

    operator: str  # canonical name, e.g. "ForAllValues:StringNotEqualsIfExists"
    key: str  # as written; names compare case-insensitively (C12)
    values: tuple[str, ...]  # as strings, the way AWS receives them
    parsed: ParsedOperator = field(repr=False, compare=False, hash=False)

    @property
    def base(self) -> str:
        return self.parsed.spec.name

    @property
    def qualifier(self) -> str:
        return self.parsed.qualifier

    @property
    def if_exists(self) -> bool:
        return self.parsed.if_exists

    @property
    def negated(self) -> bool:
        return self.parsed.spec.negated


@dataclass(frozen=True)
class Statement:
    effect: Effect
    sid: str | None
    actions: tuple[str, ...]
    not_action: bool  # True: `actions` came from NotAction (P4, P5)
    resources: tuple[str, ...] | None  # None: no Resource element (resource and trust policies)
    not_resource: bool  # True: `resources` came from NotResource (P6)
    principal: PrincipalBlock | None
    not_principal: bool  # True: `principal` came from NotPrincipal (P7)
    conditions: tuple[Condition, ...]
    index: int
    source: SourceRef


@dataclass(frozen=True)
class Policy:
    """A parsed policy document. `name` says which policy it is (ARN, `role/x:inline`)."""

    kind: PolicyKind
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    source: SourceRef
    name: str = ""
    # (line, column) of any path in the file, so findings can point at one element
    locate: Locator = field(default=no_locator, repr=False, compare=False)

    @property
    def variables_enabled(self) -> bool:
        """V4: policy variables are substituted only under Version 2012-10-17."""
        return self.version == "2012-10-17"


_ACTION = re.compile(r"^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$")
_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
}
_PRINCIPAL_KEYS = {"AWS": "aws", "Service": "service", "Federated": "federated"}


def decode_document(value: object, file: str, path: Sequence[PathPart]) -> dict:
    """A policy document as a JSON object, a JSON string, or URL-encoded JSON (FORMATS 1.0)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise InputError(
            file, path, f"policy document must be an object or a string, got {_type(value)}"
        )
    text = value.strip()
    if not text.startswith("{"):
        text = unquote(text).strip()
    doc = _parse_json(text, file, path)
    if not isinstance(doc, dict):
        raise InputError(file, path, f"policy document must be a JSON object, got {_type(doc)}")
    return doc


def _parse_json(text: str, file: str, path: Sequence[PathPart]) -> object:
    """The located parser that reads files (bounded depth, no `NaN`, no infinite or 4,300-digit
    number, no lone surrogate); a syntax error keeps the standard library's wording."""
    try:
        return parse_located(text, file).value
    except InputError as exc:
        refused = exc
    if refused.path != "$":  # well-formed JSON holding a value AWS would not store
        raise InputError(file, path, f"policy document: {refused.path}: {refused.message}")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            file, path, f"policy document is not valid JSON ({exc.msg} at char {exc.pos})"
        ) from None
    except RecursionError:
        pass
    detail = refused.message.partition(": ")[2] or refused.message
    raise InputError(file, path, f"policy document is not valid JSON ({detail})")


def parse_policy(
    document: object,
    *,
    kind: PolicyKind,
    source: SourceRef,
    locate: Locator = no_locator,
    name: str = "",
) -> Policy:
    """Parse one policy document; raise InputError at the first thing AWS would reject."""
    policy, errors = parse_policy_collecting(
        document, kind=kind, source=source, locate=locate, name=name
    )
    if errors:
        raise errors[0]
    return policy


def parse_policy_collecting(
    document: object,
    *,
    kind: PolicyKind,
    source: SourceRef,
    locate: Locator = no_locator,
    name: str = "",
) -> tuple[Policy, list[InputError]]:
    """Parse a policy, skipping bad statements and returning every error (for `lint`)."""
    p = _Parser(source, locate, kind)
    errors: list[InputError] = []
    doc = decode_document(document, source.file, source.path)
    base = ()
    for key in doc:
        if key not in ("Version", "Id", "Statement"):
            errors.append(p.error((*base, key), f"unknown policy element {key!r}"))
    version = doc.get("Version")
    if version is not None and version not in VERSIONS:
        errors.append(
            p.error(("Version",), f"Version must be one of {', '.join(VERSIONS)}, got {version!r}")
        )
        version = None
    pid = doc.get("Id")
    if pid is not None and not isinstance(pid, str):
        errors.append(p.error(("Id",), f"Id must be a string, got {_type(pid)}"))
        pid = None
    statements: list[Statement] = []
    if "Statement" not in doc:
        errors.append(p.error((), "missing required element 'Statement'"))
        raw: list = []
    else:
        value = doc["Statement"]
        raw = [(("Statement",), value)] if isinstance(value, dict) else []
        if isinstance(value, list):
            raw = [(("Statement", i), v) for i, v in enumerate(value)]
        elif not isinstance(value, dict):
            errors.append(
                p.error(
                    ("Statement",), f"Statement must be an object or a list, got {_type(value)}"
                )
            )
    for index, (path, value) in enumerate(raw):
        try:
            statements.append(p.statement(value, path, index))
        except InputError as exc:
            errors.append(exc)
    policy = Policy(kind, version, pid, tuple(statements), source, name, locate)
    return policy, errors


class _Parser:
    def __init__(self, source: SourceRef, locate: Locator, kind: PolicyKind) -> None:
        self.source = source
        self.locate = locate
        self.kind = kind

    def ref(self, path: tuple[PathPart, ...]) -> SourceRef:
        return self.source.child(*path, locate=self.locate)

    def error(self, path: tuple[PathPart, ...], message: str) -> InputError:
        ref = self.ref(path)
        return InputError(ref.file, ref.path, message, (ref.line, ref.column) if ref.line else None)

    def statement(self, value: object, path: tuple[PathPart, ...], index: int) -> Statement:
        if not isinstance(value, dict):
            raise self.error(path, f"a statement must be an object, got {_type(value)}")
        for key in value:
            if key not in _STATEMENT_KEYS:
                raise self.error((*path, key), f"unknown statement element {key!r}")
        sid = value.get("Sid")
        if sid is not None and not isinstance(sid, str):
            raise self.error((*path, "Sid"), f"Sid must be a string, got {_type(sid)}")
        effect = value.get("Effect")
        if effect not in ("Allow", "Deny"):
            if "Effect" not in value:
                raise self.error(path, "missing required element 'Effect'")
            raise self.error((*path, "Effect"), f"Effect must be 'Allow' or 'Deny', got {effect!r}")
        actions, not_action = self.pair(value, path, "Action", "NotAction", required=True)
        for i, action in enumerate(actions):
            if action != "*" and not _ACTION.match(action):
                key = "NotAction" if not_action else "Action"
                raise self.error(
                    (*path, key, i) if isinstance(value[key], list) else (*path, key),
                    f"action must be 'service:name' or '*', got {action!r}",
                )
        needs_resource = self.kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION)
        resources, not_resource = self.pair(
            value, path, "Resource", "NotResource", required=needs_resource
        )
        principal, not_principal = self.principal(value, path)
        conditions = (
            self.conditions(value.get("Condition"), (*path, "Condition"))
            if "Condition" in value
            else ()
        )
        return Statement(
            effect=Effect(effect),
            sid=sid,
            actions=tuple(actions),
            not_action=not_action,
            resources=tuple(resources) if resources is not None else None,
            not_resource=not_resource,
            principal=principal,
            not_principal=not_principal,
            conditions=conditions,
            index=index,
            source=self.ref(path),
        )

    def pair(
        self, st: dict, path: tuple[PathPart, ...], key: str, not_key: str, *, required: bool
    ) -> tuple[list[str] | None, bool]:
        if key in st and not_key in st:
            raise self.error(path, f"a statement may have {key} or {not_key}, not both")
        if key not in st and not_key not in st:
            if required:
                raise self.error(path, f"missing required element '{key}' (or '{not_key}')")
            return None, False
        used = key if key in st else not_key
        return self.strings(st[used], (*path, used)), used == not_key

    def strings(self, value: object, path: tuple[PathPart, ...]) -> list[str]:
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            raise self.error(path, "must not be an empty list")
        for i, item in enumerate(items):
            if not isinstance(item, str):
                where = (*path, i) if isinstance(value, list) else path
                raise self.error(where, f"must be a string or a list of strings, got {_type(item)}")
        return list(items)

    def principal(self, st: dict, path: tuple[PathPart, ...]) -> tuple[PrincipalBlock | None, bool]:
        has = "Principal" in st or "NotPrincipal" in st
        if "Principal" in st and "NotPrincipal" in st:
            raise self.error(path, "a statement may have Principal or NotPrincipal, not both")
        if not self.kind.has_principal:
            if has:
                key = "Principal" if "Principal" in st else "NotPrincipal"
                raise self.error(
                    (*path, key), f"{key} is not allowed in {_a(self.kind.value)} policy"
                )
            return None, False
        if not has:
            raise self.error(
                path, f"missing required element 'Principal' in {_a(self.kind.value)} policy"
            )
        key = "Principal" if "Principal" in st else "NotPrincipal"
        if key == "NotPrincipal" and self.kind is not PolicyKind.RESOURCE:
            raise self.error(
                (*path, key), f"NotPrincipal is not allowed in {_a(self.kind.value)} policy (P7)"
            )
        value = st[key]
        where = (*path, key)
        if value == "*":
            return PrincipalBlock(wildcard=True), key == "NotPrincipal"
        if not isinstance(value, dict) or not value:
            raise self.error(
                where, f'{key} must be "*" or an object of AWS/Service/Federated/CanonicalUser'
            )
        fields: dict[str, tuple[str, ...]] = {}
        for ptype, raw in value.items():
            attr = _PRINCIPAL_KEYS.get(
                ptype, "canonical_user" if ptype == "CanonicalUser" else None
            )
            if attr is None:
                raise self.error((*where, ptype), f"unknown principal type {ptype!r}")
            fields[attr] = tuple(self.strings(raw, (*where, ptype)))
        return PrincipalBlock(**fields), key == "NotPrincipal"

    def conditions(self, block: object, path: tuple[PathPart, ...]) -> tuple[Condition, ...]:
        if not isinstance(block, dict):
            raise self.error(path, f"Condition must be an object, got {_type(block)}")
        out: list[Condition] = []
        for op_text, keys in block.items():
            try:
                parsed = parse_operator(op_text)
            except OperatorError as exc:
                raise self.error((*path, op_text), str(exc)) from None
            if not isinstance(keys, dict) or not keys:
                raise self.error((*path, op_text), "a condition operator must map keys to values")
            for key, raw in keys.items():
                values = self.condition_values(raw, (*path, op_text, key))
                out.append(Condition(parsed.name, key, values, parsed))
        return tuple(out)

    def condition_values(self, raw: object, path: tuple[PathPart, ...]) -> tuple[str, ...]:
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for i, item in enumerate(items):
            if isinstance(item, bool):
                out.append("true" if item else "false")
            elif isinstance(item, int | float):
                out.append(repr(item) if isinstance(item, float) else str(item))
            elif isinstance(item, str):
                out.append(item)
            else:
                where = (*path, i) if isinstance(raw, list) else path
                raise self.error(
                    where, f"condition value must be a string, number or boolean, got {_type(item)}"
                )
        return tuple(out)


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _type(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
