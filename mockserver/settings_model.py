"""Declared types and allowed values of the behaviour settings, checked with pydantic.

:class:`mockserver.config.MockConfig` stays a plain dataclass (cheap to build, easy to ``replace``); this module
turns its field annotations into a pydantic model once, adds the ranges the annotations cannot say (a page size
is at least 1, a latency is not negative), and validates overrides - from ``--set``, the pytest fixture
``autotask_mock_settings``, ``mock_autotask(settings=...)`` or a zone worker - before they reach the config.

Every bad key and every bad value is reported in ONE :class:`SettingsError` whose message names the allowed
values, so ``--set missing_item_status=abc`` answers ``missing_item_status='abc': allowed values are 200, 404``
instead of being silently accepted. Validation is strict (``"yes"`` is not a boolean, ``true`` is not a number):
``--set`` values are JSON, so they arrive with their real types.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

# Ranges the dataclass annotations cannot express. ge=0 unless the value must be positive.
_POSITIVE = ("max_page_size", "max_conditions", "request_threshold", "threshold_timeframe_minutes", "journal_size")
_NON_NEGATIVE = ("max_udf_filters", "admin_token_max_failures", "admin_token_backoff_seconds",
                 "admin_token_backoff_max_seconds", "snapshot_min_bytes", "thread_limit", "fault_seed",
                 "webhook_timeout_seconds", "webhook_deactivate_after", "journal_body_limit")
_NOT_SETTABLE = ("clock",)  # an object, not a value: pass MockConfig(clock=...) instead


class SettingsError(ValueError):
    """Bad behaviour settings: ``problems`` holds one line per bad key or value; ``str()`` joins them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid mock settings: " + "; ".join(problems))


def _field_info(name: str, default: Any) -> Any:
    if name in _POSITIVE:
        return Field(default, gt=0)
    if name in _NON_NEGATIVE:
        return Field(default, ge=0)
    if name == "throttle_time_scale":
        return Field(default, gt=0)
    return default


@cache
def settings_model(config_cls: type) -> type[BaseModel]:
    """The pydantic model of every settable field of the config dataclass (``MockConfig``, passed in by
    mockserver.config so this module never imports it back), built from its annotations: never out of date."""
    hints = typing.get_type_hints(config_cls)
    spec: dict[str, Any] = {}
    for f in fields(config_cls):
        if f.name in _NOT_SETTABLE:
            continue
        default = f.default if f.default is not MISSING else None
        spec[f.name] = (hints[f.name], _field_info(f.name, default))
    return create_model(
        "MockSettings", __config__=ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True), **spec)


def known_settings(config_cls: type) -> list[str]:
    return sorted(settings_model(config_cls).model_fields)


def allowed_values(config_cls: type, name: str) -> str:
    """What a setting accepts, in words: its allowed values, or its type and range."""
    info = settings_model(config_cls).model_fields[name]
    hint = info.annotation
    if get_origin(hint) is typing.Literal:
        return "allowed values are " + ", ".join(repr(v) if isinstance(v, str) else str(v) for v in get_args(hint))
    words = "must be " + _type_words(hint)
    for meta in info.metadata:
        if getattr(meta, "gt", None) is not None:
            words += f" > {meta.gt}"
        if getattr(meta, "ge", None) is not None:
            words += f" >= {meta.ge}"
    return words


def _type_words(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_words(a) for a in get_args(hint))
    if origin is list:
        (inner,) = get_args(hint) or (Any,)
        return f"a list of {_plural(inner)}"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            type(None): "null"}.get(hint, "any JSON value")


def _plural(hint: Any) -> str:
    if get_origin(hint) is list:
        (inner,) = get_args(hint) or (Any,)
        return f"lists of {_plural(inner)}"
    return {bool: "booleans", int: "integers", float: "numbers", str: "strings"}.get(hint, "values")


def validate_settings(config_cls: type, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides with their declared types applied; :class:`SettingsError` naming every problem."""
    model = settings_model(config_cls)
    problems: list[str] = []
    for key in overrides:
        if key in _NOT_SETTABLE:
            problems.append(f"{key}: not a setting (pass MockConfig({key}=...) instead)")
        elif key not in model.model_fields:
            close = difflib.get_close_matches(str(key), known_settings(config_cls), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"unknown setting {key!r} ({hint}known: {', '.join(known_settings(config_cls))})")
    checked = {k: v for k, v in overrides.items() if k in model.model_fields}
    try:
        validated = model.model_validate(checked)
    except ValidationError as exc:
        bad: dict[str, Any] = {}
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "?"
            bad.setdefault(key, overrides.get(key))
        problems.extend(f"{key}={value!r}: {allowed_values(config_cls, key)}" for key, value in bad.items())
        validated = None
    if problems:
        raise SettingsError(problems)
    assert validated is not None
    return {key: getattr(validated, key) for key in checked}
