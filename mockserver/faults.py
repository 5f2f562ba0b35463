"""Fault injection: seeded rules that match API calls and answer them wrongly, on purpose and reproducibly.

A rule comes from the admin API (``POST /_mock/faults``) or from a tenant fixture's top-level ``faults:``
list (so a scenario file carries its failures and QA replays them exactly; resetting the tenant re-arms
them). Rules are tried in order - admin rules first, then the tenant's fixture rules - and the first one
that *fires* acts; later rules do not see the call.

Matching (all given conditions must hold; keys are camelCase as in fixtures)::

    method: GET | [POST, PATCH]          # case-insensitive; omitted = any
    path: "*/Companies/query*"           # case-insensitive glob on the request path ("Companies/query" = "*/Companies/query")
    pathRegex: "/companies/\\d+$"        # case-insensitive regex search, instead of / as well as path
    entity: Companies                    # route entity, path or model name
    kind: query                          # route kind: query count next item collection child_collection child_item …
    tenant: basic                        # admin rules only (fixture rules belong to their tenant)
    integrationCode: TESTCODE
    userName: sync@basic.apiuser.com
    nth: 3 | [2, 5]                      # only the 3rd (2nd and 5th) call that matches the conditions above
    probability: 0.25                    # fire on a seeded draw (seed: rule ``seed`` or MockConfig.fault_seed)
    times: 2                             # fire at most twice, then stay listed as exhausted (omitted = until cleared)

Actions (combinable; applied in this order)::

    latency: 2.5                         # seconds added (injectable sleep, see throttle.set_sleep)
    drop: true                           # the connection is closed without a response
    status: 503                          # answer this status instead of running the handler
    body: {"errors": ["…"]} | "text"     # with status: the body (default an {"errors": [...]} naming the fault)
    headers: {Retry-After: "30"}         # with status: extra headers
    commit: true                         # run the handler first (the write happens), then drop / answer status
    omitRecords: 2 | {count: 2} | {ids: [5, 9]} | {fraction: 0.1}
                                         # query pages lose records; pageDetails.count still matches the items
    truncate: true | 0.5 | {bytes: 40} | {fraction: 0.5, keepLength: true}
                                         # the body is cut (keepLength: Content-Length still announces it all,
                                         # so an HTTP client sees the connection end mid-body)

Dropped connections: over a real server (waitress, werkzeug) the socket is shut down, so the client gets
a connection error (requests.ConnectionError). In-process there is no socket: the response then carries
``X-Mock-Fault: drop`` (status 502, empty body) and an in-process transport (mockserver.intercept) must
raise :class:`DroppedConnection` - a ``requests.ConnectionError`` - instead of returning it
(:func:`is_dropped` tells). Every fired rule is described in ``call.extra["fault"]`` for the journal.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.fault_actions import (
    DROP_HEADER,
    DROP_VALUE,
    drop_connection,
    injected_response,
    is_dropped,
    omit_records,
    truncate_body,
)

# Re-exported: the actions moved to mockserver.fault_actions; callers import them from here too
# (and DroppedConnection, lazily, through __getattr__ below).
__all__ = ["DROP_HEADER", "DROP_VALUE", "FAULTS_KEY", "FaultInjector", "FaultRule",
           "FaultRuleError", "drop_connection", "get_injector", "injected_response", "install", "is_dropped",
           "omit_records", "parse_rule", "truncate_body", "validate_fault_rules"]

from mockserver.faults_model import ACTION_KEYS, MATCH_KEYS, RULE_KEYS, FaultRuleError  # noqa: F401 - re-exported

FAULTS_KEY = "autotask_mock_faults"



def __getattr__(name: str) -> Any:
    # DroppedConnection subclasses requests' ConnectionError; it lives in mockserver.dropped so that
    # serving (which never needs requests) does not pay for importing it at start-up.
    if name == "DroppedConnection":
        from mockserver.dropped import DroppedConnection

        return DroppedConnection
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ rules
@dataclass
class FaultRule:
    id: str
    raw: dict[str, Any]
    source: str = "admin"
    methods: frozenset[str] | None = None
    path_glob: str | None = None
    path_regex: re.Pattern[str] | None = None
    entity: str | None = None
    kind: str | None = None
    tenant: str | None = None
    integration_code: str | None = None
    user_name: str | None = None
    nth: frozenset[int] | None = None
    probability: float | None = None
    times: int | None = None
    latency: float = 0.0
    drop: bool = False
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    commit: bool = False
    omit: dict[str, Any] | None = None
    truncate: dict[str, Any] | None = None
    rng: random.Random = field(default_factory=random.Random)
    matched: int = 0
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, call) -> bool:
        """The static conditions (everything but nth / probability / times)."""
        if self.methods is not None and call.method.upper() not in self.methods:
            return False
        path = call.path or ""
        if self.path_glob is not None and not fnmatch.fnmatchcase(path.lower(), self.path_glob):
            return False
        if self.path_regex is not None and not self.path_regex.search(path):
            return False
        route = call.route
        if self.entity is not None:
            spec = route.entity if route is not None else None
            if spec is None or self.entity not in (spec.name.lower(), spec.model.lower()):
                return False
        if self.kind is not None and (route is None or route.kind.lower() != self.kind):
            return False
        if self.tenant is not None and (call.tenant is None or call.tenant.name.lower() != self.tenant):
            return False
        if self.integration_code is not None and (call.integration_code or "").lower() != self.integration_code:
            return False
        if self.user_name is not None and (call.user is None or call.user.user_name.lower() != self.user_name):
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.latency:
            parts.append(f"latency +{self.latency:g}s")
        if self.drop:
            parts.append("drop connection")
        if self.status is not None:
            parts.append(f"status {self.status}")
        if self.commit:
            parts.append("after the handler ran")
        if self.omit is not None:
            parts.append(f"omit records {json.dumps(self.omit, sort_keys=True)}")
        if self.truncate is not None:
            parts.append(f"truncate {json.dumps(self.truncate, sort_keys=True)}")
        return ", ".join(parts)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "rule": self.raw,
            "matched": self.matched,
            "fired": self.fired,
            "remaining": None if self.times is None else max(0, self.times - self.fired),
            "active": not self.exhausted,
            "action": self.describe(),
        }


def _lower_keys(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in raw.items()}


def parse_rule(raw: Any, *, rule_id: str, source: str = "admin", default_seed: int = 0) -> FaultRule:
    """Validate one rule document (mockserver.faults_model, every problem at once) and build a FaultRule."""
    from mockserver.faults_model import check_rule

    spec = check_rule(raw, rule_id)
    rule = FaultRule(id=str(spec.id or rule_id), raw=dict(raw), source=source)
    if spec.method is not None:
        rule.methods = frozenset(m.upper() for m in ([spec.method] if isinstance(spec.method, str) else spec.method))
    if spec.path is not None:
        glob = spec.path.lower()
        rule.path_glob = glob if glob.startswith(("/", "*")) else "*/" + glob
    rule.path_regex = spec.pathregex
    for key, attr in (("entity", "entity"), ("kind", "kind"), ("tenant", "tenant"),
                      ("integrationcode", "integration_code"), ("username", "user_name")):
        value = getattr(spec, key)
        if value is not None:
            setattr(rule, attr, value.lower())
    if spec.nth is not None:
        rule.nth = frozenset([spec.nth] if isinstance(spec.nth, int) else spec.nth)
    rule.probability = spec.probability
    seed = default_seed if spec.seed is None and "seed" not in _lower_keys(raw) else spec.seed
    rule.rng = random.Random(f"{seed}:{rule.id}")
    rule.times = spec.times
    rule.latency = spec.latency or 0.0
    rule.drop = spec.drop
    rule.status = spec.status
    rule.body = spec.body
    rule.headers = {str(k): str(v) for k, v in spec.headers.items()}
    rule.commit = spec.commit
    rule.omit = spec.omitrecords.spec() if spec.omitrecords is not None else None
    rule.truncate = spec.truncate.spec() if spec.truncate is not None else None
    return rule


def validate_fault_rules(rules: Any) -> list[str]:
    """Problems in a fixture's ``faults:`` list (empty when valid) - for fixture validators."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        return [f"faults: must be a list, got {type(rules).__name__}"]
    problems: list[str] = []
    for index, raw in enumerate(rules):
        try:
            parse_rule(raw, rule_id=f"#{index + 1}", source="fixture")
        except FaultRuleError as exc:
            problems.extend(f"faults[{index}]: {p}" for p in exc.problems)
    return problems


# ------------------------------------------------------------------ the injector
class FaultInjector:
    """All fault rules of one app: admin rules plus, per tenant, the rules its fixture carries."""

    def __init__(self, config) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.admin_rules: list[FaultRule] = []
        self._counter = 0

    # rules -------------------------------------------------------------
    def tenant_rules(self, tenant) -> list[FaultRule]:
        with self.lock:
            return self._tenant_rules_locked(tenant)

    def _tenant_rules_locked(self, tenant) -> list[FaultRule]:
        rules = tenant.extra.get("faults")
        if rules is None:
            raw_rules = (tenant.extra.get("fixture") or {}).get("faults") or []
            rules = []
            for index, raw in enumerate(raw_rules):
                rules.append(
                    parse_rule(raw, rule_id=f"{tenant.name}-{index + 1}", source=f"fixture:{tenant.name}",
                               default_seed=self.config.fault_seed)
                )
            tenant.extra["faults"] = rules
        return rules

    def add(self, raw: Any, *, tenant: str | None = None) -> FaultRule:
        with self.lock:
            self._counter += 1
            rule_id = f"f{self._counter}"
            if isinstance(raw, Mapping) and tenant and not any(str(k).lower() == "tenant" for k in raw):
                raw = {**raw, "tenant": tenant}
            rule = parse_rule(raw, rule_id=rule_id, default_seed=self.config.fault_seed)
            if any(r.id == rule.id for r in self.admin_rules):
                raise FaultRuleError([f"fault {rule.id}: a rule with this id already exists"])
            self.admin_rules.append(rule)
            return rule

    def all_rules(self, tenants: Iterable[Any], tenant: str | None = None) -> list[FaultRule]:
        with self.lock:
            out = [r for r in self.admin_rules if tenant is None or r.tenant in (None, tenant.lower())]
            for state in tenants:
                if tenant is None or state.name.lower() == tenant.lower():
                    out.extend(self._tenant_rules_locked(state))
            return out

    def find(self, tenants: Iterable[Any], rule_id: str) -> FaultRule | None:
        for rule in self.all_rules(tenants):
            if rule.id == rule_id:
                return rule
        return None

    def remove(self, tenants: Iterable[Any], rule_id: str) -> bool:
        with self.lock:
            before = len(self.admin_rules)
            self.admin_rules = [r for r in self.admin_rules if r.id != rule_id]
            if len(self.admin_rules) != before:
                return True
            for state in tenants:
                rules = self._tenant_rules_locked(state)
                kept = [r for r in rules if r.id != rule_id]
                if len(kept) != len(rules):
                    state.extra["faults"] = kept
                    return True
            return False

    def clear(self, tenants: Iterable[Any], tenant: str | None = None, source: str | None = None) -> int:
        """Remove admin rules (``source`` "admin") and/or fixture rules ("fixture"); both when None."""
        removed = 0
        with self.lock:
            if source in (None, "admin"):
                kept = [r for r in self.admin_rules if tenant is not None and r.tenant != tenant.lower()]
                removed += len(self.admin_rules) - len(kept)
                self.admin_rules = kept
            if source in (None, "fixture"):
                for state in tenants:
                    if tenant is None or state.name.lower() == tenant.lower():
                        removed += len(self._tenant_rules_locked(state))
                        state.extra["faults"] = []
        return removed

    # evaluation ----------------------------------------------------------
    def evaluate(self, call) -> FaultRule | None:
        """The rule that fires for this call (counting matches as a side effect), or None."""
        with self.lock:
            rules = list(self.admin_rules)
            if call.tenant is not None:
                rules.extend(self._tenant_rules_locked(call.tenant))
            for rule in rules:
                if rule.exhausted or not rule.matches(call):
                    continue
                rule.matched += 1
                if rule.nth is not None and rule.matched not in rule.nth:
                    continue
                if rule.probability is not None and rule.rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
            return None


def get_injector(app) -> FaultInjector:
    return app.extensions[FAULTS_KEY]


def install(app, ctx) -> None:
    from mockserver.throttle import emulated_wait

    injector = FaultInjector(ctx.config)
    app.extensions[FAULTS_KEY] = injector
    # Fail fast on broken fixture rules of the tenants loaded at start-up.
    problems: list[str] = []
    for state in ctx.store.tenants.values():
        try:
            injector.tenant_rules(state)
        except FaultRuleError as exc:
            problems.extend(f"tenant {state.name}: {p}" for p in exc.problems)
    if problems:
        raise FaultRuleError(problems)

    def wrapper(call, proceed):
        try:
            rule = injector.evaluate(call)
        except FaultRuleError as exc:  # a broken fixture rule of a tenant added later
            from mockserver.answers import error_response
            from mockserver.errors import AutotaskError

            return error_response(AutotaskError(f"The mock's fault rules are invalid: {exc}"))
        if rule is None:
            return proceed()
        note = f"{rule.id}: {rule.describe()}"
        if rule.times is not None:
            note += f" ({rule.fired}/{rule.times})"
        call.extra["fault"] = note
        if rule.latency:
            emulated_wait(app, rule.latency)  # never holds a worker another tenant needs
        if rule.drop and not rule.commit:
            return drop_connection(call)
        if rule.status is not None and not rule.commit:
            return injected_response(rule)
        response = proceed()
        if rule.drop:
            return drop_connection(call)
        if rule.status is not None:
            return injected_response(rule)
        if rule.omit is not None and response.status_code == 200:
            response, omitted = omit_records(rule, response)
            call.extra["fault"] = f"{note}; omitted ids {omitted}"
        if rule.truncate is not None:
            response = truncate_body(rule, response)
        return response

    ctx.wrappers.append(wrapper)  # its admin endpoints: mockserver.admin.install (admin depends on features)
