"""Helpers of the API contract suite (conformance/suites/api_contract.py) and of the real-spec checks.

Nothing here imports ``mockserver``: the contract suite checks *any* server that speaks the Autotask REST API
(the mock in-process, the mock over HTTP, another imitation, a sandbox tenant) through HTTP or WSGI only.

Parts
    Target            where the API lives (base URL or WSGI app) and the credentials to send
    load_document     fetch an OpenAPI document (served, a file, a URL or a dict) and prune it to some entities
    DocumentIndex     which entity and which kind of call (create, get, query, ...) each path/verb is
    Knowledge         what the server says about the entities (entityInformation/fields) plus some existing ids,
                      used to turn generated write bodies into ones that can succeed (valid references/picklists)
    query_bodies      a hypothesis strategy of query bodies built from an entity model (field-aware filters)
    autotask_server_error_check
                      the 5xx check: only Autotask-shaped 500s ({"errors": [non-empty strings]}) are allowed
    RealSpec          the real Autotask definitions (shared/reference) as lenient JSON Schemas, for checking
                      responses against the real models
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

CORE_ENTITIES: tuple[str, ...] = (
    "Companies", "Contacts", "CompanyLocations", "ConfigurationItems", "ConfigurationItemTypes", "Products",
    "Tickets", "Resources", "ClassificationIcons",
)
SPEC_PATH = "/ATServicesRest/swagger/docs/v1"
API_PREFIX = "/ATServicesRest"
AUTH_HEADERS = ("ApiIntegrationCode", "UserName", "Secret")
# Generated values for this optional header are random strings the server (rightly) rejects with a 500.
STRIPPED_HEADERS = ("ImpersonationResourceId",)

FILTER_OPS = ("eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains", "exist", "notExist",
              "in", "notIn")
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|\bat [\w.<>`]+\(.*\) in .*:line \d+|"
                         r"File \"[^\"]+\", line \d+", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- the target
@dataclass
class Target:
    """The API under test: ``base_url`` (scheme://host[:port], without /ATServicesRest) or a WSGI ``app``.

    ``headers`` are sent with every request (the three authentication headers at least).
    """

    headers: dict[str, str]
    base_url: str | None = None
    app: Any = None
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if (self.base_url is None) == (self.app is None):
            raise ValueError("give exactly one of base_url and app")
        if self.base_url is not None:
            self.base_url = self.base_url.rstrip("/")
            if self.base_url.lower().endswith(API_PREFIX.lower()):
                self.base_url = self.base_url[: -len(API_PREFIX)]
        self._client = self.app.test_client() if self.app is not None else None
        self._session: requests.Session | None = None

    @classmethod
    def from_credentials(cls, user_name: str, secret: str, integration_code: str, **kw: Any) -> Target:
        return cls({"UserName": user_name, "Secret": secret, "ApiIntegrationCode": integration_code}, **kw)

    @property
    def api_base_url(self) -> str:
        """The URL the document's paths are relative to (…/ATServicesRest)."""
        return f"{self.base_url or 'http://localhost'}{API_PREFIX}"

    def request(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> tuple[int, Any]:
        """One request; ``path`` is absolute (/ATServicesRest/...). Returns (status, parsed JSON or text)."""
        headers = dict(self.headers) if auth else {}
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self._client is not None:
            resp = self._client.open(path, method=method, data=data, headers=headers)
            status, text = resp.status_code, resp.get_data(as_text=True)
        else:
            import requests

            if self._session is None:
                self._session = requests.Session()
            resp = self._session.request(method, f"{self.base_url}{path}", data=data, headers=headers,
                                         timeout=self.timeout)
            status, text = resp.status_code, resp.text
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def call_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for schemathesis' ``case.call``."""
        if self.app is not None:
            return {"app": self.app, "headers": dict(self.headers)}
        return {"base_url": self.api_base_url, "headers": dict(self.headers), "timeout": self.timeout}


# ---------------------------------------------------------------------------------------------- documents
def load_document(target: Target | None = None, spec: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI document: ``spec`` (dict, file path or URL; ``"mock"``: the autotask-mock's document, built
    from its catalogue without a server), else the one ``target`` serves at SPEC_PATH."""
    if isinstance(spec, Mapping):
        return copy.deepcopy(dict(spec))
    if spec == "mock":
        from mockserver.catalog import load_catalog  # only for this convenience: the suite needs no mock
        from mockserver.openapi import build_document

        return copy.deepcopy(build_document(load_catalog()))
    if spec is not None:
        text = str(spec)
        if re.match(r"https?://", text):
            import requests

            resp = requests.get(text, timeout=60)
            resp.raise_for_status()
            return resp.json()
        return json.loads(Path(text).read_text(encoding="utf-8"))
    if target is None:
        raise ValueError("give a target or a spec")
    status, doc = target.request("GET", SPEC_PATH, auth=False)
    if status != 200 or not isinstance(doc, dict):
        raise RuntimeError(f"GET {SPEC_PATH} answered {status}; pass the document explicitly (spec=...)")
    return doc


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _definition_name(ref: str) -> str | None:
    return ref.split("/")[-1] if ref.startswith("#/definitions/") else None


MOCK_EXTENSION = "x-autotask-mock-extension"


def prune_document(doc: Mapping[str, Any], entities: Iterable[str], *, extensions: bool = True) -> dict[str, Any]:
    """A copy of ``doc`` with only the paths of ``entities`` (root and child URLs) and the definitions they use.

    ``extensions=False`` also drops operations marked ``x-autotask-mock-extension`` (routes the mock accepts
    for client compatibility that the real API lacks). Links to operations that were dropped go as well.
    """
    index = DocumentIndex(doc)
    wanted = {e.lower() for e in entities}
    paths = {}
    for p, item in doc.get("paths", {}).items():
        if (index.entity_for_path(p) or "").lower() not in wanted:
            continue
        item = {k: copy.deepcopy(v) for k, v in item.items()
                if extensions or not (isinstance(v, dict) and v.get(MOCK_EXTENSION))}
        if any(isinstance(v, dict) for v in item.values()):
            paths[p] = item
    op_ids = {op.get("operationId") for item in paths.values() for op in item.values() if isinstance(op, dict)}
    for item in paths.values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for response in op.get("responses", {}).values():
                links = response.get("x-links") if isinstance(response, dict) else None
                if links:
                    kept = {k: v for k, v in links.items() if v.get("operationId") in op_ids}
                    if kept:
                        response["x-links"] = kept
                    else:
                        response.pop("x-links")
    out = {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("paths", "definitions") and not k.startswith("x-")}
    out["paths"] = paths
    definitions = doc.get("definitions", {})
    keep: set[str] = set()
    pending = [r for r in _refs(paths)] + [r for r in _refs(out.get("responses", {}))]
    while pending:
        name = _definition_name(pending.pop())
        if name and name not in keep and name in definitions:
            keep.add(name)
            pending.extend(_refs(definitions[name]))
    out["definitions"] = {k: copy.deepcopy(v) for k, v in definitions.items() if k in keep}
    return out


_GENERIC_MODELS = frozenset({
    "QueryModel", "Filter", "PagingModel", "OperationResultModel", "QueryCountResultModel", "ErrorResultModel",
    "AspNetErrorModel", "UserDefinedField",
})


@dataclass(frozen=True)
class OperationInfo:
    entity: str | None
    kind: str  # create, update, get, delete, query, query_get, count, count_get, list, metadata, other
    child: bool = False


class DocumentIndex:
    """Entity and kind of each path of an Autotask-shaped document (derived from paths and model refs)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.paths: Mapping[str, Any] = doc.get("paths", {})
        self.model_entity: dict[str, str] = {}  # "CompanyModel" -> "Companies"
        self.entity_model: dict[str, str] = {}
        roots = {}
        for path in self.paths:
            m = re.fullmatch(r"/V1\.0/([^/{}]+)/query", path, re.IGNORECASE)
            if m:
                roots[m[1].lower()] = m[1]
        self.root_entities = roots
        for name in roots.values():
            model = self._model_in(self.paths.get(f"/V1.0/{name}/query", {}))
            if model:
                self.model_entity.setdefault(model, name)
                self.entity_model[name] = model
        self._child_entity: dict[str, str | None] = {}

    def _model_in(self, item: Any) -> str | None:
        for ref in _refs(item):
            name = _definition_name(ref)
            if name and name not in _GENERIC_MODELS and name.endswith("Model") and "Result" not in name \
                    and "Information" not in name and name in self.doc.get("definitions", {}):
                return name
        return None

    def entity_for_model(self, model: str | None) -> str | None:
        """``Company`` or ``CompanyModel`` -> ``Companies`` (as far as the document says)."""
        if not model:
            return None
        return self.model_entity.get(model) or self.model_entity.get(f"{model}Model")

    def entity_for_path(self, path: str) -> str | None:
        segments = [s for s in path.split("/") if s]
        if len(segments) < 2 or segments[0].lower() != "v1.0":
            return None
        rest = segments[1:]
        if len(rest) >= 3 and rest[1] == "{parentId}":
            base = "/V1.0/" + "/".join(rest[:3])
            if base not in self._child_entity:
                model = self._model_in(self.paths.get(base, {})) or self._model_in(self.paths.get(base + "/{id}", {}))
                self._child_entity[base] = self.model_entity.get(model) if model else None
            return self._child_entity[base]
        return self.root_entities.get(rest[0].lower())

    def operation(self, path: str, method: str) -> OperationInfo:
        entity = self.entity_for_path(path)
        segments = [s for s in path.split("/") if s][1:]
        method = method.lower()
        child = len(segments) >= 3 and segments[1] == "{parentId}"
        tail = segments[3:] if child else segments[1:]
        if not tail:
            kind = {"post": "create", "patch": "update", "put": "update", "get": "list"}.get(method, "other")
        elif tail == ["{id}"]:
            kind = {"get": "get", "delete": "delete", "patch": "update", "put": "update"}.get(method, "other")
        elif tail == ["query"]:
            kind = "query" if method == "post" else "query_get"
        elif tail == ["query", "count"]:
            kind = "count" if method == "post" else "count_get"
        elif tail and tail[0].lower() == "entityinformation":
            kind = "metadata"
        else:
            kind = "other"
        return OperationInfo(entity, kind, child)

    def model_properties(self, entity: str) -> dict[str, Any]:
        model = self.entity_model.get(entity)
        return dict(self.doc.get("definitions", {}).get(model or "", {}).get("properties", {}))


# ---------------------------------------------------------------------------------------------- knowledge
@dataclass
class FieldInfo:
    name: str
    data_type: str
    is_required: bool = False
    is_read_only: bool = False
    reference_entity: str | None = None  # entity (path) name, when the document knows the model
    picklist: list[Any] | None = None  # valid values (typed like the field), None when not a picklist


@dataclass
class EntityInfo:
    name: str
    model: str
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    can_create: bool = False
    can_update: bool = False


_INTEGRAL = {"integer", "long", "short", "int", "int32", "int64"}


def _typed_value(value: Any, data_type: str) -> Any:
    if data_type.lower() in _INTEGRAL:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


class Knowledge:
    """What the server under test says about some entities, and ids of records that exist.

    Built through the API itself (entityInformation, entityInformation/fields and id-only queries), so it works
    against any Autotask-compatible server. ``sanitize`` uses it to turn a generated write body into one that
    can pass the server's business validation (existing references, valid picklist values, required fields).
    """

    MAX_IDS = 25

    def __init__(self, target: Target, index: DocumentIndex, entities: Iterable[str]) -> None:
        self.target = target
        self.index = index
        self.entities: dict[str, EntityInfo] = {}
        self.ids: dict[str, list[int]] = {}
        self._children: dict[tuple[str, str, int], list[int]] = {}
        for name in entities:
            info = self._entity(name)
            if info is not None:
                self.entities[name] = info
        wanted = set(self.entities)
        for info in self.entities.values():
            for f in info.fields.values():
                if f.reference_entity and f.is_required:
                    wanted.add(f.reference_entity)
        for name in sorted(wanted):
            self.ids[name] = self._ids(name)

    def _entity(self, name: str) -> EntityInfo | None:
        status, info = self.target.request("GET", f"{API_PREFIX}/V1.0/{name}/entityInformation")
        if status != 200 or not isinstance(info, dict) or not isinstance(info.get("info"), dict):
            return None
        status, fields = self.target.request("GET", f"{API_PREFIX}/V1.0/{name}/entityInformation/fields")
        if status != 200 or not isinstance(fields, dict):
            return None
        entity = EntityInfo(name, str(info["info"].get("name") or name), can_create=bool(info["info"].get("canCreate")),
                            can_update=bool(info["info"].get("canUpdate")))
        for raw in fields.get("fields") or []:
            data_type = str(raw.get("dataType") or "string")
            picklist = None
            if raw.get("isPickList"):
                picklist = [_typed_value(v.get("value"), data_type) for v in raw.get("picklistValues") or []
                            if v.get("isActive", True) is not False]
            entity.fields[raw["name"]] = FieldInfo(
                name=raw["name"], data_type=data_type, is_required=bool(raw.get("isRequired")),
                is_read_only=bool(raw.get("isReadOnly")),
                reference_entity=self.index.entity_for_model(raw.get("referenceEntityType"))
                if raw.get("isReference") else None,
                picklist=picklist,
            )
        return entity

    def _ids(self, entity: str) -> list[int]:
        body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 100}
        status, result = self.target.request("POST", f"{API_PREFIX}/V1.0/{entity}/query", body)
        if status != 200 or not isinstance(result, dict):
            return []
        usable = [r for r in result.get("items") or [] if isinstance(r, dict) and _usable_reference(entity, r)]
        return sorted(int(r["id"]) for r in usable if isinstance(r.get("id"), int))[: self.MAX_IDS]

    # ------------------------------------------------------------------ bodies
    def sanitize(self, entity: str, body: Any, rng, *, mode: str = "create",
                 parent: tuple[str, int] | None = None) -> Any:
        """A write body for ``entity`` that the server can accept: unknown and read-only fields dropped,
        references and picklists set to existing values, required fields filled in.

        ``mode``: "create" (POST), "patch" (PATCH: partial, keeps ``id``) or "put" (PUT: full, keeps ``id``).
        ``parent``: (parent entity, parent id) of a child URL; the field referencing the parent gets its id.
        """
        info = self.entities.get(entity)
        if info is None or not isinstance(body, dict):
            return body
        update = mode in ("patch", "put")
        out: dict[str, Any] = {}
        for key, value in body.items():
            f = info.fields.get(key)
            if f is None or (f.is_read_only and f.name != "id"):
                continue
            if f.name == "id":
                if update:
                    out["id"] = value
                continue
            if f.reference_entity or f.picklist is not None:
                if f.is_required or rng.random() < 0.3:
                    choice = self._choice(f, rng)
                    if choice is not None:
                        out[f.name] = choice
                continue
            out[f.name] = value
        if mode != "patch":
            for f in info.fields.values():
                if f.is_required and not f.is_read_only and out.get(f.name) in (None, ""):
                    value = self._choice(f, rng) if (f.reference_entity or f.picklist is not None) else None
                    out[f.name] = _filler(f, rng) if value is None else value
        if parent is not None:
            for f in info.fields.values():
                if f.reference_entity == parent[0] and (f.is_required or f.name in out):
                    out[f.name] = parent[1]
        return out

    def _choice(self, f: FieldInfo, rng) -> Any:
        if f.reference_entity:
            ids = self.ids.get(f.reference_entity) or []
            return rng.choice(ids) if ids else None
        if f.picklist:
            return rng.choice(f.picklist)
        return None

    def children(self, entity: str, parent: tuple[str, int]) -> list[int]:
        """Ids of ``entity`` records whose reference to the parent entity is the parent id (queried once)."""
        key = (entity, *parent)
        if key not in self._children:
            info = self.entities.get(entity)
            fields = [f.name for f in info.fields.values() if f.reference_entity == parent[0]] if info else []
            found: list[int] = []
            if fields:
                body = {"filter": [{"op": "eq", "field": fields[0], "value": parent[1]}], "maxRecords": 50}
                status, result = self.target.request("POST", f"{API_PREFIX}/V1.0/{entity}/query", body)
                if status == 200 and isinstance(result, dict):
                    found = [r["id"] for r in result.get("items") or [] if isinstance(r, dict) and "id" in r]
            self._children[key] = found
        return self._children[key]

    def sample_id(self, entity: str | None, rng) -> int | None:
        ids = self.ids.get(entity or "") or []
        return rng.choice(ids) if ids else None


def _usable_reference(entity: str, record: Mapping[str, Any]) -> bool:
    """Prefer active records; API-only resources cannot own companies (Autotask rule), so skip them."""
    if record.get("isActive") in (False, 0):
        return False
    if entity == "Resources":
        for key in ("userName", "email"):
            value = record.get(key)
            if isinstance(value, str) and value.lower().endswith("apiuser.com"):
                return False
    return True


def _filler(f: FieldInfo, rng) -> Any:
    """A plausible value for a required field the generated body lacks (or that has no known choices)."""
    kind = f.data_type.lower()
    if kind in _INTEGRAL:
        return 1
    if kind in ("double", "decimal", "number"):
        return 1.0
    if kind == "boolean":
        return True
    if kind == "datetime":
        return "2026-01-01T00:00:00Z"
    return f"Contract test {rng.randrange(10**6)}"


# ---------------------------------------------------------------------------------------------- strategies
def _value_strategy(schema: Mapping[str, Any], ids: list[int]):
    from hypothesis import strategies as st

    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        small = st.integers(min_value=-5, max_value=2**31 - 1)
        return st.one_of(st.sampled_from(ids), small) if ids else small
    if kind == "number":
        return st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if fmt == "date-time":
        return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)).map(
            lambda d: d.isoformat(timespec="seconds") + "Z")
    return st.text(max_size=20)


def query_bodies(properties: Mapping[str, Any], ids: list[int] | None = None, *, max_conditions: int = 3):
    """Query bodies for an entity whose model has ``properties``: 1-``max_conditions`` conditions over real
    field names with values of the field's type, sometimes grouped with and/or, sometimes with includeFields
    and maxRecords. Most are valid; some (a text op on a number, ...) are rejected, which is fine."""
    from hypothesis import strategies as st

    names = sorted(n for n, s in properties.items() if isinstance(s, dict) and s.get("type") != "array")
    if not names:
        return st.just({"filter": [{"op": "gte", "field": "id", "value": 0}]})
    ids = list(ids or [])

    @st.composite
    def condition(draw):
        name = draw(st.sampled_from(names))
        schema = properties[name]
        op = draw(st.sampled_from(FILTER_OPS))
        spelled = draw(st.sampled_from([name, name.lower(), name[:1].upper() + name[1:]]))
        cond: dict[str, Any] = {"op": op, "field": spelled}
        if op in ("exist", "notExist"):
            return cond
        values = _value_strategy(schema, ids)
        if op in ("in", "notIn"):
            cond["value"] = draw(st.lists(values, min_size=1, max_size=4))
        elif op in ("beginsWith", "endsWith", "contains"):
            cond["value"] = draw(st.text(max_size=5)) if schema.get("type") == "string" else draw(values)
        else:
            cond["value"] = draw(values)
        return cond

    group = st.builds(lambda op, items: {"op": op, "items": items}, st.sampled_from(["and", "or"]),
                      st.lists(condition(), min_size=1, max_size=max_conditions))
    body = st.fixed_dictionaries(
        {"filter": st.lists(st.one_of(condition(), condition(), group), min_size=1, max_size=max_conditions)},
        optional={
            "maxRecords": st.integers(min_value=1, max_value=500),
            "includeFields": st.lists(st.sampled_from(names), max_size=4, unique=True),
        },
    )
    by_id = st.sampled_from(ids).map(lambda i: {"filter": [{"op": "eq", "field": "id", "value": i}]}) if ids else None
    return st.one_of(body, by_id) if by_id is not None else body


# ---------------------------------------------------------------------------------------------- checks
def autotask_error_problem(status: int, body: Any, text: str) -> str | None:
    """Why a 5xx response is not an acceptable Autotask error (None when it is one).

    The real API answers validation failures, unknown users and missing records with HTTP 500 and
    ``{"errors": ["message", ...]}``; any other 5xx, another body shape, an empty message or a stack trace is a bug.
    """
    if status < 500:
        return None
    if status != 500:
        return f"HTTP {status}: only 500 is an Autotask error status"
    if not isinstance(body, dict) or set(body) != {"errors"}:
        return f'500 body is not {{"errors": [...]}}: {text[:300]!r}'
    errors = body["errors"]
    if not isinstance(errors, list) or not errors:
        return f"500 body has no error messages: {text[:300]!r}"
    if not all(isinstance(e, str) and e.strip() for e in errors):
        return f"500 error messages must be non-empty strings: {errors!r}"
    if STACK_TRACE.search(text):
        return f"500 body contains a stack trace: {text[:300]!r}"
    return None


def autotask_server_error_check(ctx, response, case) -> None:
    """schemathesis check: a 5xx is a failure unless it is an Autotask-shaped 500."""
    text = response.text if isinstance(response.text, str) else ""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    problem = autotask_error_problem(response.status_code, body, text)
    if problem:
        raise AssertionError(f"Server error: {problem}")


# ---------------------------------------------------------------------------------------------- real spec
DEFINITIONS_2024 = "autotask-openapi.definitions-2024.json"
GENERIC_CURRENT = "autotask-openapi.generic-definitions-current.json"


def shared_reference_dir(repo_root: str | Path) -> Path:
    """``<repo>/../shared/reference`` (may not exist)."""
    return Path(repo_root).resolve().parent / "shared" / "reference"


def _check_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    # .NET emits up to seven fractional digits; Python takes six.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in value or len(value) == 10


_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class RealSpec:
    """The real Autotask definitions as JSON Schemas for checking what a server returns.

    * entity models from ``autotask-openapi.definitions-2024.json`` (``Company``, ``Contact``, ...);
    * envelopes and metadata models from ``autotask-openapi.generic-definitions-current.json``;
    * ``QueryActionResult`` / ``ItemQueryResultModel`` (named in the real document only as generic
      ``QueryActionResult[XModel]`` / ``ItemQueryResultModel[XModel]``) are built here from ``PagingModel``.

    Conversion: every property is nullable; objects are closed (a property the real model lacks is an error);
    ``require_all`` makes every property of the model required (a server that returns every field);
    ``int32``/``int64`` add their ranges; ``date-time`` strings must parse as ISO 8601. The real document types
    some values as the C# ``Object`` (``itemId``, ``isSupportedWebhookField``): those accept anything.
    """

    ANY_MODELS = frozenset({"Object"})

    def __init__(self, entity_definitions: Mapping[str, Any], generic_definitions: Mapping[str, Any]) -> None:
        self.definitions: dict[str, Any] = {**dict(entity_definitions), **dict(generic_definitions)}

    @classmethod
    def load(cls, reference_dir: str | Path) -> RealSpec:
        base = Path(reference_dir)
        entities = json.loads((base / DEFINITIONS_2024).read_text(encoding="utf-8"))
        generic = json.loads((base / GENERIC_CURRENT).read_text(encoding="utf-8"))
        return cls(entities.get("definitions", entities), generic.get("definitions", generic))

    def __contains__(self, name: str) -> bool:
        return name in self.definitions

    def model(self, name: str) -> dict[str, Any]:
        return self.definitions[name]

    def schema(self, name: str, *, require_all: bool = True) -> dict[str, Any]:
        """A self-contained JSON Schema (draft 4) for the real model ``name``."""
        return self._convert(self.definitions[name], require_all, (name,))

    def envelope(self, kind: str, entity_model: str | None = None, *, require_all: bool = True) -> dict[str, Any]:
        """``query`` -> QueryActionResult, ``item`` -> ItemQueryResultModel (item nullable), else a named model."""
        if kind == "query":
            assert entity_model is not None, "a query envelope names its entity model"
            return {"type": "object", "additionalProperties": False, "required": ["items", "pageDetails"],
                    "properties": {"items": {"type": "array", "items": self.schema(entity_model, require_all=require_all)},
                                   "pageDetails": self.schema("PagingModel", require_all=True)}}
        if kind == "item":
            assert entity_model is not None, "an item envelope names its entity model"
            return {"type": "object", "additionalProperties": False, "required": ["item"],
                    "properties": {"item": {"anyOf": [self.schema(entity_model, require_all=require_all),
                                                      {"type": "null"}]}}}
        return self.schema(kind, require_all=require_all)

    def _convert(self, node: Any, require_all: bool, stack: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = _definition_name(ref)
            if name is None or name in self.ANY_MODELS or name in stack or name not in self.definitions:
                return {}
            return self._convert(self.definitions[name], require_all, (*stack, name))
        out: dict[str, Any] = {}
        kind = node.get("type")
        if kind:
            out["type"] = kind
        fmt = node.get("format")
        if kind == "integer" and fmt in _RANGES:
            out["minimum"], out["maximum"] = _RANGES[fmt]
        if kind == "string" and fmt == "date-time":
            out["format"] = "date-time"
        if "enum" in node:
            out["enum"] = list(node["enum"])
        if kind == "array" and "items" in node:
            out["items"] = self._nullable(self._convert(node["items"], require_all, stack))
        props = node.get("properties")
        if isinstance(props, dict) and (props or kind == "object"):
            if props:
                out["properties"] = {k: self._nullable(self._convert(v, require_all, stack)) for k, v in props.items()}
                out["additionalProperties"] = False
                if require_all:
                    out["required"] = list(props)
        return out

    @staticmethod
    def _nullable(schema: Any) -> Any:
        if schema == {}:
            return schema
        return {"anyOf": [schema, {"type": "null"}]}

    def problems(self, instance: Any, schema: Mapping[str, Any], limit: int = 50) -> list[str]:
        """Every way ``instance`` violates ``schema`` (one line each: JSON path and message)."""
        from jsonschema import Draft4Validator, FormatChecker

        checker = FormatChecker(formats=())
        checker.checks("date-time")(_check_datetime)
        validator = Draft4Validator(schema, format_checker=checker)
        out = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
            out.append(_short(error))
            if len(out) >= limit:
                break
        return out


def _short(error) -> str:
    """The useful part of an error: for the nullable wrappers (anyOf [schema, null]) the non-null branch's."""
    from jsonschema.exceptions import best_match

    while error.validator == "anyOf" and error.context:
        inner = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        if not inner:
            break
        error = best_match(inner)
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


__all__ = [
    "API_PREFIX", "AUTH_HEADERS", "CORE_ENTITIES", "DocumentIndex", "EntityInfo", "FieldInfo", "Knowledge",
    "OperationInfo", "RealSpec", "SPEC_PATH", "Target", "autotask_error_problem", "autotask_server_error_check",
    "load_document", "prune_document", "query_bodies", "shared_reference_dir",
]
