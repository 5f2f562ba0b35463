"""One probe per behaviour setting: what to send, and a pure decision from what came back.

Each ``decide_*`` function maps an observation (status, body) to the setting's value, or None when the
answer does not decide it (an error of another kind, no data to test with). The probes run through
``ProbeApi`` (see runner); read-only ones never change the tenant, write ones (``needs_write``) register
what they created with the runner, which deletes it at the end, also when a probe fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.parity.report import Finding
from mockserver.parity.unprobed import NOT_PROBED  # noqa: F401  (re-exported: the settings the probes leave out)

PREFIX = "ZZ-AUTOTASK-MOCK-PARITY"
ALL = [{"op": "gte", "field": "id", "value": 0}]


class ProbeApi(Protocol):
    prefix: str

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             params: dict[str, str] | None = None) -> tuple[int, Any]: ...

    def created(self, entity: str, item_id: int) -> None: ...


def _errors(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("errors"), list) and bool(body["errors"])


# ------------------------------------------------------------------------------------ pure decisions
def decide_missing_item_status(status: int, body: Any) -> int | None:
    if status == 404:
        return 404
    if status == 200 and isinstance(body, dict) and body.get("item") is None:
        return 200
    return None


def decide_unauthorized_body(status: int, body: Any) -> str | None:
    if status != 401:
        return None
    return "errors" if _errors(body) else "empty"


def decide_unknown_operator(status: int, body: Any) -> str | None:
    if status == 200 and isinstance(body, dict) and "items" in body:
        return "ignore"
    if status >= 400 and (_errors(body) or isinstance(body, dict)):
        return "error"
    return None


def decide_include_fields_udfs(status: int, body: Any) -> str | None:
    items = body.get("items") if status == 200 and isinstance(body, dict) else None
    if not items:
        return None
    udfs = items[0].get("userDefinedFields")
    return "all" if udfs else "named"


def decide_next_page_search(status: int, body: Any) -> bool | None:
    details = body.get("pageDetails") if status == 200 and isinstance(body, dict) else None
    url = (details or {}).get("nextPageUrl")
    if not isinstance(url, str):
        return None
    return "search=" in url.lower()


def decide_permission_status(status: int, body: Any) -> int | None:
    if status == 403:
        return 403
    if status == 500 and "adequate permissions" in json.dumps(body):
        return 500
    return None


def decide_write_refusal(status: int, body: Any, accepted: str, refused: str) -> str | None:
    if status == 200:
        return accepted
    if status >= 400 and _errors(body):
        return refused
    return None


# ------------------------------------------------------------------------------------ the probes
@dataclass(frozen=True)
class Probe:
    setting: str
    run: Callable[[ProbeApi], Finding]
    needs_write: bool = False


def _query(api: ProbeApi, entity: str, body: dict[str, Any]) -> tuple[int, Any]:
    return api.call("POST", f"V1.0/{entity}/query", body)


def probe_missing_item(api: ProbeApi) -> Finding:
    status, body = api.call("GET", "V1.0/Companies/2147480000")
    return Finding("missing_item_status", decide_missing_item_status(status, body),
                   f"GET Companies/<missing id> answered {status}")


def probe_unauthorized(api: ProbeApi) -> Finding:
    status, body = api.call("GET", "V1.0/Companies/entityInformation", headers={"Secret": "wrong-parity-secret"})
    return Finding("unauthorized_body", decide_unauthorized_body(status, body),
                   f"a wrong secret answered {status} with {'an empty body' if body in (None, '') else 'a body'}")


def probe_unknown_operator(api: ProbeApi) -> Finding:
    status, body = _query(api, "Companies", {"filter": [{"op": "parityNoSuchOp", "field": "id", "value": 0}],
                                             "maxRecords": 1})
    return Finding("unknown_operator", decide_unknown_operator(status, body), f"an unknown operator answered {status}")


def probe_case_insensitive(api: ProbeApi) -> Finding:
    status, body = _query(api, "Companies", {"filter": ALL, "maxRecords": 20, "includeFields": ["id", "companyName"]})
    items = body.get("items", []) if status == 200 and isinstance(body, dict) else []
    sample = next((i for i in items if isinstance(i.get("companyName"), str)
                   and i["companyName"].swapcase() != i["companyName"]), None)
    if sample is None:
        return Finding("case_insensitive_strings", None, "no company name with letters to test with")
    status, body = _query(api, "Companies", {"filter": [{"op": "eq", "field": "companyName",
                                                         "value": sample["companyName"].swapcase()}],
                                             "includeFields": ["id"]})
    ids = [i.get("id") for i in body.get("items", [])] if status == 200 and isinstance(body, dict) else None
    if ids is None:
        return Finding("case_insensitive_strings", None, f"the case-swapped query answered {status}")
    return Finding("case_insensitive_strings", sample["id"] in ids,
                   "a case-swapped company name " + ("matched" if sample["id"] in ids else "did not match"))


def _udf_names(api: ProbeApi, entity: str) -> list[str]:
    status, body = api.call("GET", f"V1.0/{entity}/entityInformation/userDefinedFields")
    fields = body.get("fields") if status == 200 and isinstance(body, dict) else None
    return [f["name"] for f in fields or [] if isinstance(f, dict) and f.get("name")]


def probe_include_fields_udfs(api: ProbeApi) -> Finding:
    if not _udf_names(api, "Companies"):
        return Finding("include_fields_udfs", None, "Companies has no user-defined fields to test with")
    status, body = _query(api, "Companies", {"filter": ALL, "maxRecords": 1, "includeFields": ["id"]})
    return Finding("include_fields_udfs", decide_include_fields_udfs(status, body),
                   "includeFields [id] returned " + ("the UDFs" if decide_include_fields_udfs(status, body) == "all"
                                                     else "no UDFs"))


def probe_next_page_search(api: ProbeApi) -> Finding:
    status, body = _query(api, "Companies", {"filter": ALL, "maxRecords": 1, "includeFields": ["id"]})
    found = decide_next_page_search(status, body)
    evidence = "no second page to look at" if found is None else (
        "the POST query's nextPageUrl " + ("carries" if found else "has no") + " ?search=")
    return Finding("post_next_page_includes_search", found, evidence)


def probe_page_size(api: ProbeApi) -> Finding:
    status, body = _query(api, "Companies", {"filter": ALL, "includeFields": ["id"]})
    size = (body.get("pageDetails") or {}).get("requestCount") if status == 200 and isinstance(body, dict) else None
    return Finding("max_page_size", size if isinstance(size, int) else None,
                   f"a query without maxRecords reported requestCount {size}")


def probe_max_conditions(api: ProbeApi) -> Finding:
    def accepted(n: int) -> bool:
        items = [{"op": "eq", "field": "id", "value": i} for i in range(n)]
        status, _ = _query(api, "Companies", {"filter": [{"op": "or", "items": items}], "includeFields": ["id"]})
        return status == 200

    if not accepted(500):
        return Finding("max_conditions", None, "500 conditions were refused (limit lower; not narrowed down)")
    if accepted(501):
        return Finding("max_conditions", None, "501 conditions were accepted (limit above 500; not narrowed down)")
    return Finding("max_conditions", 500, "500 conditions accepted, 501 refused")


def probe_max_udf_filters(api: ProbeApi) -> Finding:
    names = _udf_names(api, "Companies")[:5]
    if len(names) < 2:
        return Finding("max_udf_filters", None, "fewer than 2 Companies UDFs to test with")
    best = 0
    for n in range(1, len(names) + 1):
        status, _ = _query(api, "Companies", {"filter": [*ALL, *({"op": "exist", "field": name, "udf": True}
                                                                 for name in names[:n])], "maxRecords": 1})
        if status != 200:
            break
        best = n
    if best == len(names):
        return Finding("max_udf_filters", None, f"{best} UDF filters were accepted (the limit may be higher)")
    return Finding("max_udf_filters", best or None, f"{best} UDF filter(s) accepted, {best + 1} refused")


def probe_threshold(api: ProbeApi) -> list[Finding]:
    status, body = api.call("GET", "V1.0/ThresholdInformation")
    ok = status == 200 and isinstance(body, dict)
    threshold = body.get("externalRequestThreshold") if ok else None
    minutes = body.get("requestThresholdTimeframe") if ok else None
    return [Finding("request_threshold", threshold if isinstance(threshold, int) else None,
                    f"ThresholdInformation answered {status}"),
            Finding("threshold_timeframe_minutes", minutes if isinstance(minutes, int) else None,
                    f"ThresholdInformation answered {status}")]


# ------------------------------------------------------------------------------------ write probes
def _create_type(api: ProbeApi, extra: dict[str, Any] | None = None) -> tuple[int, Any, int | None]:
    body = {"name": f"{api.prefix}-{len(extra or {})}", "isActive": True, **(extra or {})}
    status, answer = api.call("POST", "V1.0/ConfigurationItemTypes", body)
    item_id = answer.get("itemId") if status == 200 and isinstance(answer, dict) else None
    if isinstance(item_id, int):
        api.created("ConfigurationItemTypes", item_id)
    return status, answer, item_id


def probe_unknown_fields(api: ProbeApi) -> Finding:
    status, body, _ = _create_type(api, {"parityNoSuchField": 1})
    return Finding("unknown_fields", decide_write_refusal(status, body, "ignore", "error"),
                   f"a create with an unknown property answered {status}")


def probe_item_url_writes(api: ProbeApi) -> Finding:
    status, body, item_id = _create_type(api)
    if item_id is None:
        return Finding("item_url_writes", None, f"could not create a probe record ({status})")
    status, body = api.call("PATCH", f"V1.0/ConfigurationItemTypes/{item_id}", {"name": f"{api.prefix}-renamed"})
    value = True if status == 200 else (False if status in (404, 405) else None)
    return Finding("item_url_writes", value, f"PATCH /ConfigurationItemTypes/{{id}} answered {status}")


def probe_immutable_field(api: ProbeApi) -> Finding:
    return Finding("immutable_field_change", None,
                   "not probed: it needs a configuration item moved between companies, and configuration items "
                   "cannot be deleted afterwards")


def probe_permission(api: ProbeApi, limited: tuple[str, str] | None) -> Finding:
    if limited is None:
        return Finding("permission_error_status", None, "needs --limited-user/--limited-secret")
    status, body = api.call("POST", "V1.0/ConfigurationItemTypes", {"name": f"{api.prefix}-limited", "isActive": True},
                            headers={"UserName": limited[0], "Secret": limited[1]})
    if status == 200 and isinstance(body, dict) and isinstance(body.get("itemId"), int):
        api.created("ConfigurationItemTypes", body["itemId"])
        return Finding("permission_error_status", None, "the limited user was allowed to create")
    return Finding("permission_error_status", decide_permission_status(status, body),
                   f"a create by the limited user answered {status}")


READ_PROBES: tuple[Callable[[ProbeApi], Finding], ...] = (
    probe_missing_item, probe_unauthorized, probe_unknown_operator, probe_case_insensitive,
    probe_include_fields_udfs, probe_next_page_search, probe_page_size, probe_max_conditions, probe_max_udf_filters,
)
WRITE_PROBES: tuple[Callable[[ProbeApi], Finding], ...] = (probe_unknown_fields, probe_item_url_writes,
                                                          probe_immutable_field)
#: settings decided only with --write
WRITE_SETTINGS = ("unknown_fields", "item_url_writes", "immutable_field_change", "permission_error_status")

#: MockConfig settings no probe decides, by reason (printed so the report says what it does not cover)
