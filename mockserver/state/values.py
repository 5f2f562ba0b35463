"""Typed values: coercion of JSON input, serialisation for output, and index keys.

Autotask is an ASP.NET Web API over SQL Server.  Its JSON binder is lenient about *representation*
(clients routinely send ``"value": "0"`` or ``"value": "true"`` for numeric and boolean fields, see
shared/spec/autotask-api.md section 4) but strict about *meaning* (a boolean accepts only true/false,
a fractional number is not an integer).  This module is the single place that encodes those rules, so
filter values (query.py) and written field values (create/update handlers) are coerced identically.

Internal value types per catalogue ``data_type``:

========================  ==========================================================
integer, long, short      ``int`` (range-checked: 16/32/64-bit signed)
double, decimal           ``float``
string                    ``str``
boolean                   ``bool``
datetime                  timezone-aware ``datetime`` in UTC
========================  ==========================================================

Everything here is pure: no I/O, no Flask, no global state.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from mockserver.catalog.model import DATA_TYPES, NUMERIC_TYPES, FieldSpec
from mockserver.json_input import has_surrogate, surrogate_problem

__all__ = [
    "DATETIME_FORMAT",
    "INTEGER_RANGES",
    "ValueCoercionError",
    "coerce",
    "format_datetime",
    "normalize_key",
    "normalize_string",
    "parse_datetime",
    "serialize",
    "string_form",
]

# Output format for datetimes: ISO 8601, UTC, millisecond precision, trailing ``Z``
# (e.g. ``2024-05-01T13:45:00.000Z``).  The real API's exact fractional-second precision is
# UNVERIFIED (autotask-api.md section 3); keeping it in one constant makes it a one-line change.
# Fields available to the template: year month day hour minute second millisecond microsecond.
DATETIME_FORMAT = "{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{millisecond:03d}Z"

# Signed ranges of the .NET types behind the catalogue's integral data types (Int16/Int32/Int64).
# A value outside the range fails model binding on the real API, so it fails coercion here.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}

_EXPECTED = {
    "integer": "an integer",
    "long": "an integer",
    "short": "an integer",
    "double": "a number",
    "decimal": "a number",
    "string": "a string",
    "boolean": "true or false",
    "datetime": "an ISO 8601 date-time",
}

# .NET Int32.Parse with NumberStyles.Integer: optional surrounding whitespace and sign, digits only.
_INT_RE = re.compile(r"\s*[+-]?\d+\s*\Z")
# Decimal literal without the exotic spellings Python's float() would also accept ("nan", "1_0", "inf").
_FLOAT_RE = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")


class ValueCoercionError(ValueError):
    """A value cannot be bound to a field's type.

    Carries the field name, the offending value and a human description of what was expected so the
    HTTP layer can report it verbatim (it becomes one string of ``{"errors": [...]}``).
    """

    def __init__(self, field_name: str, value: Any, expected: str) -> None:
        self.field_name = field_name
        self.value = value
        self.expected = expected
        super().__init__(f"Invalid value {_show(value)} for field {field_name}: expected {expected}.")


def _show(value: Any) -> str:
    """Render a rejected value the way the client sent it (JSON), falling back to repr."""
    if isinstance(value, datetime):
        return format_datetime(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
        return json.dumps(value) if has_surrogate(text) else text
    except (TypeError, ValueError):
        return repr(value)


def _resolve(field: FieldSpec | str, name: str | None) -> tuple[str, str]:
    if isinstance(field, FieldSpec):
        return field.data_type, name or field.name
    if field not in DATA_TYPES:
        raise ValueError(f"unknown data type {field!r}; expected one of {', '.join(DATA_TYPES)}")
    return field, name or "value"


def coerce(
    field: FieldSpec | str,
    value: Any,
    *,
    name: str | None = None,
    allow_none: bool = True,
) -> Any:
    """Convert a JSON value to the internal Python type of ``field`` (a FieldSpec or a data_type).

    ``name`` overrides the field name used in error messages (needed when only a data_type is given,
    e.g. for user-defined fields).  ``None`` passes through (a write may clear a field) unless
    ``allow_none`` is false, which filters use for operators that need a value.

    Rules (all failures raise :class:`ValueCoercionError`):

    * integer/long/short: ints; numeric strings (``"123"``, ``" -5 "``); floats with no fractional part.
      Floats with a fraction, non-numeric strings and out-of-range values are rejected.  ``True``/``False``
      are accepted as 1/0 -- a deliberate leniency: several Autotask "flags" are integer 0/1 columns
      (e.g. Contacts.isActive) and clients commonly send JSON booleans for them.
    * double/decimal: ints, floats, numeric strings; booleans, NaN and infinities are rejected.
    * boolean: ONLY the JSON literals true/false or the strings "true"/"false" (any case) -- Autotask's
      documented rule (autotask-api.md section 2).  0/1, "yes", "" and null are errors.
    * string: strings as-is; numbers and booleans take their JSON text (``12`` -> ``"12"``,
      ``true`` -> ``"true"``, see :func:`string_form`).  Arrays and objects are rejected.
    * datetime: ISO 8601 strings (date-only, with or without ``Z`` or an offset, any fractional seconds
      -- .NET emits seven digits) or ``datetime`` objects; naive values are taken as UTC, since every
      Autotask API time is UTC.  The result is always aware UTC.
    """
    data_type, label = _resolve(field, name)
    if value is None:
        if allow_none:
            return None
        raise ValueCoercionError(label, value, _EXPECTED[data_type])
    if data_type in INTEGER_RANGES:
        return _to_int(data_type, label, value)
    if data_type in NUMERIC_TYPES:
        return _to_float(data_type, label, value)
    if data_type == "boolean":
        return _to_bool(label, value)
    if data_type == "datetime":
        return _to_datetime(label, value)
    return _to_str(label, value)


def _to_int(data_type: str, label: str, value: Any) -> int:
    expected = _EXPECTED[data_type]
    if isinstance(value, bool):
        result = int(value)
    elif isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ValueCoercionError(label, value, expected)
        result = int(value)
    elif isinstance(value, str) and _INT_RE.match(value):
        result = int(value)
    else:
        raise ValueCoercionError(label, value, expected)
    low, high = INTEGER_RANGES[data_type]
    if not low <= result <= high:
        raise ValueCoercionError(label, value, f"an integer between {low} and {high}")
    return result


def _to_float(data_type: str, label: str, value: Any) -> float:
    expected = _EXPECTED[data_type]
    if isinstance(value, bool):
        raise ValueCoercionError(label, value, expected)
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and _FLOAT_RE.match(value):
        result = float(value)
    else:
        raise ValueCoercionError(label, value, expected)
    if not math.isfinite(result):
        raise ValueCoercionError(label, value, expected)
    return result


def _to_bool(label: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    raise ValueCoercionError(label, value, _EXPECTED["boolean"])


def _to_str(label: str, value: Any) -> str:
    if isinstance(value, str):
        if has_surrogate(value):
            # Legal JSON ("\\ud800") but no Unicode text: stored, it would break every later answer
            # holding it (README "Failure modes": the surrogate rule).
            raise ValueCoercionError(label, value, "valid Unicode text: " + surrogate_problem(value))
        return value
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return string_form(value)
    raise ValueCoercionError(label, value, _EXPECTED["string"])


def _to_datetime(label: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    raise ValueCoercionError(label, value, _EXPECTED["datetime"])


def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO 8601 date or date-time to aware UTC; ``None`` when ``text`` is not one.

    Accepts ``2024-05-01``, ``2024-05-01T13:45``, ``…:00Z``, ``…:00.1234567+02:00`` and the space
    separator .NET also accepts.  Python's ``fromisoformat`` does the work; only a leading/trailing
    whitespace strip is added.
    """
    text = text.strip()
    if not text or not text[0].isdigit():
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Render a datetime with :data:`DATETIME_FORMAT` (naive values are taken as UTC)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return DATETIME_FORMAT.format(
        year=value.year,
        month=value.month,
        day=value.day,
        hour=value.hour,
        minute=value.minute,
        second=value.second,
        millisecond=value.microsecond // 1000,
        microsecond=value.microsecond,
    )


def _format_cached(value: datetime) -> str:
    return _FORMAT_CACHE(value)


def serialize(value: Any, data_type: str) -> Any:
    """Convert an internal value to its JSON form for responses.

    Only datetimes change shape (to :data:`DATETIME_FORMAT`); double/decimal values are emitted as
    floats even when stored as ints, so a client's JSON type for a field never flips between records.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _format_cached(value)
    if data_type in NUMERIC_TYPES and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def string_form(value: Any) -> str:
    """The text a non-string value is compared as by beginsWith/endsWith/contains.

    SQL Server converts the column to text for ``LIKE``; we use the API's own rendering instead
    (ISO datetimes, ``true``/``false``, integral floats without ``.0``) because that is the text a
    client can see and therefore reasonably expects to match against.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def normalize_string(value: str, case_insensitive: bool = True) -> str:
    """Casefold when comparing like SQL Server's default case-insensitive collation.

    Returns ``value`` itself when casefolding changes nothing, so an index over already-lower-case
    text shares the records' string objects instead of holding a copy of each.
    """
    if not case_insensitive:
        return value
    folded = value.casefold()
    return value if folded == value else folded


def normalize_key(value: Any, case_insensitive: bool = True) -> Any:
    """Hashable key under which ``value`` is equal to every value it compares equal to.

    Strings are casefolded (case-insensitive collation); every other internal type already has the
    right equality and hash (``5 == 5.0``, aware datetimes compare by instant).  Table indexes always
    use the case-insensitive form: for a case-sensitive query that is a superset of the matches and the
    full predicate, evaluated afterwards, removes the rest.

    Trailing spaces are ignored, as SQL Server's ANSI padding does for ``=``/``<``/``IN`` comparisons
    (the apigrate README shows ``eq "Sirius Cybernetics Corporation "`` finding the name without the
    space); the text operators (beginsWith/endsWith/contains, i.e. LIKE) do not use this key.
    """
    if isinstance(value, str):
        return normalize_string(value.rstrip(" "), case_insensitive)
    return value


# Records share few distinct timestamps (fixtures, bulk loads); formatting dominates serialising a page.
_FORMAT_CACHE = lru_cache(maxsize=65536)(format_datetime)
