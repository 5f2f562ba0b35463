"""The documented admin surface: every /_mock/ endpoint as (method, path, summary).

Data only, so that the endpoint handlers (mockserver.admin.api, mockserver.admin.faults_webhooks), the
index ``GET /_mock/``, the OpenAPI description (mockserver.admin.spec) and the zones router all read one
table without importing each other.
"""

from __future__ import annotations

ADMIN_PREFIX = "/_mock"

# (method, path, summary) — the documented admin surface (also drives GET /_mock/ and the OpenAPI paths).
ADMIN_ENDPOINTS: list[tuple[str, str, str]] = [
    ("GET", "/_mock/", "This index: the endpoints and the tenants."),
    ("GET", "/_mock/settings", "The behaviour settings the mock runs with (MockConfig, without secrets)."),
    ("GET", "/_mock/tenants", "Every tenant: name, zone, clock, API users, integration codes, record counts."),
    ("POST", "/_mock/tenants", "Create a tenant from a fixture document (JSON or YAML body), or from "
     '{"fixture": NAME|DOCUMENT, "name": NEW_NAME, "isolate": true|SUFFIX, "replace": false}.'),
    ("GET", "/_mock/tenants/{tenant}", "One tenant's summary and default credentials."),
    ("DELETE", "/_mock/tenants/{tenant}", "Remove a tenant (and its journal)."),
    ("POST", "/_mock/tenants/{tenant}/reset", "Rebuild one tenant from the fixture it was created from; clears its journal."),
    ("POST", "/_mock/reset", 'Reset every tenant; {"removeAdded": true} also removes tenants added after start-up.'),
    ("GET", "/_mock/tenants/{tenant}/export", "The tenant as a fixture document (?format=yaml for YAML)."),
    ("POST", "/_mock/tenants/{tenant}/records", 'Create records through the API\'s business rules: {"Companies": [{...}], ...}.'),
    ("GET", "/_mock/tenants/{tenant}/clock", "The tenant clock: now and whether it is frozen."),
    ("PUT", "/_mock/tenants/{tenant}/clock", 'Set the tenant clock: {"now": ISO-8601, "frozen": true|false}.'),
    ("POST", "/_mock/tenants/{tenant}/clock/advance", 'Move the tenant clock: {"seconds"|"minutes"|"hours"|"days": N}.'),
    ("GET", "/_mock/clock", "Every tenant's clock."),
    ("POST", "/_mock/clock/advance", "Move every tenant clock by the same amount."),
    ("GET", "/_mock/journal", "Journal of every tenant, newest first; filters: tenant, method, path, entity, status, "
     "query, sinceSeq, limit."),
    ("DELETE", "/_mock/journal", "Clear the journal (of ?tenant=NAME only, when given)."),
    ("GET", "/_mock/tenants/{tenant}/journal", "One tenant's journal, newest first; same filters."),
    ("DELETE", "/_mock/tenants/{tenant}/journal", "Clear one tenant's journal."),
    ("GET", "/_mock/openapi.json", "The admin API as a Swagger 2.0 document."),
]


def all_endpoints() -> list[tuple[str, str, str]]:
    """ADMIN_ENDPOINTS plus the fault and webhook endpoints (mockserver.admin.faults_webhooks)."""
    return list(ADMIN_ENDPOINTS) + list(FAULT_ENDPOINTS) + list(WEBHOOK_ENDPOINTS)


FAULT_ENDPOINTS: list[tuple[str, str, str]] = [
    ("GET", "/_mock/faults", "Fault rules (admin rules first, then each tenant's fixture rules) with match/fire counters; ?tenant=NAME."),
    ("POST", "/_mock/faults", "Add fault rules: one rule, a list, or {\"faults\": [...]}; ?tenant=NAME scopes them."),
    ("GET", "/_mock/faults/{id}", "One fault rule."),
    ("DELETE", "/_mock/faults/{id}", "Remove one fault rule."),
    ("DELETE", "/_mock/faults", "Clear fault rules; ?tenant=NAME, ?source=admin|fixture."),
]
WEBHOOK_ENDPOINTS: list[tuple[str, str, str]] = [
    ("GET", "/_mock/webhooks/deliveries", "Finished webhook deliveries; ?tenant=NAME, ?wait=N&timeout=S waits for N."),
    ("DELETE", "/_mock/webhooks/deliveries", "Forget finished webhook deliveries."),
    ("POST", "/_mock/webhooks/{tenant}/{entity}/{id}/deactivate", "Deactivate a webhook and send its deactivation notice."),
]
