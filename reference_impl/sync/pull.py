"""One pull pass (Autotask → documentation platform).

Data flow (ARCHITECTURE.md): client → scope → matching → decisions → docstore transaction → sync log.

1. **Fetch everything first.** Metadata, companies, locations, contacts, configuration items and tickets are fetched
   before anything is written. A credential, permission, transient-exhausted or truncated fetch raises, and the pass
   aborts having changed nothing (C-11, O-08). Full passes prove completeness with ``query/count``.
2. **Plan** (pure, ``plan.py``) and **apply per organization**: the organization and all its children are written in
   one transaction, links included, so a crash leaves each organization consistent and the next pass finishes
   without duplicates.
3. **Finish**: parents (FM-O3), configuration type states (SC-12), watermarks, status and the completion log (ST-02).

Incremental passes query only records changed since the last watermark (lastActivityDate / lastModifiedDate /
lastModifiedTime) and never orphan by absence, because absence from a filtered query proves nothing (O-08).

What a pass reads from the docstore follows the same logic (issue 4: an incremental pass costs what changed, not the
size of the tenant). A kind enumerated completely is read whole, since any record of it may be orphaned by absence.
Otherwise the pass reads only what can take part in a decision: the records linked to the fetched Autotask ids, the
match candidates (never linked or orphaned, M-09/M-12/M-13) of the organizations receiving unlinked records (M-14) or,
for organizations, carrying an unlinked company's name (M-01), and the links the fetched records refer to. The pure
planner sees every record that could change its answer, so the decisions equal those of a pass that read everything
(tests/reference_impl/test_ri_incremental_equivalence.py checks exactly that).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from reference_impl.client import AutotaskClient, AutotaskError
from reference_impl.clock import Clock, iso
from reference_impl.docstore import DocStore, Record
from reference_impl.sync import plan as P
from reference_impl.sync.mapping import (
    CONTACT_ADDRESS_FIELDS,
    ENTITY_OF,
    Lookups,
    PullContext,
    Ref,
    pull_fields,
)
from reference_impl.sync.pass_result import CHILD_KINDS, KINDS, KindCounts, PassResult, ProgressFn
from reference_impl.sync.pull_fetch import INCREMENTAL_FIELDS, WATERMARK_OVERLAP, Fetched, FetchSteps
from reference_impl.sync.scope import (
    company_in_scope,
    company_invalid_reason,
    device_in_scope,
    ticket_in_scope,
    ticket_in_window,
    ticket_queue_selected,
)
from reference_impl.sync.settings import SyncSettings

# Re-exported: the results (pass_result) and the fetch step (pull_fetch) have their own modules.
__all__ = ["CHILD_KINDS", "INCREMENTAL_FIELDS", "KINDS", "WATERMARK_OVERLAP", "Fetched", "KindCounts", "PassResult",
           "ProgressFn", "PullPass", "run_pull"]


class _LinkIndex:
    """Autotask id → (local record id, local organization id) of one kind, links in any state, for resolving
    references (M-14, FM-C3, FM-O3) and finding a company's organization.

    Why not a plain dict of every link: that costs the size of the tenant on every pass. A pass that enumerated the
    kind completely has read every record anyway and passes ``everything=True``; an incremental pass starts from the
    links of the records it read and :meth:`prefetch`-es the ids it can ask about before writing anything. Links the
    pass itself creates arrive through :meth:`update` (the per-organization overlays), exactly as with a dict.
    """

    def __init__(self, store: DocStore, kind: str, known: dict[int, tuple[int, int]], *, everything: bool) -> None:
        self._store = store
        self._kind = kind
        self._map = known
        self._absent: set[int] = set()  # looked up and not linked
        self._everything = everything

    def prefetch(self, psa_ids: set[int]) -> None:
        """Read the links of ``psa_ids`` not known yet, in batches."""
        if self._everything:
            return
        missing = {p for p in psa_ids if p not in self._map and p not in self._absent}
        if missing:
            found = self._store.link_targets(self._kind, missing)
            self._map.update(found)
            self._absent |= missing - found.keys()

    def get(self, psa_id: int) -> tuple[int, int] | None:
        hit = self._map.get(psa_id)
        if hit is None and not self._everything and psa_id not in self._absent:
            self.prefetch({psa_id})  # not foreseen by the prefetch: ask the store (still a single indexed read)
            hit = self._map.get(psa_id)
        return hit

    def update(self, found: dict[int, tuple[int, int]]) -> None:
        self._map.update(found)
        self._absent -= found.keys()


class PullPass(FetchSteps):
    """Runs one pass; construct per pass. The fetch step is :class:`~reference_impl.sync.pull_fetch.FetchSteps`."""

    def __init__(self, store: DocStore, client: AutotaskClient, settings: SyncSettings, clock: Clock, *,
                 full: bool, pass_id: int, progress: ProgressFn | None = None) -> None:
        self.store = store
        self.client = client
        self.s = settings
        self.clock = clock
        self.full = full
        self.pass_id = pass_id
        self.progress = progress or (lambda _s, _d, _t: None)
        self.result = PassResult(pass_id=pass_id, full=full, status="running")
        self.now = clock.now()
        self.now_iso = iso(self.now)
        self._memo: dict[tuple[str, int], dict[str, Any]] = {}

    # ================================================================== apply
    def apply(self, fx: Fetched) -> None:
        s = self.s
        self.ctx = PullContext(lookups=fx.lookups, mac_udf_name=s.mac_udf_name)
        for loc in fx.records["location"]:
            if loc.get("isPrimary") in (True, 1, "true", "True") and isinstance(loc.get("companyID"), int):
                self.ctx.primary_location[int(loc["companyID"])] = int(loc["id"])
        # children grouped by company
        by_company: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: {k: [] for k in CHILD_KINDS})
        for k in CHILD_KINDS:
            for r in fx.records[k]:
                cid = r.get("companyID")
                if isinstance(cid, int):
                    by_company[cid][k].append(r)
        self.present = {k: {int(r["id"]) for r in fx.records[k]} for k in KINDS}
        self.complete = fx.complete

        # Organizations are matched globally (M-01), so plan them all at once.
        companies = fx.records["organization"]
        orgs = self._load_organizations(companies, by_company)
        self.org_by_id = {r.id: r for r in orgs}
        decisions = P.plan("organization", companies, orgs,
                           in_scope=lambda co: company_in_scope(co, s),
                           mapped=lambda co: {"name": co.get("companyName")},
                           invalid=company_invalid_reason, absent_orphans=fx.complete["organization"],
                           present_ids=self.present["organization"])
        company_by_id = {int(co["id"]): co for co in companies}
        # psa id → (record id, org id) for resolving references (organizations, contacts, locations, configurations)
        self.local: dict[str, _LinkIndex] = {"organization": _LinkIndex(
            self.store, "organization", {r.link.psa_id: (r.id, r.id) for r in orgs if r.link},
            everything=fx.complete["organization"])}

        # The existing organization each company's children will be written to (None: new or never linked).
        org_of: dict[int, int | None] = {d.psa_id: d.record_id for d in decisions}
        self.local["organization"].prefetch(set(by_company))  # one batched read for the companies not fetched
        for cid in by_company:
            if cid not in org_of:
                hit = self.local["organization"].get(cid)
                org_of[cid] = hit[0] if hit else None
        self.children: dict[str, dict[int, list[Record]]] = {}
        self.links_by_psa: dict[str, dict[int, Record]] = {}
        for k in CHILD_KINDS:
            recs = self._load_children(k, by_company, org_of)
            grouped: dict[int, list[Record]] = defaultdict(list)
            for rec in recs:
                grouped[int(rec.organization_id or 0)].append(rec)
            self.children[k] = grouped
            self.links_by_psa[k] = {rec.link.psa_id: rec for rec in recs if rec.link}
            self.local[k] = _LinkIndex(self.store, k, {p: (r.id, int(r.organization_id or 0))
                                                       for p, r in self.links_by_psa[k].items()},
                                       everything=fx.complete[k])
        self._prefetch_references(fx)

        units: list[tuple[int, P.Decision | None]] = [(d.psa_id, d) for d in decisions]
        decided = {d.psa_id for d in decisions}
        for cid in sorted(by_company):
            if cid not in decided:
                units.append((cid, None))  # incremental: company unchanged, children changed
        units.sort(key=lambda u: u[0])
        total = len(units)
        for i, (cid, d) in enumerate(units, 1):
            if i % 200 == 0 or i == total:
                self.progress("Writing organizations", i, total)
            self._unit(cid, d, company_by_id.get(cid), by_company.get(cid))
        self._finish_parents(companies)

    def _load_organizations(self, companies: list[dict[str, Any]],
                            by_company: dict[int, dict[str, list[dict[str, Any]]]]) -> list[Record]:
        """The organizations this pass can touch, in id order.

        After a complete enumeration every organization is needed: one that no fetched company claims is orphaned
        by absence (O-01, O-08). Otherwise only two kinds of organization can be involved, so only those are read
        (issue 4: an incremental pass costs what changed, not the size of the tenant): the ones linked (in any
        state) to a fetched company or to the company of a fetched child, and the match candidates — never linked
        or orphaned (M-09, M-12, M-13) — carrying the name of a fetched company that has no link (M-01). The pure
        planner still applies every matching rule to them, so the decisions are those of a pass that read all."""
        if self.complete["organization"]:
            return self.store.list_records("organization")
        linked = self.store.records_linked_to("organization", {int(co["id"]) for co in companies} | set(by_company))
        claimed = {r.link.psa_id for r in linked if r.link}
        # org_key (M-06, M-11): only non-blank names can match, and stored names are text.
        company_names = (co.get("companyName") for co in companies if int(co["id"]) not in claimed)
        names = {n for n in company_names if isinstance(n, str) and n != ""}
        candidates = self.store.match_candidates("organization", names=names) if names else []
        by_id = {r.id: r for r in linked}
        for r in candidates:
            by_id.setdefault(r.id, r)
        return [by_id[i] for i in sorted(by_id)]

    def _load_children(self, kind: str, by_company: dict[int, dict[str, list[dict[str, Any]]]],
                       org_of: dict[int, int | None]) -> list[Record]:
        """The documentation records of one child kind this pass can touch, in id order.

        A complete enumeration needs them all (absence orphans, O-01/O-08). Otherwise: the records linked to a
        fetched Autotask id (wherever they are: a record may have moved company), and, only in organizations that
        receive a fetched record with no link yet, that organization's match candidates (M-09, M-12, M-13, M-14).
        Every other record of the organization is neither a candidate nor decided, so leaving it unread changes no
        decision."""
        if self.complete[kind]:
            return self.store.list_records(kind)
        linked = self.store.records_linked_to(kind, self.present[kind])
        claimed = {r.link.psa_id for r in linked if r.link}
        want_orgs: set[int] = set()
        for cid, kids in by_company.items():
            oid = org_of.get(cid)
            if oid is not None and any(int(r["id"]) not in claimed for r in kids[kind]):
                want_orgs.add(oid)
        by_id = {r.id: r for r in linked}
        if want_orgs:
            for r in self.store.match_candidates(kind, organization_ids=want_orgs):
                by_id.setdefault(r.id, r)  # one object per record: the writer updates it in place
        return [by_id[i] for i in sorted(by_id)]

    def _prefetch_references(self, fx: Fetched) -> None:
        """Read, in a few batched queries and before anything is written, the links of every Autotask id the
        fetched records refer to (their companies, parents FM-O3, contacts and locations FM-C3, primary locations
        FM-O2, ticket configurations), so reference resolution sees the links as they were when the pass started —
        as a pass that had loaded every link would — without loading every link."""
        if all(fx.complete.values()):
            return  # every index already holds every link
        wanted: dict[str, set[int]] = {k: set() for k in KINDS}
        wanted["organization"].update(int(r["companyID"]) for k in CHILD_KINDS for r in fx.records[k]
                                      if isinstance(r.get("companyID"), int))
        for kind in KINDS:
            for r in fx.records[kind]:
                wanted[kind].add(int(r["id"]))
                try:
                    mapped = self._fields(kind, r)
                except Exception:  # the record's own unit meets this again and fails alone there (CR-04)
                    continue
                for v in mapped.values():
                    refs = v if isinstance(v, list) else [v]
                    for ref in refs:
                        if isinstance(ref, Ref) and isinstance(ref.psa_id, int):
                            wanted[ref.kind].add(ref.psa_id)
        for kind, ids in wanted.items():
            self.local[kind].prefetch(ids)

    def _unit(self, cid: int, d: P.Decision | None, company: dict[str, Any] | None,
              kids: dict[str, list[dict[str, Any]]] | None) -> None:
        """Everything for one organization, in one transaction (issue 4: crash consistency)."""
        kids = kids or {k: [] for k in CHILD_KINDS}
        org_rec: Record | None = None
        if d is not None and d.record_id is not None:
            org_rec = self.org_by_id.get(d.record_id)
        elif d is None:
            hit = self.local["organization"].get(cid)
            org_rec = self.org_by_id.get(hit[0]) if hit else None
        if d is not None and d.action in (P.SKIP, P.INVALID) or (d is None and org_rec is None):
            if d is not None and d.action == P.INVALID:
                self.result.counts["organization"].failed += 1
                self.store.log(self.pass_id, "error", f"Company with UID {cid} could not be pulled: {d.reason} "
                               "(CR-04)", kind="organization", psa_id=cid)
            elif d is not None:
                self.result.counts["organization"].skipped += 1
            for k in CHILD_KINDS:  # CR-03: children of an unlinked company are skipped
                self.result.counts[k].skipped += len(kids[k])
            return
        overlay: dict[str, dict[int, tuple[int, int]]] = {k: {} for k in KINDS}
        counts_before = {k: dict(vars(v)) for k, v in self.result.counts.items()}
        logs: list[tuple[str, str, str | None, int | None, int | None]] = []
        try:
            with self.store.transaction():
                org_id, org_state = self._apply_org(cid, d, company, org_rec, overlay, logs)
                if org_id is not None and org_state in ("enabled", "error", "disabled"):
                    self._apply_children(cid, org_id, company, kids, overlay, logs)
                elif org_id is not None:
                    cascaded = self.store.orphan_children(org_id)  # O-04
                    for k, n in cascaded.items():
                        self.result.counts[k].orphaned += n
                    for k in CHILD_KINDS:
                        self.result.counts[k].skipped += len(kids[k])
                for lv, msg, kind, psa, rid in logs:
                    self.store.log(self.pass_id, lv, msg, kind=kind, psa_id=psa, record_id=rid)
        except Exception as exc:  # CR-04: one organization failing must not stop the others
            for k, v in counts_before.items():
                for f, n in v.items():
                    setattr(self.result.counts[k], f, n)
            self.result.counts["organization"].failed += 1
            self.store.log(self.pass_id, "error", f"Company with UID {cid} could not be pulled: "
                           f"{exc.__class__.__name__}: {exc} (CR-04)", kind="organization", psa_id=cid)
            return
        for k, m in overlay.items():
            self.local[k].update(m)

    # ------------------------------------------------------------------ organization
    def _apply_org(self, cid: int, d: P.Decision | None, company: dict[str, Any] | None, rec: Record | None,
                   overlay: dict[str, dict[int, tuple[int, int]]], logs: list[Any]) -> tuple[int | None, str | None]:
        cnt = self.result.counts["organization"]
        if d is None:
            assert rec is not None
            return rec.id, rec.link.state if rec.link else None
        a = d.action
        if a == P.SKIP_DISABLED:
            cnt.skipped += 1
            return d.record_id, "disabled"
        if a == P.KEEP:
            return d.record_id, rec.link.state if rec and rec.link else "orphaned"
        if a == P.ORPHAN:
            assert d.record_id is not None
            self.store.set_link_state("organization", d.record_id, "orphaned")
            cnt.orphaned += 1
            logs.append(("warning", f"Organization {d.record_id} orphaned: {d.reason}", "organization", cid,
                         d.record_id))
            return d.record_id, "orphaned"
        assert company is not None
        fields = self._fields("organization", company)
        fields.pop("parent_id", None)  # set after all organizations are linked (FM-O3)
        fields.pop("primary_location_id", None)  # set after the locations of this unit (FM-O2)
        changed_at = company.get(INCREMENTAL_FIELDS["organization"])
        if a == P.CREATE:
            rid = self.store.create_record("organization", fields)
            cnt.created += 1
        else:
            assert d.record_id is not None and rec is not None
            rid = d.record_id
            self._write_changes("organization", rec, fields)
            if a == P.MATCH:
                cnt.linked += 1
                logs.append(("info", f"Company {cid} matched existing organization {rid} by name (M-01)",
                             "organization", cid, rid))
            elif a == P.RELINK:
                cnt.relinked += 1
                logs.append(("info", f"Organization {rid} re-linked: back in scope (O-06)", "organization", cid, rid))
        keep_error = bool(rec and rec.link and rec.link.state == "error" and a == P.UPDATE)
        self.store.set_link("organization", rid, cid, "error" if keep_error else "enabled",
                            psa_changed_at=_s(changed_at), synced_at=self.now_iso,
                            error=rec.link.error if keep_error and rec and rec.link else None)
        overlay["organization"][cid] = (rid, rid)
        return rid, "enabled"

    def _fields(self, kind: str, at: dict[str, Any]) -> dict[str, Any]:
        """Mapped fields of an Autotask record (memoised: the planner and the writer both need them)."""
        key = (kind, int(at["id"]))
        hit = self._memo.get(key)
        if hit is None:
            hit = pull_fields(kind, at, self.ctx, contacts=self.s.contacts_enabled,
                              locations=self.s.locations_enabled)
            self._memo[key] = hit
        return dict(hit)

    def _write_changes(self, kind: str, rec: Record, fields: dict[str, Any], *, count: bool = True,
                       organization_id: int | None = None) -> bool:
        """FM-G1: overwrite mapped fields with the Autotask values; write only what differs."""
        changes = {k: v for k, v in fields.items() if rec.fields.get(k) != v}
        if kind == "configuration" and ("manufacturer" in changes or "model" in changes):
            changes["manufacturer"] = fields.get("manufacturer")
            changes["model"] = fields.get("model")
        moved = organization_id is not None and rec.organization_id != organization_id
        if changes or moved:
            self.store.update_record(kind, rec.id, changes, organization_id=organization_id if moved else None)
            rec.fields.update(changes)
        if count:
            c = self.result.counts[kind]
            if changes or moved:
                c.updated += 1
            else:
                c.unchanged += 1
        return bool(changes)

    # ------------------------------------------------------------------ children
    def _apply_children(self, cid: int, org_id: int, company: dict[str, Any] | None,
                        kids: dict[str, list[dict[str, Any]]], overlay: dict[str, dict[int, tuple[int, int]]],
                        logs: list[Any]) -> None:
        s = self.s
        scope: dict[str, Callable[[dict[str, Any]], bool]] = {
            "location": lambda _r: s.locations_enabled,  # SC-05
            "contact": lambda _r: s.contacts_enabled,  # SC-04
            "configuration": lambda r: device_in_scope(r, s),  # SC-02
            "ticket": lambda r: ticket_in_scope(r, s, self.now),  # SC-07
        }
        frozen = {"ticket": (lambda r: s.ticket_out_of_window == "freeze" and ticket_queue_selected(r, s)
                             and not ticket_in_window(r, s, self.now))}
        for kind in CHILD_KINDS:
            records = self.children[kind].get(org_id, [])
            decisions = P.plan(kind, kids[kind], records, org_id=org_id,
                               in_scope=scope[kind],
                               mapped=functools.partial(self._fields, kind),
                               links_by_psa=self.links_by_psa[kind],
                               absent_orphans=self.complete[kind],
                               present_ids=self.present[kind],
                               frozen=frozen.get(kind, lambda _r: False),
                               canonicalize_mac=s.canonicalize_mac)
            by_id = {int(r["id"]): r for r in kids[kind]}
            rec_by_id = {r.id: r for r in records}
            for d in decisions:
                self._apply_child(kind, org_id, d, by_id.get(d.psa_id), rec_by_id, overlay, logs)
        if s.locations_enabled and company is not None:
            # FM-O2: the org's primary location is the Autotask primary location (same name).
            ploc = self.ctx.primary_location.get(cid)
            if ploc is not None:
                hit = self._resolve("location", ploc, org_id, overlay)
                org = self.org_by_id.get(org_id)
                cur = org.fields.get("primary_location_id") if org else None
                if hit is not None and hit != cur:
                    self.store.update_record("organization", org_id, {"primary_location_id": hit})
                    if org:
                        org.fields["primary_location_id"] = hit

    def _resolve(self, kind: str, psa_id: int | None, org_id: int,
                 overlay: dict[str, dict[int, tuple[int, int]]]) -> int | None:
        """Autotask id → local id, only inside the same organization (M-14, FM-C3)."""
        if psa_id is None:
            return None
        hit = overlay[kind].get(psa_id) or self.local[kind].get(psa_id)
        if hit is None or hit[1] != org_id:
            return None
        return hit[0]

    def _apply_child(self, kind: str, org_id: int, d: P.Decision, at: dict[str, Any] | None,
                     rec_by_id: dict[int, Record], overlay: dict[str, dict[int, tuple[int, int]]],
                     logs: list[Any]) -> None:
        cnt = self.result.counts[kind]
        a = d.action
        if a in (P.SKIP, P.SKIP_DISABLED):
            cnt.skipped += 1
            return
        if a == P.KEEP:
            return
        if a == P.INVALID:
            cnt.failed += 1
            logs.append(("error", f"{ENTITY_OF[kind]} record with UID {d.psa_id} could not be pulled: {d.reason}",
                         kind, d.psa_id, None))
            return
        if a == P.ORPHAN:
            assert d.record_id is not None
            self.store.set_link_state(kind, d.record_id, "orphaned")
            cnt.orphaned += 1
            logs.append(("warning", f"{kind.capitalize()} {d.record_id} orphaned: {d.reason}", kind, d.psa_id,
                         d.record_id))
            return
        assert at is not None
        fields = self._fields(kind, at)
        self._resolve_refs(kind, org_id, at, fields, overlay, rec_by_id.get(d.record_id or -1), logs)
        changed_at = _s(at.get(INCREMENTAL_FIELDS.get(kind, ""))) if kind in INCREMENTAL_FIELDS else None
        rec = rec_by_id.get(d.record_id or -1) if d.record_id is not None else None
        if rec is None and d.record_id is not None:
            rec = self.store.get_record(kind, d.record_id)  # linked record currently in another org (moved)
        if a == P.CREATE:
            rid = self.store.create_record(kind, fields, organization_id=org_id)
            cnt.created += 1
            state = "enabled"
        else:
            assert rec is not None
            rid = rec.id
            self._write_changes(kind, rec, fields, count=(a == P.UPDATE), organization_id=org_id)
            state = "error" if (a == P.UPDATE and rec.link and rec.link.state == "error") else "enabled"
            if a == P.MATCH:
                cnt.linked += 1
            elif a == P.RELINK:
                cnt.relinked += 1
                logs.append(("info", f"{kind.capitalize()} {rid} re-linked: back in scope (O-06)", kind,
                             d.psa_id, rid))
        err = rec.link.error if (state == "error" and rec is not None and rec.link) else None
        company = at.get("companyID")
        self.store.set_link(kind, rid, d.psa_id, state, psa_changed_at=changed_at, synced_at=self.now_iso, error=err,
                            psa_company_id=company if isinstance(company, int) else None)  # FM-C7/FM-K3 move check
        overlay[kind][d.psa_id] = (rid, org_id)
        if kind == "configuration":
            self._warn_masked(at, rid, logs)

    def _resolve_refs(self, kind: str, org_id: int, at: dict[str, Any], fields: dict[str, Any],
                      overlay: dict[str, dict[int, tuple[int, int]]], rec: Record | None, logs: list[Any]) -> None:
        for name, v in list(fields.items()):
            if isinstance(v, Ref):
                fields[name] = self._resolve(v.kind, v.psa_id, org_id, overlay)
            elif isinstance(v, list) and v and all(isinstance(x, Ref) for x in v):
                fields[name] = [x for x in (self._resolve(r.kind, r.psa_id, org_id, overlay) for r in v)
                                if x is not None]
        if kind == "contact" and self.s.locations_enabled and at.get("companyLocationID") in (None, 0):
            # FM-K1: a hand-typed address becomes a new, unsynced location (no link); created once, then kept.
            # Q28: when the contact also has an Autotask location, the location wins (handled above).
            addr = {k: at.get(k) for k in CONTACT_ADDRESS_FIELDS}
            if any(v not in (None, "") for v in addr.values()):
                current = rec.fields.get("location_id") if rec else None
                if current is not None and self.store.get_link("location", current) is None:
                    fields["location_id"] = current
                else:
                    country = Lookups.label(self.ctx.lookups.countries, at.get("countryID"))
                    loc_fields = {"name": " ".join(x for x in (at.get("firstName"), at.get("lastName")) if x)
                                  or "Contact address",
                                  "address1": at.get("addressLine") or at.get("addressLine1"),
                                  "address2": at.get("addressLine1") if at.get("addressLine") else None,
                                  "city": at.get("city"), "region": at.get("state"),
                                  "postal_code": at.get("zipCode"), "country": country}
                    fields["location_id"] = self.store.create_record("location", loc_fields,
                                                                     organization_id=org_id)
                    logs.append(("info", f"Contact {at.get('id')}: manually entered address stored as an "
                                 "unsynced location (FM-K1)", "contact", at.get("id"), None))
            elif rec is not None and rec.fields.get("location_id") is not None and \
                    self.store.get_link("location", rec.fields["location_id"]) is None:
                fields["location_id"] = rec.fields["location_id"]

    def _warn_masked(self, at: dict[str, Any], rid: int, logs: list[Any]) -> None:
        from reference_impl.sync.macs import MASKED
        for u in at.get("userDefinedFields") or []:
            v = u.get("value") if isinstance(u, dict) else None
            if isinstance(v, str) and MASKED.match(v):
                logs.append(("warning", f"Configuration item {at.get('id')}: UDF '{u.get('name')}' is protected "
                             "and arrived masked; stored as unavailable. Grant the API user 'View Protected Data' "
                             "(C-09, Q26).", "configuration", at.get("id"), rid))
                return

    # ------------------------------------------------------------------ finish
    def _finish_parents(self, companies: list[dict[str, Any]]) -> None:
        """FM-O3/Q16: parent set only when the parent company is linked (enabled); otherwise empty. A parent that
        would close a cycle (Autotask normally prevents them) is left empty, so the org tree stays a tree."""
        parent_of: dict[int, int | None] = {oid: r.fields.get("parent_id") for oid, r in self.org_by_id.items()}

        def parent(oid: int) -> int | None:
            # An incremental pass has not read every organization: walk the rest of the chain in the store. Parent
            # ids are only written below, so the store holds the same values a full read would have seen.
            if oid not in parent_of:
                rec = self.store.get_record("organization", oid)
                parent_of[oid] = rec.fields.get("parent_id") if rec is not None else None
            return parent_of[oid]

        def closes_cycle(child: int, parent_id: int) -> bool:
            seen = 0
            cur: int | None = parent_id
            while cur is not None and seen < 10_000:
                if cur == child:
                    return True
                cur = parent(cur)
                seen += 1
            return False

        with self.store.transaction():
            for co in companies:
                hit = self.local["organization"].get(int(co["id"]))
                if hit is None:
                    continue
                org = self.store.get_record("organization", hit[0])
                if org is None or org.link is None or org.link.state not in ("enabled", "error"):
                    continue
                parent_psa = co.get("parentCompanyID")
                parent_id = None
                if isinstance(parent_psa, int):
                    ph = self.local["organization"].get(parent_psa)
                    if ph is not None and ph[0] != org.id:
                        plink = self.store.get_link("organization", ph[0])
                        if plink is not None and plink.state in ("enabled", "error"):
                            parent_id = ph[0]
                if parent_id is not None and closes_cycle(org.id, parent_id):
                    self.store.log(self.pass_id, "warning", f"Company {co['id']}: parent {parent_psa} would make "
                                   "a parent cycle; Parent Organization left empty (Q16)", kind="organization",
                                   psa_id=int(co["id"]), record_id=org.id)
                    parent_id = None
                if org.fields.get("parent_id") != parent_id:
                    self.store.update_record("organization", org.id, {"parent_id": parent_id})
                parent_of[org.id] = parent_id

    def finish(self, fx: Fetched) -> None:
        s = self.s
        with self.store.transaction():
            self.store.cache_put("lookups", fx.lookups.to_json())
            for entity, mark in fx.watermarks.items():
                old = self.store.watermark(entity)
                if old is None or mark > old:
                    self.store.set_watermark(entity, mark)
            if self.full:
                # SC-12: selected types are Enabled, deselected ones stay as Disabled; 'Autotask Default' follows
                # the 'without type' setting.
                for tid, name in fx.lookups.ci_types.items():
                    if not name:
                        continue
                    existing = {t["name"] for t in self.store.configuration_types()}
                    if tid in s.ci_types:
                        self.store.set_configuration_type_state(name, "enabled", int(tid))
                    elif name in existing:
                        self.store.set_configuration_type_state(name, "disabled", int(tid))
                from reference_impl.sync.mapping import AUTOTASK_DEFAULT_TYPE
                if s.sync_without_ci_type:
                    self.store.set_configuration_type_state(AUTOTASK_DEFAULT_TYPE, "enabled")
                elif AUTOTASK_DEFAULT_TYPE in {t["name"] for t in self.store.configuration_types()}:
                    self.store.set_configuration_type_state(AUTOTASK_DEFAULT_TYPE, "disabled")


def run_pull(store: DocStore, client: AutotaskClient, settings: SyncSettings, clock: Clock, *, full: bool,
             pass_id: int, progress: ProgressFn | None = None) -> PassResult:
    """Fetch, apply, finish. Autotask errors propagate from the fetch before anything is written."""
    t0 = time.perf_counter()
    calls0 = client.stats.calls
    p = PullPass(store, client, settings, clock, full=full, pass_id=pass_id, progress=progress)
    try:
        fx = p.fetch()
    except AutotaskError:
        p.result.api_calls = client.stats.calls - calls0
        p.result.duration_s = time.perf_counter() - t0
        raise
    p.apply(fx)
    p.finish(fx)
    p.result.status = "ok"
    p.result.api_calls = client.stats.calls - calls0
    p.result.duration_s = time.perf_counter() - t0
    return p.result


def _s(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return iso(v)
    return str(v)
