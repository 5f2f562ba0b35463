"""The fetch step of a pull pass: everything is read from Autotask before anything is written (C-11, O-08).

A mixin of :class:`reference_impl.sync.pull.PullPass` (which documents the whole pass): metadata, companies,
locations, contacts, configuration items and tickets, full or incremental (watermarks), with ``query/count``
proving a full enumeration complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reference_impl.client import ALL, AutotaskClient, RequestError
from reference_impl.clock import format_at_datetime, iso, parse_at_datetime
from reference_impl.docstore import DocStore
from reference_impl.sync.mapping import ENTITY_OF, Lookups, include_fields
from reference_impl.sync.pass_result import KINDS, PassResult, ProgressFn
from reference_impl.sync.scope import ticket_window_start
from reference_impl.sync.settings import SyncSettings

# Change-time fields used for incremental queries; CompanyLocations have none (fetched per changed company).
INCREMENTAL_FIELDS = {"organization": "lastActivityDate", "contact": "lastModifiedDate",
                      "configuration": "lastModifiedTime", "ticket": "lastActivityDate"}


WATERMARK_OVERLAP = timedelta(minutes=10)  # re-read a little: records modified while the last pass was paging


@dataclass
class Fetched:
    lookups: Lookups
    records: dict[str, list[dict[str, Any]]]
    complete: dict[str, bool]  # enumeration proven complete → absence may orphan (O-08)
    watermarks: dict[str, str]


class FetchSteps:
    """The fetch half of a pull pass; PullPass sets these attributes."""

    store: DocStore
    client: AutotaskClient
    s: SyncSettings
    full: bool
    now: datetime
    progress: ProgressFn
    result: PassResult

    # ================================================================== fetch (all-or-nothing)
    def fetch(self) -> Fetched:
        s, c = self.s, self.client
        cached = Lookups.from_json(self.store.cache_get("lookups"))
        lk = cached
        records: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        complete = dict.fromkeys(KINDS, False)
        marks: dict[str, str] = {}

        if self.full or not cached.company_types:
            pk = self._picklists("Companies")
            lk.company_types = pk.get("companyType", lk.company_types)
            lk.classifications = pk.get("classification", lk.classifications)
        if s.queues and (self.full or not cached.queues):
            pk = self._picklists("Tickets")
            lk.queues = pk.get("queueID", lk.queues)
            lk.ticket_statuses = pk.get("status", lk.ticket_statuses)
            lk.ticket_priorities = pk.get("priority", lk.ticket_priorities)

        # Companies
        self.progress("Fetching companies", 0, 0)
        records["organization"], complete["organization"] = self._fetch_kind("organization", list(ALL), marks)
        # Contacts (SC-04: not fetched at all when contact sync is off; a full pass then orphans linked contacts)
        if s.contacts_enabled:
            self.progress("Fetching contacts", 0, 0)
            records["contact"], complete["contact"] = self._fetch_kind("contact", list(ALL), marks)
        else:
            complete["contact"] = self.full
        # Configuration items
        self.progress("Fetching configuration items", 0, 0)
        records["configuration"], complete["configuration"] = self._fetch_kind("configuration", list(ALL), marks)
        # Tickets: queue filter server-side (numeric, so case-insensitivity is irrelevant); the window is checked
        # exactly client-side (Q23) after a generous server-side pre-filter.
        if s.queues:
            self.progress("Fetching tickets", 0, 0)
            flt: list[dict[str, Any]] = [{"op": "in", "field": "queueID", "value": sorted(
                int(q) if q.lstrip("-").isdigit() else q for q in s.queues)}]
            start = ticket_window_start(s, self.now)
            if start is not None and s.ticket_out_of_window == "orphan":
                pre = format_at_datetime(start - timedelta(days=2))
                flt.append({"op": "or", "items": [{"op": "gte", "field": "createDate", "value": pre},
                                                  {"op": "gte", "field": "lastActivityDate", "value": pre}]})
            records["ticket"], complete["ticket"] = self._fetch_kind("ticket", flt, marks)
        else:
            complete["ticket"] = self.full
        # Locations (SC-05). No change-time field: full passes read all, incremental ones read the locations of
        # changed companies and any referenced location not linked yet.
        if s.locations_enabled:
            self.progress("Fetching locations", 0, 0)
            if self.full:
                records["location"] = self.client.query_all("CompanyLocations", list(ALL),
                                                             include_fields("location"), verify_count=True)
                complete["location"] = True
            else:
                records["location"] = self._incremental_locations(records)
            self.result.counts["location"].fetched = len(records["location"])
        else:
            complete["location"] = self.full

        # Lookups referenced by the fetched records
        cis = records["configuration"]
        type_ids = {str(ci["configurationItemType"]) for ci in cis if ci.get("configurationItemType")}
        if self.full or not type_ids <= lk.ci_types.keys():
            lk.ci_types = {str(t["id"]): str(t.get("name") or "") for t in
                           c.query_all("ConfigurationItemTypes", list(ALL), ["id", "name"])}
        lk.products = self._by_id("Products", {ci["productID"] for ci in cis if ci.get("productID")}, lk.products,
                                  ["id", "name", "manufacturerName", "manufacturerProductName"],
                                  lambda p: {"name": p.get("name"), "manufacturerName": p.get("manufacturerName"),
                                             "manufacturerProductName": p.get("manufacturerProductName")})
        lk.resources = self._by_id("Resources", {ci["installedByID"] for ci in cis if ci.get("installedByID")},
                                   lk.resources, ["id", "firstName", "lastName"],
                                   lambda r: " ".join(x for x in (r.get("firstName"), r.get("lastName")) if x))
        if s.locations_enabled and (self.full or not lk.countries):
            countries = self._optional(lambda: c.query_all("Countries", list(ALL), ["id", "name"]))
            if countries is not None:
                lk.countries = {str(x["id"]): str(x.get("name") or "") for x in countries}
        return Fetched(lookups=lk, records=records, complete=complete, watermarks=marks)

    def fetch_one(self, kind: str, psa_id: int) -> Fetched:
        """R-03 'Sync now': only this Autotask record (no enumeration, so nothing can be orphaned by absence)."""
        lk = Lookups.from_json(self.store.cache_get("lookups"))
        records: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        item = self.client.get(ENTITY_OF[kind], psa_id)
        if item is not None:
            records[kind] = [item]
            if kind == "configuration":
                lk.products = self._by_id("Products", {item.get("productID")}, lk.products,
                                          ["id", "name", "manufacturerName", "manufacturerProductName"],
                                          lambda p: {"name": p.get("name"), "manufacturerName":
                                                     p.get("manufacturerName"), "manufacturerProductName":
                                                     p.get("manufacturerProductName")})
                if item.get("configurationItemType") and str(item["configurationItemType"]) not in lk.ci_types:
                    lk.ci_types = {str(t["id"]): str(t.get("name") or "") for t in
                                   self.client.query_all("ConfigurationItemTypes", list(ALL), ["id", "name"])}
        return Fetched(lookups=lk, records=records, complete=dict.fromkeys(KINDS, False), watermarks={})

    def _fetch_kind(self, kind: str, base: list[dict[str, Any]], marks: dict[str, str]
                    ) -> tuple[list[dict[str, Any]], bool]:
        entity = ENTITY_OF[kind]
        since_field = INCREMENTAL_FIELDS.get(kind)
        wm = self.store.watermark(entity) if (since_field and not self.full) else None
        if wm is not None and since_field:
            since = parse_at_datetime(wm)
            assert since is not None
            flt = [*[f for f in base if f != ALL[0]],
                   {"op": "gte", "field": since_field, "value": format_at_datetime(since - WATERMARK_OVERLAP)}]
            items = self.client.query_all(entity, flt, include_fields(kind))
            done = False
        else:
            items = self.client.query_all(entity, base, include_fields(kind), verify_count=True)
            done = True
        if since_field:
            seen = [t for t in (parse_at_datetime(i.get(since_field)) for i in items) if t is not None]
            if seen:
                marks[entity] = iso(max(seen))
        self.result.counts[kind].fetched = len(items)
        return items, done and self.full

    def _incremental_locations(self, records: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        companies = {int(co["id"]) for co in records["organization"]}
        referenced = {r.get("companyLocationID") for k in ("contact", "configuration") for r in records[k]}
        referenced_ids = {lid for lid in referenced if isinstance(lid, int)}
        wanted_ids = referenced_ids - self.store.link_targets("location", referenced_ids).keys()  # one query
        out: dict[int, dict[str, Any]] = {}
        if companies:
            for r in self.client.query_in("CompanyLocations", "companyID", sorted(companies),
                                          include_fields=include_fields("location")):
                out[int(r["id"])] = r
        wanted_ids -= out.keys()
        if wanted_ids:
            for r in self.client.query_in("CompanyLocations", "id", sorted(wanted_ids),
                                          include_fields=include_fields("location")):
                out[int(r["id"])] = r
        return [out[k] for k in sorted(out)]

    def _by_id(self, entity: str, ids: set[Any], cache: dict[str, Any], fields: list[str],
               conv: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        """Fetch referenced metadata records by id; a full pass refreshes them, incremental ones only fill gaps."""
        want = {int(i) for i in ids if isinstance(i, int)}
        if not self.full:
            want = {i for i in want if str(i) not in cache}
        if not want:
            return cache
        got = self._optional(lambda: self.client.query_in(entity, "id", sorted(want), include_fields=fields))
        out = dict(cache)
        for r in got or []:
            out[str(r["id"])] = conv(r)
        return out

    def _picklists(self, entity: str) -> dict[str, dict[str, str]]:
        got = self._optional(lambda: self.client.picklists(entity))
        return got or {}

    def _optional(self, fn: Callable[[], Any]) -> Any:
        """Metadata an imitation may lack (404/405): degrade to ids as labels. Credential errors still abort."""
        try:
            return fn()
        except RequestError as exc:
            self.result.warnings.append(f"metadata unavailable: {exc.message}")
            return None
