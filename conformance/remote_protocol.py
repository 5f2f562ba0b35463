"""The remote adapter protocol as data: read from the versioned document shipped in the package.

``conformance/protocol/adapter-protocol.json`` (JSON Schema 2020-12 plus an ``operations`` table) is the single
source: the client (:mod:`conformance.remote`) and the server (:mod:`conformance.serve`) both dispatch by
operation name from :data:`OPERATIONS`, built here from that document. Adding an operation is one entry in the
document's ``operations`` (its method, argument and result schemas) and the method on ``SyncAdapter``.

Pure: no I/O besides reading the packaged document once at import. ``python -m conformance.remote_protocol``
prints the document; ``--openapi`` prints the same protocol as OpenAPI 3.1 (for server-stub generators).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

DOCUMENT_NAME = "adapter-protocol.json"


def load_document() -> dict[str, Any]:
    return json.loads(resources.files("conformance").joinpath("protocol", DOCUMENT_NAME).read_text("utf-8"))


DOCUMENT: dict[str, Any] = load_document()
VERSION: str = DOCUMENT["version"]


def major(version: str) -> str:
    return str(version).split(".", 1)[0]


def compatible(version: Any) -> bool:
    """Same major version: minors only add operations and optional fields."""
    return isinstance(version, str) and major(version) == major(VERSION)


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$defs": DOCUMENT["$defs"], **schema})


def schema_errors(validator: Any, value: Any, limit: int = 1) -> list[str]:
    """Up to ``limit`` one-line descriptions of where ``value`` breaks the schema ([] when it conforms)."""
    out = []
    for err in validator.iter_errors(value):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"at {where}: {err.message[:200]}")
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class Operation:
    """One wire operation: ``POST /{name}`` standing for ``adapter.{method}(**bind, **args)``."""

    name: str
    method: str
    args_schema: dict[str, Any]
    result_schema: dict[str, Any]
    bind: dict[str, Any] = field(default_factory=dict)
    capability: str | None = None

    @cached_property
    def args_validator(self) -> Any:
        return _validator(self.args_schema)

    @cached_property
    def result_validator(self) -> Any:
        return _validator(self.result_schema)

    def args_errors(self, args: Any) -> list[str]:
        return schema_errors(self.args_validator, args)

    def result_errors(self, result: Any) -> list[str]:
        return schema_errors(self.result_validator, result)


OPERATIONS: dict[str, Operation] = {
    name: Operation(name, spec["method"], spec["args"], spec["result"], dict(spec.get("bind") or {}),
                    spec.get("capability"))
    for name, spec in DOCUMENT["operations"].items()
}


def operations_for(method: str) -> list[Operation]:
    """The wire operations of one Python method, those with the most bound arguments first."""
    return sorted((op for op in OPERATIONS.values() if op.method == method), key=lambda op: -len(op.bind))


def route(method: str, arguments: dict[str, Any]) -> tuple[Operation, dict[str, Any]]:
    """Pick the operation for a Python call (``disconnect(mode="delete")`` -> ``delete_all``) and its wire args."""
    for op in operations_for(method):
        if all(arguments.get(k) == v for k, v in op.bind.items()):
            return op, {k: v for k, v in arguments.items() if k not in op.bind}
    raise KeyError(f"no protocol operation for {method}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})")


def json_default(value: Any) -> Any:
    """What adapters commonly return that JSON lacks: datetimes, sets/tuples, dataclass-like objects."""
    import dataclasses
    from datetime import date, datetime

    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> bytes:
    return json.dumps(value, default=json_default, ensure_ascii=False).encode("utf-8")


def openapi() -> dict[str, Any]:
    """The same protocol as an OpenAPI 3.1 document, derived from the table (for server-stub generators).

    ``python -m conformance.remote_protocol --openapi > adapter-protocol.openapi.json``
    """
    defs = {k: _rebase(v) for k, v in DOCUMENT["$defs"].items()}
    error = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}}
    paths: dict[str, Any] = {}
    for op in OPERATIONS.values():
        body = {"type": "object", "required": ["session", "args"],
                "properties": {"session": {"type": "string", "minLength": 1}, "args": _rebase(op.args_schema)}}
        ok = {"type": "object", "required": ["result"], "properties": {"result": _rebase(op.result_schema)}}
        spec = DOCUMENT["operations"][op.name]
        paths[f"/{op.name}"] = {"post": {
            "operationId": op.name, "summary": spec.get("summary", ""),
            "description": f"SyncAdapter.{op.method}" + (f" with {op.bind}" if op.bind else "")
                           + (f"; capability {op.capability}" if op.capability else ""),
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "the result", "content": {"application/json": {"schema": ok}}},
                "400": {**error, "description": "a request the adapter cannot understand"},
                "409": {**error, "description": "Refused: the rules require the implementation to refuse"},
                "500": {**error, "description": "the implementation failed"},
                "501": {**error, "description": "NotSupported: outside the adapter's capabilities"},
            }}}
    return {"openapi": "3.1.0",
            "info": {"title": DOCUMENT["title"], "version": VERSION, "description": DOCUMENT["description"]},
            "paths": paths, "components": {"schemas": defs}}


def _rebase(schema: Any) -> Any:
    """``#/$defs/x`` -> ``#/components/schemas/x``."""
    if isinstance(schema, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" and isinstance(v, str)
                    else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    doc = openapi() if "--openapi" in args else DOCUMENT
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    return 0


__all__ = ["DOCUMENT", "OPERATIONS", "VERSION", "Operation", "compatible", "dumps", "json_default", "major",
           "openapi", "operations_for", "route", "schema_errors"]


if __name__ == "__main__":
    raise SystemExit(main())
