"""A one-call demonstration of the reference pull against any Autotask-compatible endpoint.

``autotask-mock demo`` calls :func:`run_demo` with the mock's URL; it works the same against a real tenant. Settings
are chosen from what the tenant itself offers (entityInformation picklists, types, resources), so the demo needs no
tenant-specific knowledge.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from reference_impl.client import AutotaskError
from reference_impl.docstore import DocStore
from reference_impl.sync import SyncService, SyncSettings
from reference_impl.sync.service import ClientFactory

KIND_LABELS = {"organization": "Organizations", "location": "Locations", "contact": "Contacts",
               "configuration": "Configurations", "ticket": "Tickets"}


def demo_settings(svc: SyncService) -> SyncSettings:
    """Everything selected: all account types and CI types (plus blank types), all queues, contacts and locations
    on; the first non-API resource as Default Account Manager (SC-08); material code and product category from the
    tenant where it offers them (SC-09)."""
    opts = svc.tenant_options()
    client = svc.client()
    material = None
    try:
        codes = client.query_all("BillingCodes", None, ["id", "name"])
        material = str(codes[0]["id"]) if codes else None
    except AutotaskError:
        material = None
    category = next(iter(opts.get("product_categories") or {}), None)
    manager = next(iter(opts["resources"]), None)
    return SyncSettings(
        account_types=frozenset(opts["account_types"]), ci_types=frozenset(opts["ci_types"]), sync_without_ci_type=True,
        contacts_enabled=True, locations_enabled=True, queues=frozenset(opts["queues"]),
        default_account_manager=int(manager) if manager else None,
        default_material_code=material or "demo-material", default_product_category=category or "demo-category")


def run_demo(base_url_or_zone_lookup_url: str, username: str, secret: str, integration_code: str,
             console: Console | None = None, *, db_path: str = ":memory:", zone_url: str | None = None,
             client_factory: ClientFactory | None = None) -> dict[str, Any]:
    """Connect, apply demo settings, run a full pull and print a summary table. Returns the summary as a dict."""
    console = console or Console()
    store = DocStore(db_path)
    svc = SyncService(store, client_factory)
    zone = svc.connect(username, secret, integration_code, zone_lookup_url=base_url_or_zone_lookup_url,
                       zone_url=zone_url)
    console.print(f"[green]Connected to Autotask ({zone.host})[/green]")
    settings = demo_settings(svc)
    svc.save_settings(settings)
    console.print(f"Selected {len(settings.account_types)} account types, {len(settings.ci_types)} CI types, "
                  f"{len(settings.queues)} ticket queues.")
    result = svc.run_pass(full=True)
    if result.status != "ok":
        console.print(f"[red]Sync failed: {result.error}[/red]")
        return {"zone": zone.host, "status": result.status, "error": result.error, "api_calls": result.api_calls,
                "counts": {}}
    table = Table(title=f"Full pull from {zone.host}")
    for col in ("Kind", "Fetched", "Created", "Updated", "Linked", "Orphaned", "Skipped", "Failed"):
        table.add_column(col, justify="left" if col == "Kind" else "right")
    counts = {}
    for kind, label in KIND_LABELS.items():
        c = result.counts[kind]
        counts[kind] = {"fetched": c.fetched, "created": c.created, "updated": c.updated,
                        "linked": c.linked + c.relinked, "orphaned": c.orphaned, "skipped": c.skipped,
                        "failed": c.failed}
        table.add_row(label, *(str(v) for v in counts[kind].values()))
    console.print(table)
    console.print(f"API calls made: [bold]{result.api_calls}[/bold] in {result.duration_s:.2f}s")
    return {"zone": zone.host, "status": result.status, "api_calls": result.api_calls,
            "duration_s": result.duration_s, "counts": counts, "summary": svc.summary(),
            "settings": settings.to_json()}
