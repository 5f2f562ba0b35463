"""Docstore schema as an ordered list of migrations.

Why migrations from day one: the store is a user's documentation; part 2 (push, lifecycle) will add columns, and a
file created by an older version must upgrade in place, never be recreated. Each migration runs in one transaction
together with the ``schema_version`` bump, so an interrupted upgrade leaves the previous version intact.
"""

from __future__ import annotations

LINK_STATES = ("enabled", "orphaned", "disabled", "error")  # ST-03

_COMMON = """
    unmapped TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
"""

MIGRATIONS: list[tuple[int, str]] = [
    (1, f"""
CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT,
    org_type TEXT,
    short_name TEXT,
    parent_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
    primary_location_id INTEGER,
    {_COMMON}
);
CREATE INDEX ix_organizations_name ON organizations(name);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT,
    address1 TEXT, address2 TEXT, city TEXT, region TEXT, postal_code TEXT, country TEXT,
    phone TEXT, fax TEXT,
    {_COMMON}
);
CREATE INDEX ix_locations_org ON locations(organization_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    first_name TEXT, last_name TEXT, title TEXT,
    work_email TEXT, work_phone TEXT, mobile_phone TEXT, alternate_phone TEXT, fax TEXT,
    location_id INTEGER REFERENCES locations(id) ON DELETE SET NULL,
    {_COMMON}
);
CREATE INDEX ix_contacts_org ON contacts(organization_id);

CREATE TABLE manufacturers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    manufacturer_id INTEGER NOT NULL REFERENCES manufacturers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    UNIQUE (manufacturer_id, name)
);
-- SC-12: each type is enabled, disabled or not connected.
CREATE TABLE configuration_types (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'not_connected' CHECK (state IN ('enabled', 'disabled', 'not_connected')),
    psa_id INTEGER
);

CREATE TABLE configurations (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name TEXT,
    asset_tag TEXT,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    status TEXT,
    configuration_type_id INTEGER REFERENCES configuration_types(id),
    installed_at TEXT,
    installed_by TEXT,
    manufacturer_id INTEGER REFERENCES manufacturers(id),
    model_id INTEGER REFERENCES models(id),
    notes TEXT,
    serial_number TEXT,
    mac_address TEXT,
    expiration_date TEXT,
    location_id INTEGER REFERENCES locations(id) ON DELETE SET NULL,
    psa_udfs TEXT NOT NULL DEFAULT '{{}}',
    {_COMMON}
);
CREATE INDEX ix_configurations_org ON configurations(organization_id);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    board TEXT, title TEXT, ticket_number TEXT,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    status TEXT, priority TEXT,
    psa_created_at TEXT, psa_updated_at TEXT,
    configuration_ids TEXT NOT NULL DEFAULT '[]',
    {_COMMON}
);
CREATE INDEX ix_tickets_org ON tickets(organization_id);

-- One row per linked record. UNIQUE(kind, psa_id) and UNIQUE(kind, record_id) make M-09 (injectivity)
-- a property of the schema, not only of the code.
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    psa_id INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('enabled', 'orphaned', 'disabled', 'error')),
    psa_changed_at TEXT,
    synced_at TEXT,
    error TEXT,
    UNIQUE (kind, record_id),
    UNIQUE (kind, psa_id)
);

CREATE TABLE integration (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    username TEXT NOT NULL,
    secret TEXT NOT NULL,
    integration_code TEXT NOT NULL,
    zone_lookup_url TEXT,
    zone_override TEXT,
    zone_url TEXT,
    zone_name TEXT,
    status TEXT NOT NULL DEFAULT 'Not synced',
    last_error TEXT,
    settings TEXT,
    settings_saved_at TEXT,
    full_sync_required INTEGER NOT NULL DEFAULT 1,
    next_sync_at TEXT,
    last_full_sync_at TEXT,
    last_sync_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sync_passes (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    full INTEGER NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{{}}',
    api_calls INTEGER NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE sync_logs (
    id INTEGER PRIMARY KEY,
    pass_id INTEGER REFERENCES sync_passes(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT,
    psa_id INTEGER,
    record_id INTEGER,
    message TEXT NOT NULL
);
CREATE INDEX ix_sync_logs_pass ON sync_logs(pass_id);

-- Autotask metadata (picklists, types, products) cached between passes so incremental passes stay cheap.
CREATE TABLE psa_cache (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);

-- Per-entity high-water marks of lastActivityDate / lastModifiedDate for incremental passes.
CREATE TABLE watermarks (
    entity TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""),
]

MIGRATIONS.append((2, """
-- The zone's web UI root, for 'Manage' links that open the Autotask record (R-04).
ALTER TABLE integration ADD COLUMN web_url TEXT;
-- Set once the first full pass completed: the initial-sync notification is sent exactly once (ST-01).
ALTER TABLE integration ADD COLUMN initial_sync_notified INTEGER NOT NULL DEFAULT 0
"""))

MIGRATIONS.append((3, """
-- Part 2 (push and lifecycle). The Autotask company a linked child belongs to, so a local move to another
-- organization is detected before any write (FM-C7, FM-K3).
ALTER TABLE links ADD COLUMN psa_company_id INTEGER;
-- D-01/P-14 pause, PA-04 push-all gate and completion, D-04/Q18 delete-all gate.
ALTER TABLE integration ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integration ADD COLUMN push_all_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integration ADD COLUMN push_all_state TEXT;
ALTER TABLE integration ADD COLUMN push_all_completed_at TEXT;
ALTER TABLE integration ADD COLUMN delete_all_enabled INTEGER NOT NULL DEFAULT 0;
-- Push bookkeeping per record (P-11, R-05): the mapped fields still to push after a failure, an uncertain create
-- (a POST whose answer was lost: the retry looks for the record before creating again), and the error text of a
-- record that has no link yet (an unlinked record cannot hold the 'error' link state without breaking ST-05).
CREATE TABLE push_state (
    kind TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    pending_fields TEXT NOT NULL DEFAULT '[]',
    pending_create INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
)
"""))

LATEST_VERSION = MIGRATIONS[-1][0]
