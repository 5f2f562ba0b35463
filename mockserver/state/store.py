"""All tenants of one mock server, and the index from API user name to tenant.

A user name identifies exactly one tenant (the real zone lookup works the same way), so credentials
alone choose the tenant and tenants never see each other's data.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mockserver.catalog import Catalog
from mockserver.clock import Clock
from mockserver.config import MockConfig
from mockserver.json_input import JsonInputError, check_document
from mockserver.state.tenant import (
    BUILTIN_SECURITY_LEVEL,
    ApiUser,
    FixtureLoadError,
    FixtureProblem,
    TenantInfo,
    TenantState,
    coerce_picklist,
)
from mockserver.state.udf import UdfSpec
from mockserver.state.values import coerce

FORMAT_VERSION = "autotask-mock/tenant@1"
# A tenant with at least this many records is frozen out of the collector's sight once added.
FREEZE_MIN_RECORDS = 10_000


def freeze_if_large(state: TenantState) -> None:
    """Move a large tenant out of the garbage collector's sight, as create_app does for start-up tenants.

    A tenant added later (mock_autotask, the admin API) otherwise stays in generation 2, and every full
    collection walks its 100k records again: 250-870 ms pauses (issue 15, part 7). Collect first, so
    garbage of earlier work is not frozen (frozen cycles are never collected); small tenants are cheap
    to walk and skip both steps.
    """
    if sum(len(table) for table in state.tables.values()) >= FREEZE_MIN_RECORDS:
        gc.collect()
        gc.freeze()


class Store:
    def __init__(self, catalog: Catalog, config: MockConfig) -> None:
        self.catalog = catalog
        self.config = config
        self.lock = threading.RLock()
        self.tenants: dict[str, TenantState] = {}
        self.users: dict[str, tuple[TenantState, ApiUser]] = {}
        self.sources: dict[str, Any] = {}  # tenant name -> the fixture document it was built from

    # ------------------------------------------------------------------ lookup
    def find_user(self, user_name: str | None) -> tuple[TenantState, ApiUser] | None:
        if not user_name:
            return None
        return self.users.get(user_name.strip().lower())

    def tenant(self, name: str) -> TenantState | None:
        return self.tenants.get(name)

    # ------------------------------------------------------------------ building
    def build_tenant(self, doc: Mapping[str, Any], source: str = "<fixture>") -> TenantState:
        """Build a tenant from a fixture document without registering it (nothing changes on error).

        The collector is paused meanwhile: a load allocates hundreds of thousands of long-lived dicts, and
        generation-2 collections over them made load time superlinear.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            restore = getattr(doc, "restore", None)  # a mockserver.snapshot.TenantSnapshot
            if restore is not None:
                return restore(self.catalog, self.config)
            return self._build_tenant(doc, source)
        finally:
            if enabled:
                gc.enable()

    def _build_tenant(self, doc: Mapping[str, Any], source: str) -> TenantState:
        problems: list[FixtureProblem] = []
        if not isinstance(doc, Mapping):
            raise FixtureLoadError(source, [FixtureProblem("document", None, "must be a mapping")])
        fmt = doc.get("format", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            problems.append(FixtureProblem("format", None, f"unsupported format {fmt!r}; expected {FORMAT_VERSION!r}"))
        try:  # records are checked field by field as they are coerced (values.coerce); the rest here
            check_document({k: v for k, v in doc.items() if k != "records"}, surrogates=True)
        except JsonInputError as exc:
            raise FixtureLoadError(source, [FixtureProblem("document", None, str(exc))]) from None
        tenant_doc = doc.get("tenant") or {}
        name = str(tenant_doc.get("name") or "").strip()
        if not name:
            problems.append(FixtureProblem("tenant", "name", "a tenant name is required"))
        if problems:
            raise FixtureLoadError(source, problems)
        clock = Clock()
        if tenant_doc.get("clock"):
            clock.set(coerce("datetime", tenant_doc["clock"]), frozen=bool(tenant_doc.get("clockFrozen", False)))
        info = TenantInfo(
            name=name,
            zone=int(tenant_doc.get("zone", 2)),
            zone_name=tenant_doc.get("zoneName"),
            ci=int(tenant_doc.get("ci", 0)),
        )
        state = TenantState(info, self.catalog, self.config, clock)
        state.integration_codes = {str(c) for c in doc.get("integrationCodes") or ()}
        if not state.integration_codes:
            problems.append(FixtureProblem("integrationCodes", None, "at least one integration code is required"))
        state.security_levels = {BUILTIN_SECURITY_LEVEL: {"name": BUILTIN_SECURITY_LEVEL, "builtin": True}}
        for index, level in enumerate(doc.get("securityLevels") or ()):
            if not isinstance(level, Mapping) or not level.get("name"):
                problems.append(FixtureProblem(f"securityLevels[{index}]", "name", "a name is required"))
                continue
            state.security_levels[str(level["name"])] = dict(level)
        for key, items in (doc.get("picklists") or {}).items():
            entity_name, _, field_name = str(key).partition(".")
            spec = self.catalog.get(entity_name)
            fs = spec.field(field_name) if spec else None
            if spec is None or fs is None:
                problems.append(FixtureProblem(f"picklists.{key}", None, "unknown entity or field"))
                continue
            try:
                state.set_picklist(spec.name, fs.name, coerce_picklist(spec, fs.name, items or ()))
            except Exception as exc:  # noqa: BLE001 - reported as a fixture problem
                problems.append(FixtureProblem(f"picklists.{key}", None, str(exc)))
        for entity_name, defs in (doc.get("userDefinedFields") or {}).items():
            spec = self.catalog.get(entity_name)
            if spec is None:
                problems.append(FixtureProblem(f"userDefinedFields.{entity_name}", None, "unknown entity"))
                continue
            if not spec.has_user_defined_fields:
                problems.append(
                    FixtureProblem(f"userDefinedFields.{entity_name}", None, "this entity has no user-defined fields")
                )
                continue
            parsed: dict[str, UdfSpec] = {}
            for index, raw in enumerate(defs or ()):
                try:
                    udf = UdfSpec.from_fixture(raw)
                except (KeyError, ValueError, TypeError) as exc:
                    problems.append(FixtureProblem(f"userDefinedFields.{spec.name}[{index}]", None, str(exc)))
                    continue
                parsed[udf.name] = udf
            state.udfs[spec.name] = parsed
        if problems:
            raise FixtureLoadError(source, problems)
        state.load_records(doc.get("records") or {}, source)
        for index, raw in enumerate(doc.get("apiUsers") or ()):
            where = f"apiUsers[{index}]"
            if not isinstance(raw, Mapping) or not raw.get("userName") or not raw.get("secret"):
                problems.append(FixtureProblem(where, "userName", "userName and secret are required"))
                continue
            resource_id = raw.get("resourceID")
            if resource_id is not None and state.get("Resources", resource_id) is None:
                problems.append(FixtureProblem(where, "resourceID", f"Resources {resource_id} does not exist"))
            level = str(raw.get("securityLevel") or BUILTIN_SECURITY_LEVEL)
            if level not in state.security_levels:
                problems.append(FixtureProblem(where, "securityLevel", f"unknown security level {level!r}"))
            user = ApiUser(str(raw["userName"]), str(raw["secret"]), resource_id, level)
            key = user.user_name.lower()
            if key in state.api_users:
                problems.append(FixtureProblem(where, "userName", f"duplicate API user {user.user_name}"))
            state.api_users[key] = user
        if problems:
            raise FixtureLoadError(source, problems)
        state.extra["fixture"] = {k: v for k, v in doc.items() if k not in ("records",)}
        return state

    def add_tenant(self, doc: Mapping[str, Any], source: str = "<fixture>", *, replace: bool = False) -> TenantState:
        state = self.build_tenant(doc, source)
        with self.lock:
            existing = self.tenants.get(state.name)
            if existing is not None and not replace:
                raise FixtureLoadError(source, [FixtureProblem("tenant", "name", f"tenant {state.name!r} already exists")])
            for key in state.api_users:
                owner = self.users.get(key)
                if owner is not None and owner[0].name != state.name:
                    raise FixtureLoadError(
                        source,
                        [FixtureProblem("apiUsers", "userName", f"{key} already belongs to tenant {owner[0].name!r}")],
                    )
            if existing is not None:
                self._unregister(existing)
            self.tenants[state.name] = state
            for key, user in state.api_users.items():
                self.users[key] = (state, user)
            # Kept by reference (building never mutates it): a deep copy of a 100k-record document costs
            # more than loading it.
            self.sources[state.name] = doc
        freeze_if_large(state)
        return state

    def _unregister(self, state: TenantState) -> None:
        self.tenants.pop(state.name, None)
        for key in list(state.api_users):
            if self.users.get(key, (None,))[0] is state:
                del self.users[key]

    def remove_tenant(self, name: str) -> bool:
        with self.lock:
            state = self.tenants.get(name)
            if state is None:
                return False
            self._unregister(state)
            self.sources.pop(name, None)
            return True

    def reset_tenant(self, name: str) -> TenantState | None:
        """Rebuild a tenant from the fixture it was created from."""
        with self.lock:
            doc = self.sources.get(name)
            if doc is None:
                return None
            return self.add_tenant(doc, f"<reset {name}>", replace=True)

    def export_tenant(self, name: str) -> dict[str, Any] | None:
        state = self.tenants.get(name)
        if state is None:
            return None
        with state.lock:
            base = dict(state.extra.get("fixture") or {})
            base["format"] = FORMAT_VERSION
            tenant = dict(base.get("tenant") or {})
            tenant["name"] = state.name
            now: datetime = state.clock.now()
            tenant["clock"] = now.isoformat().replace("+00:00", "Z")
            if state.clock.frozen:
                tenant["clockFrozen"] = True
            base["tenant"] = tenant
            base["picklists"] = {
                key: [dict(item) for item in items] for key, items in sorted(state.picklists.items())
            }
            base["userDefinedFields"] = {
                entity: [d.to_fixture() for d in defs.values()] for entity, defs in sorted(state.udfs.items())
            }
            base["records"] = state.export_records()
            return base
