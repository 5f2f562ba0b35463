"""API contract suite: schemathesis checks an Autotask REST server against an OpenAPI document.

By default the document is the one the server itself serves at /ATServicesRest/swagger/docs/v1 (the mock
derives it from its catalogue); pass ``spec=`` to check a server against another document: a file, a URL or
``"mock"`` (the mock's document, built from its catalogue: the contract another Autotask imitation can be held
to). Only the paths of the chosen entities are used (default: the core entities), so a run stays small, and
operations marked ``x-autotask-mock-extension`` (the mock's compatibility routes) only with ``extensions``.

Two phases:

operations   every operation of the chosen entities, a bounded number of generated requests each. Query
             bodies (and GET ``search``) are field-aware filters over the entity's real fields; half of the
             generated write bodies are repaired with the server's own metadata (existing references, valid
             picklist values, required fields) so that writes succeed as well as fail; path ids are drawn
             from existing records half of the time.
stateful     schemathesis' state machine over the document's ``x-links``: create -> get -> patch/put ->
             query by id -> delete, parent create -> child create; every scenario starts with a create
             (``settings.reset`` restores the tenant first). Write bodies are repaired as above. A
             consistency tracker adds checks across steps: a created record reads back (get and query by
             id), an update answers the id it was given, a deleted record is gone.

Checks on every response: a 5xx must be an Autotask-shaped 500 (``{"errors": [non-empty strings]}``, no stack
trace; the real API answers validation errors with 500), the status code is documented, the content type is
documented, the body conforms to the documented schema, documented required headers are present.

Use
    from conformance.contract import Target
    from conformance.suites.api_contract import ApiContract

    report = ApiContract(Target(headers, app=flask_app)).run()          # in-process (WSGI)
    report = ApiContract(Target(headers, base_url="http://127.0.0.1:5000")).run()
    report.raise_for_failures()

    python -m conformance.suites.api_contract --base-url http://127.0.0.1:5000 \\
        --user api@EXAMPLE.APIUSER.com --secret ... --integration-code ... \\
        [--spec mock|FILE|URL] [--entity Companies ...] [--reset-url URL]

Hypothesis settings come from the loaded profile (``derandomize`` for CI) or ``ContractSettings.hypothesis``;
the example counts derive from its ``max_examples`` unless given (the command line: derandomised,
max_examples 30). The suite writes data: point it at a throwaway tenant (``--reset-url`` restores it before
each stateful scenario).
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.contract import (
    CORE_ENTITIES,
    STRIPPED_HEADERS,
    DocumentIndex,
    Knowledge,
    Target,
    autotask_server_error_check,
    load_document,
    prune_document,
    query_bodies,
)

QUERY_KINDS = ("query", "count")
SEARCH_KINDS = ("query_get", "count_get")
WRITE_MODES = {"post": "create", "patch": "patch", "put": "put"}


def default_checks() -> list[Any]:
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [autotask_server_error_check, status_code_conformance, content_type_conformance,
            response_schema_conformance, response_headers_conformance]


@dataclass
class ContractSettings:
    entities: tuple[str, ...] = CORE_ENTITIES
    # Generated requests per operation; None: the hypothesis profile's max_examples // 3 (at least 2).
    examples: int | None = None
    # Stateful scenarios and steps per scenario; None: max_examples // 2 (at least 4) scenarios.
    stateful_scenarios: int | None = None
    stateful_steps: int = 16
    stateful: bool = True
    # Stop the operations phase at the first failing operation.
    fail_fast: bool = False
    # Restores the tenant under test; called before each stateful scenario so scenarios do not depend on
    # each other (the mock: AdminClient(...).reset_tenant(name)). None: scenarios share the server's state.
    reset: Callable[[], None] | None = None
    # Also check the operations the document marks x-autotask-mock-extension (the mock's compatibility routes,
    # which the real API lacks); off by default so other servers are held to the real API's routes only.
    extensions: bool = False
    # Hypothesis settings the suite's own settings derive from; None: the loaded profile (settings.default).
    hypothesis: Any = None


@dataclass
class ContractFailure:
    phase: str
    operation: str
    message: str

    def __str__(self) -> str:
        return f"[{self.phase}] {self.operation}\n{self.message}"


@dataclass
class ContractReport:
    operations: list[str] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)  # (phase, operation label, status) -> count
    failures: list[ContractFailure] = field(default_factory=list)
    stateful: Counter = field(default_factory=Counter)  # consistency tracker statistics

    @property
    def ok(self) -> bool:
        return not self.failures

    def statuses(self, phase: str | None = None) -> Counter:
        out: Counter = Counter()
        for (p, _, status), n in self.calls.items():
            if phase is None or p == phase:
                out[status] += n
        return out

    def summary(self) -> str:
        lines = [f"{len(self.operations)} operations; "
                 f"{sum(self.calls.values())} calls; statuses {dict(sorted(self.statuses().items()))}"]
        if self.stateful:
            lines.append("stateful: " + ", ".join(f"{k} {v}" for k, v in sorted(self.stateful.items())))
        lines.append(f"{len(self.failures)} failure(s)")
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        if self.failures:
            text = "\n\n".join(str(f) for f in self.failures)
            raise AssertionError(f"API contract: {len(self.failures)} failure(s)\n\n{text}\n\n{self.summary()}")


def _settings(parent: Any = None, **overrides: Any):
    """No shrinking: the server's state moves on between examples, so replays would not reproduce (and a
    shrink pass against a live server is slow); failures are recorded as they happen instead."""
    from hypothesis import HealthCheck, Phase, settings

    base: dict[str, Any] = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False,
                phases=[Phase.explicit, Phase.reuse, Phase.generate])
    base.update(overrides)
    return settings(parent or settings.default, **base)


def _stable_rng(*parts: Any):
    import random

    text = json.dumps(parts, sort_keys=True, default=str)
    return random.Random(zlib.crc32(text.encode()))


class ApiContract:
    """The contract suite for one target (see the module docstring)."""

    def __init__(self, target: Target, *, spec: Any = None, settings: ContractSettings | None = None,
                 document: dict[str, Any] | None = None) -> None:
        import schemathesis
        from schemathesis.config import SchemathesisConfig

        self.target = target
        self.settings = settings or ContractSettings()
        full = document if document is not None else load_document(target, spec)
        self.full_index = DocumentIndex(full)
        self.document = prune_document(full, self.settings.entities, extensions=self.settings.extensions)
        self.index = DocumentIndex(self.document)
        config = SchemathesisConfig.from_dict({
            "generation": {"mode": "positive", "allow-x00": False},
            # Only the document's own x-links: inferred ones dilute the bounded step budget.
            "phases": {"stateful": {"inference": {"algorithms": []}}},
        })
        self.schema = schemathesis.openapi.from_dict(self.document, config=config)
        if target.app is not None:
            self.schema.app = target.app
        self.checks = default_checks()
        parents = {e for e in (self._parent_entity(p) for p in self.document["paths"]) if e is not None}
        self.knowledge = Knowledge(target, self.full_index, [*self.settings.entities, *sorted(parents)])

    # ------------------------------------------------------------------ operations
    def operations(self) -> list[Any]:
        from schemathesis.core.result import Ok

        ops = []
        for result in self.schema.get_all_operations():
            if isinstance(result, Ok):
                ops.append(result.ok())
            else:  # pragma: no cover - the document is broken
                raise AssertionError(f"invalid operation in the document: {result.err()}")
        return ops

    def operations_of(self, entity: str) -> list[Any]:
        return [op for op in self.operations() if self.index.entity_for_path(op.path) == entity]

    def _parent_entity(self, path: str) -> str | None:
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 4 and segments[2] == "{parentId}":
            return self.full_index.root_entities.get(segments[1].lower())
        return None

    @property
    def base_settings(self):
        from hypothesis import settings

        return self.settings.hypothesis or settings.default

    def _examples(self) -> int:
        if self.settings.examples is not None:
            return self.settings.examples
        return max(2, self.base_settings.max_examples // 3)

    @staticmethod
    def _has_inputs(operation) -> bool:
        names = {p.name for p in operation.iter_parameters()}
        if names - {"ApiIntegrationCode", "UserName", "Secret", "ImpersonationResourceId"}:
            return True
        return len(getattr(operation, "body", None) or ()) > 0

    def case_strategy(self, operation):
        """Cases for one operation: schemathesis' generation plus the field-aware repairs (module docstring)."""
        from hypothesis import strategies as st

        info = self.index.operation(operation.path, operation.method)
        entity = info.entity
        props = self.index.model_properties(entity) if entity else {}
        ids = self.knowledge.ids.get(entity or "", [])
        if info.kind in QUERY_KINDS:
            base = operation.as_strategy(body={"filter": [{"op": "gte", "field": "id", "value": 0}]})
        elif info.kind in SEARCH_KINDS:
            base = operation.as_strategy(query={"search": "{}"})
        else:
            base = operation.as_strategy()
        queries = query_bodies(props, ids) if info.kind in QUERY_KINDS + SEARCH_KINDS else None
        parent = self._parent_entity(operation.path)

        @st.composite
        def cases(draw):
            case = draw(base)
            rng = draw(st.randoms(use_true_random=False))
            if queries is not None:
                body = draw(queries)
                if info.kind in QUERY_KINDS:
                    case.body = body
                else:
                    case.query = {**(case.query or {}), "search": json.dumps(body)}
            params = dict(case.path_parameters or {})
            if "id" in params and ids and draw(st.booleans()):
                params["id"] = rng.choice(ids)
            if "parentId" in params and draw(st.booleans()):
                params["parentId"] = self.knowledge.sample_id(parent, rng) or params["parentId"]
            if params != (case.path_parameters or {}):
                case.path_parameters = params
            mode = WRITE_MODES.get(operation.method.lower())
            if mode and entity and info.kind in ("create", "update") and draw(st.booleans()):
                parent_ref = (parent, params["parentId"]) if parent and "parentId" in params else None
                body = self.knowledge.sanitize(entity, case.body, rng, mode=mode, parent=parent_ref)
                if info.kind == "update" and isinstance(body, dict) and ids:
                    body["id"] = self._existing_id(entity, parent_ref, rng)
                    if "id" in params:  # PATCH /{Entity}/{id}: the URL names the same record
                        params["id"] = body["id"]
                        case.path_parameters = params
                case.body = body
            self._strip_headers(case)
            return case

        return cases()

    def _existing_id(self, entity: str, parent: tuple[str, int] | None, rng) -> int | None:
        """An existing record of ``entity`` (under ``parent`` for child URLs, when the server lists it)."""
        if parent is not None:
            children = self.knowledge.children(entity, parent)
            if children:
                return rng.choice(children)
        return self.knowledge.sample_id(entity, rng)

    @staticmethod
    def _strip_headers(case) -> None:
        if case.headers:
            for name in STRIPPED_HEADERS:
                case.headers.pop(name, None)

    def run_operation(self, operation, report: ContractReport | None = None) -> ContractReport:
        """Generated requests against one operation; failures are added to the report (not raised)."""
        from hypothesis import given

        report = report or ContractReport()
        label = operation.label
        report.operations.append(label)
        examples = self._examples() if self._has_inputs(operation) else 1
        kwargs = self.target.call_kwargs()

        seen: list[str] = []

        @_settings(self.base_settings, max_examples=examples)
        @given(case=self.case_strategy(operation))
        def run(case) -> None:
            response = case.call(**kwargs)
            report.calls[("operations", label, response.status_code)] += 1
            try:
                case.validate_response(response, checks=self.checks, headers=self.target.headers,
                                       transport_kwargs=kwargs)
            except BaseException as exc:  # noqa: BLE001 - FailureGroup is a BaseExceptionGroup
                if not seen:
                    seen.append(_describe(exc))
                raise

        try:
            run()
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            report.failures.append(ContractFailure("operations", label, seen[0] if seen else _describe(exc)))
        return report

    def run_operations(self, entities: Iterable[str] | None = None,
                       report: ContractReport | None = None) -> ContractReport:
        report = report or ContractReport()
        wanted = None if entities is None else set(entities)
        for operation in self.operations():
            if wanted is not None and self.index.entity_for_path(operation.path) not in wanted:
                continue
            self.run_operation(operation, report)
            if report.failures and self.settings.fail_fast:
                break
        return report

    # ------------------------------------------------------------------ stateful
    def state_machine(self, report: ContractReport):
        """schemathesis' state machine over the x-links, with repaired bodies and the consistency tracker."""
        suite = self
        seen: dict[Any, Any] = {}
        self._stateful_seen = seen
        base = self.schema.as_state_machine()
        kwargs = self.target.call_kwargs()

        # Scenarios start with a create: schemathesis would also start them with PATCH/PUT/DELETE of random
        # ids when it cannot tell that creates succeed (references to Resources nobody creates), and those
        # only repeat what the operations phase covers.
        roots = self._roots_by_rule(base)
        hidden = self._non_create_roots(base, roots)
        create_roots = frozenset(label for label in roots.values() if self._is_create(label))

        class ContractStateMachine(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                super().__init__()
                if hidden:  # the transition controller starts scenarios from the remaining (create) roots only
                    self.control.roots = create_roots

            def setup(self) -> None:
                if suite.settings.reset is not None:
                    suite.settings.reset()
                self.tracker = ConsistencyTracker(suite.index, report.stateful)

            def before_call(self, case) -> None:
                suite.prepare_stateful_case(case, self.tracker)

            def get_call_kwargs(self, case) -> dict[str, Any]:
                return dict(kwargs)

            def validate_response(self, response, case, additional_checks=None, **kw: Any) -> None:
                report.calls[("stateful", case.operation.label, response.status_code)] += 1
                try:
                    case.validate_response(response, checks=suite.checks, additional_checks=additional_checks,
                                           headers=suite.target.headers, transport_kwargs=kw or None,
                                           recorder=self.recorder)
                    self.tracker.observe(case, response)
                except BaseException as exc:  # noqa: BLE001 - FailureGroup is a BaseExceptionGroup
                    seen.setdefault(case.operation.label, _describe(exc) + _request_text(case, response))
                    raise

        for name in hidden:
            setattr(ContractStateMachine, name, None)  # no longer a hypothesis rule
        if hidden:
            ContractStateMachine.root_rules = frozenset(base.root_rules) - set(hidden)
        return ContractStateMachine

    def _is_create(self, label: str) -> bool:
        method, _, path = label.partition(" ")
        return self.index.operation(path, method).kind == "create"

    def _roots_by_rule(self, machine) -> dict[str, str]:
        """Root rule name -> operation label, from the public ``root_rules`` (schemathesis names a root rule
        ``RANDOM -> <label>``, normalised), not from the machine's private attributes."""
        from schemathesis.generation.stateful.state_machine import normalize_name

        rules = set(getattr(machine, "root_rules", ()))
        names = {normalize_name(f"RANDOM -> {op.label}"): op.label for op in self.operations()}
        return {name: label for name, label in names.items() if name in rules}

    def _non_create_roots(self, machine, roots: dict[str, str]) -> list[str]:
        if not any(self._is_create(label) for label in roots.values()):
            return []
        return [name for name, label in roots.items() if not self._is_create(label)]

    def prepare_stateful_case(self, case, tracker: ConsistencyTracker | None = None) -> None:
        """Repair a stateful step's request: valid parent for child creates, valid write bodies."""
        info = self.index.operation(case.operation.path, case.operation.method)
        rng = _stable_rng(case.operation.label, case.path_parameters, case.body if _has_body(case) else None)
        parent = self._parent_entity(case.operation.path)
        params = dict(case.path_parameters or {})
        if parent and "parentId" in params:
            known = set(self.knowledge.ids.get(parent, [])) | (tracker.live(parent) if tracker else set())
            if params["parentId"] not in known:
                params["parentId"] = self.knowledge.sample_id(parent, rng) or params["parentId"]
                case.path_parameters = params
        mode = WRITE_MODES.get(case.operation.method.lower())
        if mode and info.entity and info.kind in ("create", "update") and _has_body(case):
            parent_ref = (parent, params["parentId"]) if parent and "parentId" in params else None
            case.body = self.knowledge.sanitize(info.entity, case.body, rng, mode=mode, parent=parent_ref)
        self._strip_headers(case)

    def run_stateful(self, report: ContractReport | None = None, *, attempts: int = 3) -> ContractReport:
        """Run the state machine. A server's state outlives a scenario, so (without ``settings.reset``)
        Hypothesis may notice that replaying a choice sequence no longer behaves the same; like schemathesis'
        own runner, that is not a contract failure: the run starts again (at most ``attempts`` times)."""
        from hypothesis.errors import Flaky, FlakyFailure
        from hypothesis.stateful import run_state_machine_as_test

        report = report or ContractReport()
        scenarios = self.settings.stateful_scenarios
        if scenarios is None:
            scenarios = max(4, self.base_settings.max_examples // 2)
        machine = self.state_machine(report)
        seen: dict[str, str] = self._stateful_seen
        for attempt in range(attempts):
            try:
                run_state_machine_as_test(machine, settings=_settings(
                    self.base_settings, max_examples=scenarios, stateful_step_count=self.settings.stateful_steps))
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                flaky = (isinstance(exc, Flaky) and not isinstance(exc, FlakyFailure)) or _inconsistent_replay(exc)
                if flaky and not seen:
                    report.stateful["restarts (inconsistent replay)"] += 1
                    if attempt + 1 < attempts:
                        continue
                    break
                if not seen:
                    report.failures.append(ContractFailure("stateful", "state machine", _describe(exc)))
            break
        for label, message in seen.items():
            report.failures.append(ContractFailure("stateful", label, message))
        return report

    # ------------------------------------------------------------------ everything
    def run(self) -> ContractReport:
        report = self.run_operations()
        if self.settings.stateful and not (report.failures and self.settings.fail_fast):
            self.run_stateful(report)
        return report


def _request_text(case, response) -> str:
    try:
        body = json.dumps(case.body) if _has_body(case) else ""
    except (TypeError, ValueError):
        body = repr(case.body)
    return (f"\n\nRequest: {case.operation.method.upper()} {case.formatted_path} query={case.query or {}} "
            f"body={body[:500]}\nResponse: {response.status_code} {response.text[:500]}")


def _inconsistent_replay(exc: BaseException) -> bool:
    try:
        from schemathesis.engine.errors import is_inconsistent_replay
    except ImportError:  # pragma: no cover - older schemathesis
        return False
    return bool(is_inconsistent_replay(exc))


def _has_body(case) -> bool:
    from schemathesis.core import NOT_SET

    return case.body is not NOT_SET and case.body is not None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    notes = getattr(exc, "__notes__", None)
    if notes:
        text += "\n" + "\n".join(str(n) for n in notes)
    if isinstance(exc, BaseExceptionGroup):
        inner = "\n".join(f"  - {type(e).__name__}: {e}" for e in exc.exceptions)
        text = f"{text}\n{inner}"
    return f"{type(exc).__name__}: {text}".strip()


def _key(mapping: Any, name: str) -> Any:
    if not isinstance(mapping, dict):
        return None
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


class ConsistencyTracker:
    """Checks across stateful steps (raise AssertionError on an inconsistency) and counts what happened.

    created/updated/deleted records are remembered per entity (with the parent id of a child URL); a later
    GET by id of a created record must return it, a GET of a deleted one must not; a query ``id eq N`` must
    return exactly the created record N (nothing once deleted); an update/delete must answer the id it was given.
    """

    def __init__(self, index: DocumentIndex, stats: Counter) -> None:
        self.index = index
        self.stats = stats
        self.created: dict[str, dict[int, int | None]] = {}
        self.deleted: dict[str, set[int]] = {}
        self.updated: dict[str, set[int]] = {}

    def live(self, entity: str) -> set[int]:
        return set(self.created.get(entity, {})) - self.deleted.get(entity, set())

    def observe(self, case, response) -> None:
        info = self.index.operation(case.operation.path, case.operation.method)
        entity = info.entity
        if entity is None or response.status_code != 200:
            return
        try:
            body = response.json()
        except ValueError:
            return
        params = case.path_parameters or {}
        parent = params.get("parentId") if info.child else None
        created = self.created.setdefault(entity, {})
        deleted = self.deleted.setdefault(entity, set())
        if info.kind == "create":
            item_id = body.get("itemId")
            assert isinstance(item_id, int), f"create answered {body!r}"
            assert item_id not in created, f"create answered the id of an earlier record: {item_id}"
            created[item_id] = parent
            self.stats["created"] += 1
        elif info.kind == "update":
            sent = _key(case.body, "id")
            if sent is None:
                sent = params.get("id")
            if isinstance(sent, int):
                assert body.get("itemId") == sent, f"update of id {sent} answered {body!r}"
                if sent in created:
                    self.updated.setdefault(entity, set()).add(sent)
                    self.stats["updated a created record"] += 1
        elif info.kind == "delete":
            item_id = params.get("id")
            assert body.get("itemId") == item_id, f"delete of id {item_id} answered {body!r}"
            deleted.add(item_id)
            if item_id in created:
                self.stats["deleted a created record"] += 1
        elif info.kind == "get":
            item_id = params.get("id")
            item = body.get("item")
            if item_id in deleted:
                assert item is None, f"GET {entity} {item_id} returned the record after it was deleted"
                self.stats["read a deleted record (gone)"] += 1
            elif item_id in created and (not info.child or created[item_id] == parent):
                assert item is not None, f"GET {entity} {item_id} returned no item after it was created"
                assert item.get("id") == item_id, f"GET {entity} {item_id} returned id {item.get('id')}"
                self.stats["read a created record"] += 1
        elif info.kind == "query":
            target = _by_id(case.body)
            if target is None:
                return
            ids = [i.get("id") for i in body.get("items") or [] if isinstance(i, dict)]
            if target in deleted:
                assert ids == [], f"query id eq {target} found the record after it was deleted: {ids}"
                self.stats["queried a deleted record (gone)"] += 1
            elif target in created:
                assert ids == [target], f"query id eq {target} of a created {entity} returned ids {ids}"
                self.stats["queried a created record"] += 1


def _by_id(body: Any) -> int | None:
    """N for a query body that is exactly ``id eq N``."""
    if not isinstance(body, dict):
        return None
    filters = _key(body, "filter")
    if not isinstance(filters, list) or len(filters) != 1 or not isinstance(filters[0], dict):
        return None
    cond = filters[0]
    if str(_key(cond, "op")).lower() != "eq" or str(_key(cond, "field")).lower() != "id":
        return None
    value = _key(cond, "value")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ---------------------------------------------------------------------------------------------- command line
def _reset_callable(url: str, header_specs: list[str]) -> Callable[[], None]:
    import requests

    headers = dict(h.split(":", 1) for h in header_specs)
    headers = {k.strip(): v.strip() for k, v in headers.items()}

    def reset() -> None:
        requests.post(url, headers=headers, timeout=60).raise_for_status()

    return reset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.suites.api_contract",
        description="Check an Autotask REST server against an OpenAPI document with schemathesis "
                    "(operations + stateful). Writes data: use a throwaway tenant.")
    parser.add_argument("--base-url", required=True, help="server root, e.g. http://127.0.0.1:5000")
    parser.add_argument("--user", required=True, help="API user name (UserName header)")
    parser.add_argument("--secret", required=True, help="API secret (Secret header)")
    parser.add_argument("--integration-code", required=True, help="tracking identifier (ApiIntegrationCode)")
    parser.add_argument("--spec", default=None,
                        help="OpenAPI document: a file, a URL, or 'mock' (the autotask-mock's own document, "
                             "built from its catalogue); default: the one the server serves at "
                             "/ATServicesRest/swagger/docs/v1")
    parser.add_argument("--entity", action="append", default=None,
                        help="entity to check (repeatable); default: the core entities")
    parser.add_argument("--examples", type=int, default=None, help="generated requests per operation")
    parser.add_argument("--scenarios", type=int, default=None, help="stateful scenarios")
    parser.add_argument("--steps", type=int, default=12, help="steps per stateful scenario")
    parser.add_argument("--no-stateful", action="store_true", help="skip the stateful phase")
    parser.add_argument("--mock-extensions", action="store_true",
                        help="also check operations marked x-autotask-mock-extension (the mock's compatibility "
                             "routes, e.g. PATCH /{Entity}/{id}); off: only the real API's routes")
    parser.add_argument("--reset-url", default=None,
                        help="POSTed before each stateful scenario to restore the tenant (the mock: "
                             "http://HOST:PORT/_mock/tenants/NAME/reset)")
    parser.add_argument("--reset-header", action="append", default=[], metavar="NAME:VALUE",
                        help="header for the reset request (e.g. X-Mock-Admin-Token:...)")
    parser.add_argument("--max-examples", type=int, default=30,
                        help="hypothesis max_examples the defaults derive from (default 30)")
    parser.add_argument("--random", action="store_true",
                        help="random generation (default: derandomised, the same requests every run)")
    args = parser.parse_args(argv)
    from hypothesis import settings as hypothesis_settings

    base = hypothesis_settings(derandomize=not args.random, max_examples=args.max_examples, deadline=None,
                               database=None)
    target = Target.from_credentials(args.user, args.secret, args.integration_code, base_url=args.base_url)
    reset = _reset_callable(args.reset_url, args.reset_header) if args.reset_url else None
    contract = ApiContract(target, spec=args.spec, settings=ContractSettings(
        entities=tuple(args.entity or CORE_ENTITIES), examples=args.examples,
        stateful_scenarios=args.scenarios, stateful_steps=args.steps, stateful=not args.no_stateful,
        reset=reset, hypothesis=base, extensions=args.mock_extensions))
    report = contract.run()
    for failure in report.failures:
        print(failure, end="\n\n")
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
