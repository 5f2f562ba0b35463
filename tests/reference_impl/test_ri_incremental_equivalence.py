"""An incremental pass reads only what changed (issue 4's budget) yet decides exactly as if it had read everything.

The pull loads, in an incremental pass, only the documentation records linked to fetched Autotask ids, the match
candidates of the organizations receiving unlinked records, and the links the fetched records refer to. These tests
run the same seeded scenarios twice — once as shipped, once with the pull forced to read every record and link —
and require identical stores, link states, counts and sync logs. The scenarios are built to hit the rules the
narrowing could break: matching of orphans after a re-create (M-13), disabled records (M-12), duplicate names and
the earliest-created tie-break (M-08, M-09, M-15), per-organization matching (M-14), records moving company, parent
links and cycles (FM-O3, Q16), references to unchanged records (FM-C3), hand-typed contact addresses (FM-K1),
out-of-scope values (O-03, O-04) and the rule that an incremental pass never orphans by absence (O-08).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from ri_fake_autotask import (
    CODE,
    LOOKUP_ROOT,
    SECRET,
    USERNAME,
    FakeAutotask,
    base_settings,
    fake_client_factory,
)

from reference_impl.clock import ManualClock
from reference_impl.docstore import DocStore
from reference_impl.sync import SyncService
from reference_impl.sync import pull as pull_mod

OLD = "2026-01-10T10:00:00Z"
MID = "2026-01-12T00:00:00Z"  # records re-created before the second full pass
NEW = "2026-01-14T00:00:00Z"
KINDS = ("organization", "location", "contact", "configuration", "ticket")


class _ReadEverything(pull_mod._LinkIndex):
    """The reference behaviour: with every record loaded, ``known`` holds every link; never look anything up."""

    def __init__(self, store: DocStore, kind: str, known: dict[int, tuple[int, int]], *, everything: bool) -> None:
        super().__init__(store, kind, known, everything=True)


def read_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull_mod.PullPass, "_load_organizations",
                        lambda self, companies, by_company: self.store.list_records("organization"))
    monkeypatch.setattr(pull_mod.PullPass, "_load_children",
                        lambda self, kind, by_company, org_of: self.store.list_records(kind))
    monkeypatch.setattr(pull_mod, "_LinkIndex", _ReadEverything)


def build_tenant(fake: FakeAutotask, rng: random.Random) -> dict[str, list[int]]:
    """Companies with colliding names, locations with shared addresses, contacts and CIs drawn from small pools of
    names, serials and MACs (so matching has ties to break), parents, tickets."""
    fake.add("ConfigurationItemTypes", id=1, name="Server", isActive=True)
    fake.add("ConfigurationItemTypes", id=2, name="Workstation", isActive=True)
    fake.add("ConfigurationItemTypes", id=3, name="Printer", isActive=True)  # not selected
    fake.add("Products", id=10, name="Box", manufacturerName="Dell", manufacturerProductName="R1")
    fake.add("Countries", id=237, name="United States")
    fake.add("Resources", id=29682885, firstName="Ada", lastName="Admin", email="ada@msp.example", userName="ada",
             licenseType=1, isActive=True)
    ids: dict[str, list[int]] = {"company": [], "location": [], "contact": [], "ci": [], "ticket": []}
    names = ["Acme", "Globex", "Initech", "Umbrella", "Acme"]  # a duplicate name on purpose (M-15)
    for c in range(8):
        cid = 100 + c
        ids["company"].append(cid)
        fake.add("Companies", id=cid, companyName=names[c % len(names)] + ("" if c < 5 else f" {c}"),
                 companyType=1 if c != 6 else 2, isActive=True, companyNumber=f"C{c}",
                 parentCompanyID=100 + rng.randrange(8) if rng.random() < 0.4 else None, lastActivityDate=OLD)
        for j in range(rng.randint(1, 2)):
            lid = fake.add("CompanyLocations", id=300 + c * 10 + j, companyID=cid, name=f"Loc {j}",
                           address1=f"{rng.randrange(3)} Main St", address2="", city="Springfield", state="IL",
                           countryID=237, isPrimary=j == 0)
            ids["location"].append(lid)
        for j in range(rng.randint(0, 3)):
            loc = 300 + c * 10 if rng.random() < 0.6 else None
            extra = {} if loc else {"addressLine": f"{j} Home Rd", "city": "Shelbyville"}
            ids["contact"].append(fake.add("Contacts", id=400 + c * 10 + j, companyID=cid,
                                           firstName=rng.choice(["Ann", "Bob"]), lastName=rng.choice(["Lee", "Ray"]),
                                           companyLocationID=loc, isActive=1, lastModifiedDate=OLD, **extra))
        for j in range(rng.randint(0, 5)):
            contact = next((x for x in ids["contact"] if x // 10 == 40 + c), None)
            ids["ci"].append(fake.add(
                "ConfigurationItems", id=1000 + c * 10 + j, companyID=cid, productID=10,
                configurationItemType=rng.choice([1, 2, 3, None]), referenceTitle=f"DEV-{c}-{j}",
                serialNumber=rng.choice(["", "S1", "S2", f"S{c}{j}"]), isActive=True, lastModifiedTime=OLD,
                contactID=contact, companyLocationID=300 + c * 10,
                userDefinedFields=[{"name": "MAC Address", "value": rng.choice(["", "aa:bb:cc:00:00:01",
                                                                                f"aa:bb:cc:00:0{c}:0{j}"])}]))
        if rng.random() < 0.5:
            ids["ticket"].append(fake.add("Tickets", id=600 + c, companyID=cid, ticketNumber=f"T{c}", title="t",
                                          queueID=5, status=1, priority=2, createDate="2026-01-01T00:00:00Z",
                                          lastActivityDate=OLD,
                                          configurationItemID=next((x for x in ids["ci"] if x // 10 == 100 + c),
                                                                   None)))
    # Two companies with no children, apart from the random changes: a parent chain through an organization the
    # incremental pass does not otherwise read (Q16 cycle check).
    for cid in (180, 181):
        fake.add("Companies", id=cid, companyName=f"Chain {cid}", companyType=1, isActive=True, lastActivityDate=OLD)
    return ids


def doc_side_setup(svc: SyncService, rng: random.Random, psa_names: list[str]) -> None:
    """Records made on the documentation side before the first pass: unlinked organizations (some sharing names
    with companies, created in a shuffled order so the earliest-created tie-break matters) and their children."""
    clock = svc.clock
    for name in rng.sample(psa_names + ["Hooli", "Acme"], 5):
        org = svc.store.create_record("organization", {"name": name})
        clock.advance(1)
        svc.store.create_record("configuration", {"name": "pre", "serial_number": rng.choice(["S1", "S2", "S9"])},
                                organization_id=org)
        svc.store.create_record("contact", {"first_name": "Ann", "last_name": "Lee"}, organization_id=org)
        clock.advance(1)


def doc_side_changes(svc: SyncService, rng: random.Random) -> None:
    """After the first passes: disable some links (M-12), add unlinked candidates in linked organizations."""
    for kind in ("configuration", "contact", "organization"):
        linked = [r for r in svc.store.list_records(kind) if r.link is not None and r.link.state == "enabled"]
        for r in rng.sample(linked, min(1, len(linked))):
            svc.store.set_link_state(kind, r.id, "disabled")
    orgs = [r for r in svc.store.list_records("organization") if r.link is not None]
    for org in rng.sample(orgs, min(3, len(orgs))):
        svc.store.create_record("configuration", {"name": "cand", "serial_number": rng.choice(["S1", "S2", "N1"]),
                                                  "mac_address": rng.choice([None, "AABBCC000001"])},
                                organization_id=org.id)
        svc.store.create_record("contact", {"first_name": "Bob", "last_name": "Ray"}, organization_id=org.id)
        svc.clock.advance(1)
    svc.store.create_record("organization", {"name": "Newco"})  # matched by a new company below (M-01)
    for org in orgs[:3]:  # an unlinked location with the address of a location added below (M-04)
        svc.store.create_record("location", {"name": "mine", "address1": "9 Side St", "address2": "",
                                             "city": "Springfield", "region": "IL", "country": "United States"},
                                organization_id=org.id)


def psa_side_changes(fake: FakeAutotask, ids: dict[str, list[int]], rng: random.Random) -> None:
    """Changes after the watermark: renames, scope changes, moves, parent cycles, re-creates, new records."""
    comps = ids["company"]
    for cid in rng.sample(comps, 3):
        fake.update("Companies", cid, companyName=rng.choice(["Acme", "Hooli", "Globex", ""]), lastActivityDate=NEW)
    out = rng.choice(comps)
    fake.update("Companies", out, companyType=2, lastActivityDate=NEW)  # out of scope: orphans + cascade (O-03/O-04)
    a, b = rng.sample(comps, 2)
    fake.update("Companies", a, parentCompanyID=b, lastActivityDate=NEW)
    fake.update("Companies", b, parentCompanyID=a, lastActivityDate=NEW)  # a cycle (Q16)
    fake.add("Companies", id=190, companyName="Newco", companyType=1, isActive=True, lastActivityDate=NEW,
             parentCompanyID=rng.choice(comps))
    fake.add("CompanyLocations", id=390, companyID=190, name="Primary Location", address1="1 New", isPrimary=True)
    fake.add("ConfigurationItems", id=1900, companyID=190, productID=10, configurationItemType=1, serialNumber="S9",
             referenceTitle="NEW", isActive=True, lastModifiedTime=NEW, companyLocationID=390)
    for ci in rng.sample(ids["ci"], min(6, len(ids["ci"]))):
        change: dict[str, Any] = {"lastModifiedTime": NEW, "notes": "changed"}
        roll = rng.random()
        if roll < 0.25:
            change["companyID"] = rng.choice(comps)  # moved to another company
        elif roll < 0.5:
            change["configurationItemType"] = 3  # out of scope (O-03)
        elif roll < 0.75:
            change["serialNumber"] = rng.choice(["S1", "S2", "N1"])
        fake.update("ConfigurationItems", ci, **change)
    pool = [ci for ci in ids["ci"] if ci not in ids["out_of_scope"]]
    for ci in rng.sample(pool, min(2, len(pool))):  # deleted and re-created with a new id (M-13, Q8)
        old = dict(fake.get("ConfigurationItems", ci))
        fake.delete("ConfigurationItems", ci)
        fake.add("ConfigurationItems", **{**old, "id": ci + 5000, "lastModifiedTime": NEW})
    for j, cid in enumerate(rng.sample(comps, 3)):  # new devices whose keys meet candidates
        fake.add("ConfigurationItems", id=7000 + j, companyID=cid, productID=10, configurationItemType=2,
                 serialNumber=rng.choice(["S1", "S2", "N1", ""]), referenceTitle=f"N{j}", isActive=True,
                 lastModifiedTime=NEW, companyLocationID=300 + (cid - 100) * 10,
                 userDefinedFields=[{"name": "MAC Address", "value": rng.choice(["aa:bb:cc:00:00:01", ""])}])
    for c in rng.sample(ids["contact"], min(3, len(ids["contact"]))):
        fake.update("Contacts", c, title="changed", lastModifiedDate=NEW,
                    companyLocationID=rng.choice([None, fake.get("Contacts", c).get("companyLocationID")]),
                    addressLine="7 Other Rd", city="Capital City")
    fake.add("Contacts", id=4900, companyID=rng.choice(comps), firstName="Bob", lastName="Ray", isActive=1,
             lastModifiedDate=NEW)
    for cid in rng.sample(comps, 3):  # a second location whose address meets the unlinked one (M-04)
        fake.update("Companies", cid, lastActivityDate=NEW)
        fake.add("CompanyLocations", id=3900 + cid, companyID=cid, name="Side", address1="9 Side St", address2="",
                 city="Springfield", state="IL", countryID=237, isPrimary=False)
    for ci in ids["out_of_scope"]:  # back in scope: the same orphan is re-linked (O-06, Q20)
        fake.update("ConfigurationItems", ci, configurationItemType=1, lastModifiedTime=NEW)
    fake.update("Companies", 181, parentCompanyID=180, lastActivityDate=NEW)  # would close 180 → 181 → 180
    for t in ids["ticket"][:2]:
        fake.update("Tickets", t, title="changed", lastActivityDate=NEW)


def state(svc: SyncService, pass_id: int) -> dict[str, Any]:
    out: dict[str, Any] = {k: [r.as_dict() for r in svc.store.list_records(k)] for k in KINDS}
    out["logs"] = [(x["level"], x["kind"], x["psa_id"], x["record_id"], x["message"])
                   for x in svc.store.logs(10_000, pass_id)]
    out["types"] = svc.store.configuration_types()
    return out


def run_scenario(seed: int, monkeypatch: pytest.MonkeyPatch, *, everything: bool) -> tuple[dict[str, Any], Any]:
    rng = random.Random(seed)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, monkeypatch.context() as mp:
        fake = FakeAutotask().install(rsps)
        clock = ManualClock()
        ids = build_tenant(fake, rng)
        svc = SyncService(DocStore(":memory:", clock=clock), fake_client_factory(clock), clock=clock)
        svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
        settings = base_settings(ci_types={"1", "2"}, sync_without_ci_type=True)
        svc.save_settings(settings)
        doc_side_setup(svc, rng, [fake.get("Companies", c)["companyName"] for c in ids["company"]])
        assert svc.run_pass(full=True).status == "ok"
        # Orphans to be re-matched later: delete some records in Autotask and run a full pass (O-01).
        for entity, pool, when in (("ConfigurationItems", ids["ci"], "lastModifiedTime"),
                                   ("Contacts", ids["contact"], "lastModifiedDate")):
            for rid in rng.sample(pool, min(2, len(pool))):
                old = dict(fake.get(entity, rid))
                fake.delete(entity, rid)
                pool.remove(rid)
                if rng.random() < 0.5:  # … and re-create it right away under a new id: matched to the orphan
                    fake.add(entity, **{**old, "id": rid + 8000, when: MID})
        ids["out_of_scope"] = rng.sample(ids["ci"], min(2, len(ids["ci"])))
        for ci in ids["out_of_scope"]:  # orphaned by the next full pass (O-03)
            fake.update("ConfigurationItems", ci, configurationItemType=3, lastModifiedTime=MID)
        fake.update("Companies", 180, parentCompanyID=181, lastActivityDate="2026-01-11T00:00:00Z")
        fake.update("Companies", 181, lastActivityDate=MID)  # the watermark: 180 is not re-read by the overlap
        clock.advance(60)
        assert svc.run_pass(full=True).status == "ok"
        doc_side_changes(svc, rng)
        psa_side_changes(fake, ids, rng)
        clock.advance(3600)
        if everything:
            read_everything(mp)
        res = svc.run_pass(full=False)
        assert res.status == "ok" and not res.full, res.error
        return state(svc, res.pass_id), res


@pytest.mark.parametrize("seed", range(12))
def test_O08_M09_M12_M13_M14_FMC3_Q16_incremental_pass_decides_as_if_it_had_read_everything(seed, monkeypatch):
    narrow, res_narrow = run_scenario(seed, monkeypatch, everything=False)
    wide, res_wide = run_scenario(seed, monkeypatch, everything=True)
    assert res_narrow.to_json()["counts"] == res_wide.to_json()["counts"]
    for key in wide:
        assert narrow[key] == wide[key], key


def test_incremental_pass_reads_only_what_changed(fake, make_service, monkeypatch):
    """The point of the narrowing: an incremental pass over a few changed records reads a few documentation
    records, not the tenant (counted at the store)."""
    fake.add("ConfigurationItemTypes", id=1, name="Server", isActive=True)
    fake.add("Resources", id=29682885, firstName="Ada", lastName="Admin", email="ada@msp.example", userName="ada",
             licenseType=1, isActive=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for c in range(200):  # change times an hour apart, so the watermark's overlap re-reads one record per entity
        when = (start + timedelta(hours=c)).strftime("%Y-%m-%dT%H:%M:%SZ")
        fake.add("Companies", id=5000 + c, companyName=f"Company {c}", companyType=1, isActive=True,
                 lastActivityDate=when)
        fake.add("ConfigurationItems", id=50_000 + c, companyID=5000 + c, configurationItemType=1,
                 serialNumber=f"B{c}", isActive=True, lastModifiedTime=when)
    svc = make_service(base_settings(locations_enabled=False, contacts_enabled=False, queues=set()))
    assert svc.run_pass(full=True).counts["configuration"].created == 200
    fake.update("ConfigurationItems", 50_007, notes="changed", lastModifiedTime=NEW)
    loaded: list[tuple[str, int]] = []
    orig = DocStore._row_to_record

    def counting(self: DocStore, kind: str, row: Any) -> Any:
        loaded.append((kind, int(row["id"])))
        return orig(self, kind, row)

    monkeypatch.setattr(DocStore, "_row_to_record", counting)
    res = svc.run_pass(full=False)
    assert res.status == "ok" and not res.full and res.counts["configuration"].updated == 1
    assert len(loaded) <= 10, loaded  # the changed device and its organization, the re-read ones — not 400
