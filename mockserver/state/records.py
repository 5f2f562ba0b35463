"""Turning API/fixture input into typed records and typed records back into API JSON.

Input binding mimics ASP.NET: property names are matched case-insensitively, read-only properties are
ignored, unknown properties are ignored (or rejected, by setting). Output is camelCase with every field
of the entity present (null when unset) and ``userDefinedFields`` as ``[{name, value}]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from mockserver.catalog.model import EntitySpec, FieldSpec
from mockserver.errors import AutotaskError
from mockserver.state.udf import UdfSpec
from mockserver.state.values import ValueCoercionError, coerce, serialize

UDF_KEY = "userDefinedFields"
_UDF_LOWER = UDF_KEY.lower()


def _field_error(spec: EntitySpec, name: str, problem: str) -> AutotaskError:
    return AutotaskError(f"{spec.model}.{name}: {problem}")


_ALREADY_TYPED = {"string": str, "integer": int, "long": int, "short": int}


def coerce_field(spec: EntitySpec, fs: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    kind = _ALREADY_TYPED.get(fs.data_type)
    if kind is int and type(value) is int:
        if -(2**63) <= value < 2**63:
            return value
    try:
        typed = coerce(fs, value)
    except ValueCoercionError as exc:
        raise _field_error(spec, fs.name, str(exc)) from None
    if fs.data_type == "string" and typed is not None and fs.length and len(typed) > fs.length:
        raise _field_error(
            spec, fs.name, f"Value exceeds the maximum length of {fs.length} characters (got {len(typed)})."
        )
    return typed


def bind_input(
    spec: EntitySpec,
    body: Any,
    *,
    unknown: str = "ignore",
    keep_read_only: bool = False,
) -> tuple[dict[str, Any], dict[str, Any] | None, int | None]:
    """Map a JSON object onto the entity: returns (typed field values, UDF values or None, id or None).

    Read-only fields are dropped unless ``keep_read_only`` (fixtures carry createDate, ticketNumber, ...).
    """
    if not isinstance(body, Mapping):
        raise AutotaskError(f"The request body for {spec.model} must be a JSON object.")
    values: dict[str, Any] = {}
    udfs: dict[str, Any] | None = None
    record_id: int | None = None
    for key, raw in body.items():
        if not isinstance(key, str):
            continue
        if key == UDF_KEY or key.lower() == _UDF_LOWER:
            udfs = _bind_udf_list(spec, raw)
            continue
        fs = spec.fields.get(key) or spec.field(key)
        if fs is None:
            if unknown == "error":
                raise AutotaskError(f"{spec.model}: unknown field '{key}'.")
            continue
        if fs.name == "id":
            if raw is not None:
                try:
                    record_id = int(coerce("long", raw))
                except (ValueCoercionError, TypeError, ValueError):
                    raise _field_error(spec, "id", f"'{raw}' is not a valid id.") from None
            continue
        if fs.is_read_only and not keep_read_only:
            continue
        values[fs.name] = coerce_field(spec, fs, raw)
    return values, udfs, record_id


def _bind_udf_list(spec: EntitySpec, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):  # tolerate {"name": value} as well as the API's list form
        return {str(k): v for k, v in raw.items()}
    if not isinstance(raw, list):
        raise AutotaskError(f"{spec.model}.userDefinedFields must be a list of {{name, value}} objects.")
    out: dict[str, Any] = {}
    for item in raw:
        if not isinstance(item, Mapping):
            raise AutotaskError(f"{spec.model}.userDefinedFields must be a list of {{name, value}} objects.")
        lowered = {str(k).lower(): v for k, v in item.items()}
        if "name" not in lowered:
            raise AutotaskError(f"{spec.model}.userDefinedFields: every entry needs a 'name'.")
        out[str(lowered["name"])] = lowered.get("value")
    return out


def coerce_udfs(spec: EntitySpec, defs: Mapping[str, UdfSpec], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate UDF values against the tenant's definitions (names matched case-insensitively)."""
    by_lower = {name.lower(): d for name, d in defs.items()}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        d = by_lower.get(name.lower())
        if d is None:
            raise AutotaskError(f"{spec.model}: user-defined field '{name}' does not exist.")
        if value is None or value == "":
            out[d.name] = None
            continue
        try:
            typed = coerce(d.data_type, value)
        except ValueCoercionError as exc:
            raise AutotaskError(f"{spec.model} user-defined field '{d.name}': {exc}") from None
        if d.data_type == "string" and d.length and len(typed) > d.length:
            raise AutotaskError(
                f"{spec.model} user-defined field '{d.name}': value exceeds the maximum length of {d.length}."
            )
        if d.picklist and str(typed) not in d.picklist:
            raise AutotaskError(f"{spec.model} user-defined field '{d.name}': '{typed}' is not a valid value.")
        out[d.name] = typed
    return out


def udf_to_text(value: Any, data_type: str) -> str | None:
    """The real API returns UDF values as strings."""
    if value is None:
        return None
    out = serialize(value, data_type)
    if isinstance(out, bool):
        return "true" if out else "false"
    if isinstance(out, float) and out.is_integer() and abs(out) < 1e15:
        return str(int(out))
    return str(out)


def to_api(
    spec: EntitySpec,
    record: Mapping[str, Any],
    udf_defs: Mapping[str, UdfSpec] | None = None,
    include: Iterable[str] | None = None,
    mask_protected: bool = False,
    include_udfs: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Serialise one record as the API returns it."""
    fields = spec.fields
    if include is None:
        # Every field, null when unset: start from all-null (C speed) and fill the few set ones. Only
        # datetimes and numbers stored as ints in double/decimal fields change form (values.serialize).
        out: dict[str, Any] = dict.fromkeys(fields)
        numeric = spec.numeric_fields
        for name, value in record.items():
            if value is not None and name in out:
                if name in numeric or isinstance(value, datetime):
                    out[name] = serialize(value, fields[name].data_type)
                else:
                    out[name] = value
    else:
        wanted = set(include) | {"id"}
        out = {}
        for name, fs in fields.items():
            if name in wanted:
                value = record.get(name)
                out[name] = None if value is None else serialize(value, fs.data_type)
    if spec.has_user_defined_fields:
        stored = record.get(UDF_KEY) or {}
        udfs = []
        only = None if include_udfs is None else set(include_udfs)
        for d in (udf_defs or {}).values():
            if only is not None and d.name not in only:
                continue
            value = udf_to_text(stored.get(d.name), d.data_type)
            if mask_protected and d.is_protected and value is not None:
                value = "*****"
            udfs.append({"name": d.name, "value": value})
        out[UDF_KEY] = udfs
    return out


def to_fixture(spec: EntitySpec, record: Mapping[str, Any], udf_defs: Mapping[str, UdfSpec]) -> dict[str, Any]:
    """Serialise for export: only fields with a value, UDFs as the API's list form."""
    out: dict[str, Any] = {}
    for name, fs in spec.fields.items():
        value = record.get(name)
        if value is not None:
            out[name] = serialize(value, fs.data_type)
    stored = record.get(UDF_KEY) or {}
    udfs = [
        {"name": d.name, "value": udf_to_text(stored[d.name], d.data_type)}
        for d in udf_defs.values()
        if stored.get(d.name) is not None
    ]
    if udfs:
        out[UDF_KEY] = udfs
    return out


def check_required_udfs(spec: EntitySpec, defs: Mapping[str, UdfSpec], values: Mapping[str, Any]) -> None:
    missing = [d.name for d in defs.values() if d.is_required and values.get(d.name) in (None, "")]
    if missing:
        raise AutotaskError(*(f"{spec.model} user-defined field '{name}': Value is required." for name in missing))
