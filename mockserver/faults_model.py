"""Declared types of a fault rule document, checked with pydantic (see mockserver.faults for what rules do).

:func:`check_rule` validates one rule - from ``POST /_mock/faults`` or a fixture's ``faults:`` list - and
returns a :class:`RuleModel` whose values are already normalised (``omitRecords: 2`` -> ``{"count": 2}``,
``truncate: true`` -> ``{"fraction": 0.5}``, the regex compiled). Keys are case-insensitive, as in fixtures.

Every problem of a rule is reported at once, in the words the fault docs use (``nth: must be a positive
integer or a list of them``), as a :class:`~mockserver.faults.FaultRuleError`; the admin API answers them
with an Autotask-shaped 400 ``{"errors": [...]}`` that lists each one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)


class FaultRuleError(ValueError):
    """A fault rule the injector cannot run: ``problems`` holds one line per bad key or value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

MATCH_KEYS = ("method", "path", "pathRegex", "entity", "kind", "tenant", "integrationCode", "userName",
              "nth", "probability", "seed", "times")
ACTION_KEYS = ("latency", "drop", "status", "body", "headers", "commit", "omitRecords", "truncate")
RULE_KEYS = ("id", "description", *MATCH_KEYS, *ACTION_KEYS)
_SPELLING = {key.lower(): key for key in RULE_KEYS}

PositiveInt = Annotated[int, Field(ge=1)]
Fraction = Annotated[float, Field(ge=0, le=1)]
NonEmpty = Annotated[str, Field(min_length=1)]

# One message per field, in the fault docs' words (the model says what is accepted, these say it to a user).
MESSAGES = {
    "method": "must be a method name or a list of them",
    "path": "must be a non-empty glob",
    "entity": "must be a non-empty string",
    "kind": "must be a non-empty string",
    "tenant": "must be a non-empty string",
    "integrationcode": "must be a non-empty string",
    "username": "must be a non-empty string",
    "nth": "must be a positive integer or a list of them (1 = the first matching call)",
    "probability": "must be a number between 0 and 1",
    "times": "must be a positive integer (omit it for 'until cleared')",
    "latency": "must be a non-negative number of seconds",
    "drop": "must be true or false",
    "status": "must be an HTTP status code (100-599)",
    "headers": "must be a mapping of header name to value",
    "commit": "must be true or false",
    "omitrecords": "must be a count or a mapping with count, ids or fraction",
    "omitrecords.count": "must be a positive integer",
    "omitrecords.ids": "must be a list of record ids",
    "omitrecords.fraction": "must be a number between 0 and 1",
    "omitrecords.keys": "give exactly the keys count, ids or fraction",
    "truncate": "must be true, a fraction, a byte count or {bytes|fraction, keepLength}",
    "truncate.bytes": "must be a non-negative integer",
    "truncate.fraction": "must be a number in [0, 1)",
}


def _lower_keys(raw: Any) -> Any:
    return {str(k).lower(): v for k, v in raw.items()} if isinstance(raw, Mapping) else raw


class OmitSpec(BaseModel):
    """``omitRecords``: how many records a query page loses (pageDetails.count still matches the items)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    count: PositiveInt | None = None
    ids: list[int] | None = None
    fraction: Fraction | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"count": value}
        return _lower_keys(value)

    @model_validator(mode="after")
    def _some(self) -> OmitSpec:
        if self.count is None and self.ids is None and self.fraction is None:
            raise ValueError(MESSAGES["omitrecords.keys"])
        return self

    def spec(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class TruncateSpec(BaseModel):
    """``truncate``: the body is cut after ``bytes`` or a ``fraction`` of it; ``keepLength`` keeps the header."""

    model_config = ConfigDict(extra="ignore", strict=True)
    bytes: Annotated[int, Field(ge=0)] | None = None
    fraction: Annotated[float, Field(ge=0, lt=1)] | None = None
    keeplength: Any = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value is True:
            return {"fraction": 0.5}
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return {"fraction": value} if value < 1 else {"bytes": int(value)}
        return _lower_keys(value)

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"keepLength": bool(self.keeplength)}
        if self.bytes is not None:
            out["bytes"] = self.bytes
        else:
            out["fraction"] = 0.5 if self.fraction is None else self.fraction
        return out


class RuleModel(BaseModel):
    """One fault rule: conditions (all must hold) and actions (applied in the order of ACTION_KEYS)."""

    model_config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)
    id: Any = None
    description: Any = None
    method: NonEmpty | list[NonEmpty] | None = None
    path: NonEmpty | None = None
    pathregex: re.Pattern[str] | None = None
    entity: NonEmpty | None = None
    kind: NonEmpty | None = None
    tenant: NonEmpty | None = None
    integrationcode: NonEmpty | None = None
    username: NonEmpty | None = None
    nth: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] | None = None
    probability: Fraction | None = None
    seed: Any = None
    times: PositiveInt | None = None
    latency: Annotated[float, Field(ge=0)] | None = None
    drop: StrictBool = False
    status: Annotated[int, Field(ge=100, le=599)] | None = None
    body: Any = None
    headers: dict[Any, Any] = Field(default_factory=dict)
    commit: StrictBool = False
    omitrecords: OmitSpec | None = None
    truncate: TruncateSpec | None = None

    @field_validator("pathregex", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        if value is None:
            return None
        try:
            return re.compile(str(value), re.IGNORECASE)
        except re.error as exc:  # not a ValueError: pydantic would let it escape
            raise ValueError(str(exc)) from None

    @field_validator("entity", "kind", "tenant", "integrationcode", "username", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("headers", mode="before")
    @classmethod
    def _no_headers(cls, value: Any) -> Any:
        return value or {}

    @field_validator("truncate", mode="before")
    @classmethod
    def _not_false(cls, value: Any) -> Any:
        return None if value is False else value


def _problem(error: Any) -> tuple[str, str]:
    """(field, message) of one pydantic error, in the fault docs' words."""
    loc = [str(part).lower() for part in error["loc"]]
    field = loc[0]
    if field == "pathregex":
        return field, f"pathRegex: {error.get('ctx', {}).get('error', error['msg'])}"
    if field in ("omitrecords", "truncate"):
        sub = next((part for part in loc[1:] if f"{field}.{part}" in MESSAGES), None)
        if sub is not None:
            return f"{field}.{sub}", f"{_SPELLING[field]}.{sub}: {MESSAGES[f'{field}.{sub}']}"
        if field == "omitrecords" and error["type"] in ("extra_forbidden", "value_error"):
            return "omitrecords.keys", f"omitRecords: {MESSAGES['omitrecords.keys']}"
    return field, f"{_SPELLING.get(field, field)}: {MESSAGES.get(field, error['msg'])}"


def check_rule(raw: Any, rule_id: str) -> RuleModel:
    """The validated, normalised rule; :class:`~mockserver.faults.FaultRuleError` naming every problem."""
    if not isinstance(raw, Mapping):
        raise FaultRuleError([f"a fault rule must be a mapping, got {type(raw).__name__}"])
    problems = [f"unknown key {key!r} (known: {', '.join(RULE_KEYS)})" for key in raw
                if str(key).lower() not in _SPELLING]
    data = {k: v for k, v in _lower_keys(raw).items() if k in _SPELLING}
    if data.get("method") == "*":
        data["method"] = None
    rule_name = str(data.get("id") or rule_id)
    bad: set[str] = set()
    try:
        model = RuleModel.model_validate(data)
    except ValidationError as exc:
        found: dict[str, str] = {}
        for error in exc.errors():
            key, message = _problem(error)
            found.setdefault(key, message)
        problems.extend(message for _, message in sorted(found.items(), key=lambda kv: _rank(kv[0])))
        bad = {key.partition(".")[0] for key in found}
        # the cross-field checks below still see every field that is valid
        model = RuleModel.model_validate({k: v for k, v in data.items() if k not in bad})
    if (model.body is not None or model.headers) and model.status is None:
        problems.append("body / headers: only meaningful together with status")
    if model.drop and model.status is not None:
        problems.append("drop and status cannot be combined (a dropped connection has no status)")
    bad_actions = {"omitrecords", "truncate"} & bad  # present but wrong: still meant as the action
    if not (model.latency or model.drop or model.status is not None or model.omitrecords is not None
            or model.truncate is not None or bad_actions):
        problems.append("a fault rule needs an action: latency, drop, status, omitRecords or truncate")
    if problems:
        raise FaultRuleError([f"fault {rule_name}: {p}" for p in problems])
    return model


def _rank(key: str) -> int:
    """Problems in the order of RULE_KEYS (then a nested key's order in MESSAGES), as the fault docs list them."""
    keys = [k.lower() for k in RULE_KEYS]
    field = key.partition(".")[0]
    nested = list(MESSAGES)
    return keys.index(field) * 100 + (nested.index(key) if key in nested else 0)
