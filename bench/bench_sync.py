"""Benchmark of the reference pull (issue 4's performance budget). Prints numbers; not part of the test run.

Budget checked (and reported as PASS/FAIL):
* a full pull of a generated tenant (default 10,000 companies and 100,000 configuration items) makes at most 10%
  more API calls than the minimum: the zone lookup plus ceil(records / 500) for every entity the pass reads;
* an incremental pass after 1% of the records changed costs at most 5% of the full pass's calls and time;
* matching is O(n log n) or better: time for 1k, 10k and 100k configuration items (and the per-item cost).

Targets: ``--target fake`` (default) serves the tenant from the small ``responses``-based double the reference
tests use (tests/reference_impl/ri_fake_autotask.py), so the numbers measure the sync, not a server;
``--target mock`` runs the same pull against the project's mock in-process (slower; the mock's cost is included).
Nothing leaves the machine either way. ``server_seconds`` is the time spent below the HTTP client: the double's own
routing for ``fake``; for ``mock``, the in-process mock with its ``responses``/WSGI bridge (everything inside
``HTTPAdapter.send``). The "sync-side" ratio leaves that time out of both passes.

The pull budgets are defined for a tenant of 10,000 companies and 100,000 configuration items: below that size the
fixed calls of a pass (zone, metadata, one partial page per entity) dominate, so they cannot be met and are reported
as information ("n/a"), not as failures. ``--quick`` is that small size (1,000 companies, 10,000 CIs, matching at
1k/10k): a smoke run that exits 0 unless something broke (an exception, a failed pass, the matching curve).

    python bench/bench_sync.py                      # full budget run (takes a few minutes)
    python bench/bench_sync.py --target mock --scales 1000
    python bench/bench_sync.py --quick              # smoke run, a few seconds
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reference_impl"))

import responses  # noqa: E402

from reference_impl.client import AutotaskClient, RetryPolicy  # noqa: E402
from reference_impl.clock import ManualClock, iso  # noqa: E402
from reference_impl.docstore import DocStore  # noqa: E402
from reference_impl.sync import SyncService, SyncSettings  # noqa: E402
from reference_impl.sync.matching import Candidate, Wanted, mac_key, match_configurations  # noqa: E402

BUDGET_COMPANIES, BUDGET_CIS = 10_000, 100_000  # the tenant size issue 4's pull budgets are defined for
QUICK = {"companies": 1_000, "cis": 10_000, "scales": "1000,10000"}
FETCHED_ENTITIES = ("Companies", "CompanyLocations", "Contacts", "ConfigurationItems", "Products",
                    "ConfigurationItemTypes", "Resources", "Countries")
START = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def generate(fake, companies: int, cis: int, seed: int = 4) -> None:
    rng = random.Random(seed)

    def old() -> str:  # change times spread over the past year, as in a real tenant
        return stamp(START - timedelta(seconds=rng.randrange(86_400, 365 * 86_400)))

    for t in range(1, 11):
        fake.add("ConfigurationItemTypes", id=t, name=f"Type {t}", isActive=True)
    for p in range(1, 101):
        fake.add("Products", id=10_000 + p, name=f"Product {p}", manufacturerName=f"Maker {p % 12}",
                 manufacturerProductName=f"Model {p}")
    fake.add("Countries", id=237, name="United States")
    fake.add("Resources", id=29682885, firstName="Ada", lastName="Admin", email="ada@msp.example", licenseType=1,
             isActive=True)
    for c in range(companies):
        cid = 100_000 + c
        fake.add("Companies", id=cid, companyName=f"Company {c:06d}", companyType=1 if c % 10 else 2,
                 isActive=True, companyNumber=f"C{c}", lastActivityDate=old())
        fake.add("CompanyLocations", id=200_000 + c, companyID=cid, name="Primary Location",
                 address1=f"{c} Main St", address2="", city="Springfield", state="IL", countryID=237,
                 isPrimary=True)
        fake.add("Contacts", id=300_000 + c, companyID=cid, firstName=f"First{c}", lastName=f"Last{c}",
                 companyLocationID=200_000 + c, isActive=1, lastModifiedDate=old())
    for i in range(cis):
        cid = 100_000 + (i % companies)
        fake.add("ConfigurationItems", id=1_000_000 + i, companyID=cid, productID=10_001 + rng.randrange(100),
                 configurationItemType=1 + rng.randrange(10), referenceTitle=f"DEV-{i}",
                 serialNumber=f"SN{i:08d}", isActive=True, lastModifiedTime=old(), companyLocationID=200_000 +
                 (i % companies), userDefinedFields=[{"name": "MAC Address", "value": f"00:1A:{i:08X}"[:17]}])


def minimum_calls(fake) -> int:
    return 1 + sum(max(1, math.ceil(len(fake.tables.get(e, {})) / 500)) for e in FETCHED_ENTITIES)


def change_one_percent(fake, now: datetime) -> int:
    new = stamp(now)
    changed = 0
    rng = random.Random(99)
    for entity, field in (("Companies", "lastActivityDate"), ("Contacts", "lastModifiedDate"),
                          ("ConfigurationItems", "lastModifiedTime")):
        ids = sorted(fake.tables[entity])
        for rid in rng.sample(ids, max(1, len(ids) // 100)):
            rec = fake.tables[entity][rid]
            rec[field] = new
            if entity == "ConfigurationItems":
                rec["notes"] = "changed"
            elif entity == "Companies":
                rec["companyNumber"] = rec["companyNumber"] + "-x"
            else:
                rec["title"] = "changed"
            changed += 1
    return changed


def settings() -> SyncSettings:
    return SyncSettings(account_types={"1"}, ci_types={str(t) for t in range(1, 11)}, contacts_enabled=True,
                        locations_enabled=True, default_account_manager=29682885, default_material_code="1",
                        default_product_category="1")


def run_fake(args: argparse.Namespace) -> dict:
    from ri_fake_autotask import CODE, LOOKUP_ROOT, SECRET, USERNAME, FakeAutotask

    clock = ManualClock(START)

    def factory(cfg, clk):
        return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, cached_zone=cfg.cached_zone,
                              clock=clk, retry=RetryPolicy(max_attempts=3, base_delay=0.01))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeAutotask().install(rsps)
        fake.threshold_limit = 10_000_000
        fake.server_seconds = 0.0
        route = fake.route

        def timed_route(*a, **kw):  # the double's own time, reported apart from the sync's
            t = time.perf_counter()
            try:
                return route(*a, **kw)
            finally:
                fake.server_seconds += time.perf_counter() - t

        fake.route = timed_route
        t0 = time.perf_counter()
        generate(fake, args.companies, args.cis)
        print(f"generated tenant in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        store = DocStore(args.db, clock=clock)
        svc = SyncService(store, factory, clock=clock)
        svc.connect(USERNAME, SECRET, CODE, zone_lookup_url=LOOKUP_ROOT)
        svc.save_settings(settings())
        connect_calls = svc.client().stats.calls
        fake.calls.clear()
        return measure(svc, fake, clock, connect_calls, args)


def run_mock(args: argparse.Namespace) -> dict:
    """The same measurement against the project's mock, in-process (requests intercepted, no socket)."""
    from mockserver.intercept import mock_autotask

    fixture = {"format": "autotask-mock/tenant@1",
               "tenant": {"name": "bench-sync", "zone": 2, "clock": "2026-01-01T00:00:00Z"},
               "generate": {"seed": 4, "companies": args.companies, "contactsPerCompany": [1, 1],
                            "locationsPerCompany": [1, 1], "cis": args.cis, "tickets": 0, "products": 100,
                            "apiUser": "bench@BENCHSYNC.APIUSER.com", "secret": "bench-secret",
                            "integrationCode": "BENCH0INTEGRATION0CODE"}}
    t0 = time.perf_counter()
    with mock_autotask(fixture, isolate=False) as handle:
        print(f"generated mock tenant in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        from reference_impl.clock import parse_at_datetime

        clock = ManualClock(parse_at_datetime(handle.now()))
        store = DocStore(args.db, clock=clock)
        svc = SyncService(store, lambda cfg, clk: AutotaskClient(
            cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, cached_zone=cfg.cached_zone, clock=clk),
            clock=clock)
        c = handle.credentials
        svc.connect(c.user_name, c.secret, c.integration_code, zone_lookup_url=handle.root_url)
        opts = svc.tenant_options()
        svc.save_settings(SyncSettings(
            account_types=set(opts["account_types"]), ci_types=set(opts["ci_types"]), sync_without_ci_type=True,
            locations_enabled=True, default_account_manager=int(next(iter(opts["resources"]))),
            default_material_code="1", default_product_category="1"))
        counts = {e: svc.client().count(e) for e in FETCHED_ENTITIES}
        timer = _HttpTimer()

        class MockTenant:  # what measure() needs: counts for the minimum, a way to change 1% of records
            tables = {e: range(n) for e, n in counts.items()}

            @property
            def server_seconds(self) -> float:
                return timer.seconds

            @server_seconds.setter
            def server_seconds(self, value: float) -> None:
                timer.seconds = value

            @staticmethod
            def change(now: datetime) -> int:
                handle.advance(hours=1)
                client = svc.client()
                changed = 0
                for entity, field in (("Companies", "companyNumber"), ("ConfigurationItems", "notes")):
                    ids = [r["id"] for r in client.query_all(entity, None, ["id"])]
                    for rid in random.Random(99).sample(ids, max(1, len(ids) // 100)):
                        client.update(entity, {"id": rid, field: f"changed {rid}"})
                        changed += 1
                return changed

        try:
            return measure(svc, MockTenant(), clock, 0, args)
        finally:
            timer.restore()


class _HttpTimer:
    """Accumulates the time spent inside ``requests.adapters.HTTPAdapter.send``: with the mock in-process (requests
    intercepted by ``responses``), that is the mock's own time plus the bridge, i.e. what a network and a server
    would cost; the client's JSON decoding and everything above it stay on the sync's side."""

    def __init__(self) -> None:
        import requests.adapters

        self.seconds = 0.0
        self._adapter = requests.adapters.HTTPAdapter
        self._send = self._adapter.send  # the send ``responses`` installed
        timer = self

        def send(adapter: Any, *a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return timer._send(adapter, *a, **kw)
            finally:
                timer.seconds += time.perf_counter() - t

        self._adapter.send = send

    def restore(self) -> None:
        self._adapter.send = self._send


def measure(svc: SyncService, fake, clock: ManualClock, connect_calls: int, args: argparse.Namespace) -> dict:
    # The zone was looked up while connecting; the pass reuses the cached zone (Q24). The budget's "plus the zone
    # lookup" is charged to the pass here so the comparison is like-for-like with a cold start.
    fake.server_seconds = 0.0
    t0 = time.perf_counter()
    full = svc.run_pass(full=True)
    full_time = time.perf_counter() - t0
    full_server = getattr(fake, "server_seconds", 0.0)
    assert full.status == "ok", full.error
    full_calls = full.api_calls + 1
    minimum = minimum_calls(fake)
    clock.advance(3600)
    changed = fake.change(clock.now()) if hasattr(fake, "change") else change_one_percent(fake, clock.now())
    fake.server_seconds = 0.0
    t0 = time.perf_counter()
    inc = svc.run_pass(full=False)
    inc_time = time.perf_counter() - t0
    inc_server = getattr(fake, "server_seconds", 0.0)
    assert inc.status == "ok" and not inc.full, inc.error
    return {
        "companies": args.companies, "configuration_items": args.cis,
        "full": {"api_calls": full_calls, "minimum_calls": minimum, "overhead": full_calls / minimum - 1,
                 "seconds": round(full_time, 2), "server_seconds": round(full_server, 2),
                 "created": {k: v.created for k, v in full.counts.items()}},
        "incremental": {"changed_records": changed, "api_calls": inc.api_calls, "seconds": round(inc_time, 3),
                        "server_seconds": round(inc_server, 3),
                        "calls_ratio": inc.api_calls / full_calls, "time_ratio": inc_time / full_time,
                        "sync_time_ratio": (inc_time - inc_server) / max(1e-9, full_time - full_server),
                        "updated": {k: v.updated for k, v in inc.counts.items()}},
    }


def series_row(pull: dict) -> dict:
    """One size of the pull-cost series: calls per synced record beside the minimum's (records / 500 per kind)."""
    f, i = pull["full"], pull["incremental"]
    records = sum(f["created"].values())
    return {"configuration_items": pull["configuration_items"], "companies": pull["companies"], "records": records,
            "full_calls": f["api_calls"], "minimum_calls": f["minimum_calls"],
            "calls_per_1k_records": 1000 * f["api_calls"] / max(1, records),
            "minimum_per_1k_records": 1000 * f["minimum_calls"] / max(1, records),
            "full_seconds": f["seconds"], "incremental_seconds": i["seconds"], "incremental_calls": i["api_calls"],
            "incremental_changed_records": i["changed_records"]}


def bench_matching(scales: list[int]) -> list[dict]:
    """match_configurations over n existing configurations and n incoming devices spread over n/10 orgs, half of
    them matching by serial, a quarter by MAC only, the rest new."""
    out = []
    for n in scales:
        rng = random.Random(n)
        orgs = max(1, n // 10)
        cands = [Candidate(i, i % orgs, iso(START - timedelta(seconds=rng.randrange(10**6))),
                           serial=f"S{i}", mac=mac_key(f"00:1A:{i:08X}"[:17])) for i in range(n)]
        wanted = []
        for i in range(n):
            kind = i % 4
            if kind < 2:
                wanted.append(Wanted(10**7 + i, i % orgs, serial=f"S{i}", mac=None))
            elif kind == 2:
                wanted.append(Wanted(10**7 + i, i % orgs, serial=None, mac=mac_key(f"00:1A:{i:08X}"[:17])))
            else:
                wanted.append(Wanted(10**7 + i, i % orgs, serial=f"NEW{i}", mac=None))
        # Like timeit: garbage collection off while timing, best of a few runs.
        best = float("inf")
        res: dict = {}
        for _ in range(3 if n <= 10_000 else 1):
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                res = match_configurations(wanted, cands)
                best = min(best, time.perf_counter() - t0)
            finally:
                gc.enable()
        dt = best
        matched = sum(1 for v in res.values() if v is not None)
        out.append({"n": n, "seconds": round(dt, 4), "us_per_item": round(dt / n * 1e6, 2), "matched": matched})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--companies", type=int, default=None, help=f"default {BUDGET_COMPANIES:,} ({QUICK['companies']:,} "
                    "with --quick)")
    ap.add_argument("--cis", type=int, default=None, help=f"default {BUDGET_CIS:,} ({QUICK['cis']:,} with --quick)")
    ap.add_argument("--scales", default=None, help="matching sizes (default 1000,10000,100000; 1000,10000 with --quick)")
    ap.add_argument("--quick", action="store_true", help="smoke run at 1,000 companies / 10,000 CIs; the pull budgets "
                    "are reported as information at that size and the exit status is 0 unless something broke")
    ap.add_argument("--series", default=None, help="further pull sizes in CIs, one company per 10 CIs (default "
                    "1000,10000; 1000 with --quick): full and incremental wall time and API calls per synced record "
                    "beside the main pull's")
    ap.add_argument("--db", default=":memory:", help="docstore path (default in memory)")
    ap.add_argument("--skip-pull", action="store_true")
    ap.add_argument("--target", choices=("fake", "mock"), default="fake")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "bench_sync.json"))
    args = ap.parse_args()
    if args.companies is None:
        args.companies = QUICK["companies"] if args.quick else BUDGET_COMPANIES
    if args.cis is None:
        args.cis = QUICK["cis"] if args.quick else BUDGET_CIS
    if args.scales is None:
        args.scales = QUICK["scales"] if args.quick else "1000,10000,100000"
    # The pull budgets hold for the tenant size they are defined for; a smaller tenant only informs (see above).
    budget_size = args.companies >= BUDGET_COMPANIES and args.cis >= BUDGET_CIS
    report: dict = {"settings": {"quick": args.quick, "target": args.target, "companies": args.companies,
                                 "cis": args.cis, "scales": args.scales, "budgets_enforced": budget_size},
                    "matching": bench_matching([int(s) for s in args.scales.split(",") if s])}
    if not args.skip_pull:
        report["pull"] = run_fake(args) if args.target == "fake" else run_mock(args)
        report["pull"]["target"] = args.target
        sizes = [int(x) for x in (args.series or ("1000" if args.quick else "1000,10000")).split(",") if x]
        runs = []
        for n in sorted(set(sizes) - {args.cis}):
            sub = argparse.Namespace(**{**vars(args), "cis": n, "companies": max(1, n // 10), "db": ":memory:"})
            print(f"series: pull of {n:,} CIs / {sub.companies:,} companies …", file=sys.stderr)
            runs.append(run_fake(sub) if args.target == "fake" else run_mock(sub))
        report["series"] = [series_row(r) for r in sorted([*runs, report["pull"]], key=lambda r: r["configuration_items"])]
    checks: list[tuple[str, bool, str, bool]] = []  # name, ok, measured, enforced
    if "pull" in report:
        p = report["pull"]
        f, i = p["full"], p["incremental"]
        checks.append(("full pass calls <= 110% of minimum", f["overhead"] <= 0.10,
                       f"{f['api_calls']} calls, minimum {f['minimum_calls']}: +{f['overhead']:.1%}", budget_size))
        checks.append(("incremental calls <= 5% of full", i["calls_ratio"] <= 0.05,
                       f"{i['api_calls']} of {f['api_calls']}: {i['calls_ratio']:.1%}", budget_size))
        checks.append(("incremental time <= 5% of full", i["time_ratio"] <= 0.05,
                       f"{i['seconds']:.3f} s of {f['seconds']:.2f} s: {i['time_ratio']:.1%}", budget_size))
        checks.append(("incremental sync-side time <= 5% of full", i["sync_time_ratio"] <= 0.05,
                       f"{i['seconds'] - i['server_seconds']:.3f} s of {f['seconds'] - f['server_seconds']:.2f} s "
                       f"without server time: {i['sync_time_ratio']:.1%}", budget_size))
    m = report["matching"]
    if len(m) >= 2:
        # n log n: per-item cost may grow at most logarithmically; allow 3x over the smallest scale's per-item cost.
        # Meaningful at any size, so always enforced.
        base = m[0]["us_per_item"]
        checks.append(("matching per-item cost grows no faster than log n",
                       all(x["us_per_item"] <= base * 3 * max(1.0, math.log(x["n"]) / math.log(m[0]["n"]))
                           for x in m), ", ".join(f"{x['n']:,}: {x['us_per_item']} us" for x in m), True))
    # Same shape as before (name → measured outcome), so bench/compare.py and earlier files still line up; which of
    # them counted towards the exit status is listed apart.
    report["checks"] = {name: ok for name, ok, _, _ in checks}
    report["checks_informational"] = [name for name, _, _, enforced in checks if not enforced]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if report.get("series"):
        print(f"\nPull cost by size ({args.target} target; records = what the full pass created):")
        print(f"{'CIs':>8} {'companies':>9} {'records':>8} {'calls':>6} {'minimum':>7} {'calls/1k rec':>12} "
              f"{'min/1k rec':>10} {'full s':>7} {'incr s':>7} {'incr calls':>10}")
        for r in report["series"]:
            print(f"{r['configuration_items']:>8,} {r['companies']:>9,} {r['records']:>8,} {r['full_calls']:>6} "
                  f"{r['minimum_calls']:>7} {r['calls_per_1k_records']:>12.2f} {r['minimum_per_1k_records']:>10.2f} "
                  f"{r['full_seconds']:>7.2f} {r['incremental_seconds']:>7.3f} {r['incremental_calls']:>10}")
        print()
    for name, ok, measured, enforced in checks:
        if enforced:
            print(f"{'PASS' if ok else 'FAIL'}  {name}  ({measured})")
        else:
            print(f"n/a   {name}  ({measured}; would {'pass' if ok else 'fail'}) — n/a at "
                  f"{'quick' if args.quick else 'this'} size: budget is defined for {BUDGET_COMPANIES:,} companies / "
                  f"{BUDGET_CIS:,} CIs, this run used {args.companies:,} / {args.cis:,}")
    return 0 if all(ok for _, ok, _, enforced in checks if enforced) else 1


if __name__ == "__main__":
    raise SystemExit(main())
