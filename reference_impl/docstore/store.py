"""The documentation platform's own store (an IT Glue stand-in), SQLite by default.

Why SQLite with explicit transactions: the pull writes each organization together with its children and links in
one transaction, so a crash mid-pass leaves every organization either fully before or fully after its update, and
the next pass finishes the work without duplicates (links are written in the same transaction as the records they
point at). Links are first-class rows with a state (enabled/orphaned/disabled/error, ST-03) because part 2 (push,
per-record controls, disconnect) manipulates exactly those.

Records are exchanged as :class:`Record` values holding plain dicts, so the pure sync cores never see SQL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reference_impl.clock import Clock, SystemClock, iso
from reference_impl.docstore.schema import LINK_STATES, MIGRATIONS

KINDS = ("organization", "location", "contact", "configuration", "ticket")
TABLES = {"organization": "organizations", "location": "locations", "contact": "contacts",
          "configuration": "configurations", "ticket": "tickets"}

# Mapped/data columns per kind as exposed in Record.fields (ids of lookup tables appear as names instead).
FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("name", "status", "org_type", "short_name", "parent_id", "primary_location_id"),
    "location": ("name", "address1", "address2", "city", "region", "postal_code", "country", "phone", "fax"),
    "contact": ("first_name", "last_name", "title", "work_email", "work_phone", "mobile_phone", "alternate_phone",
                "fax", "location_id"),
    "configuration": ("name", "asset_tag", "contact_id", "status", "configuration_type", "installed_at",
                      "installed_by", "manufacturer", "model", "notes", "serial_number", "mac_address",
                      "expiration_date", "location_id", "psa_udfs"),
    "ticket": ("board", "title", "ticket_number", "contact_id", "status", "priority", "psa_created_at",
               "psa_updated_at", "configuration_ids"),
}
_JSON_FIELDS = {"psa_udfs", "configuration_ids"}
_NAME_FIELDS = {"configuration_type", "manufacturer", "model"}


@dataclass(frozen=True)
class Link:
    """A record ↔ Autotask id association with its sync state (ST-03) and change times (ST-07)."""

    kind: str
    record_id: int
    psa_id: int
    state: str
    psa_changed_at: str | None = None
    synced_at: str | None = None
    error: str | None = None
    psa_company_id: int | None = None

    @property
    def active(self) -> bool:
        """'Active link' as the spec defines it (§0.3): enabled or error."""
        return self.state in ("enabled", "error")


@dataclass
class Record:
    """One documentation record: mapped ``fields``, ``unmapped`` data the sync must never touch (FM-G3)."""

    kind: str
    id: int
    organization_id: int | None
    fields: dict[str, Any]
    unmapped: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    link: Link | None = None

    def as_dict(self) -> dict[str, Any]:
        d = {"id": self.id, "kind": self.kind, "organization_id": self.organization_id, **self.fields,
             "unmapped": self.unmapped, "created_at": self.created_at, "updated_at": self.updated_at}
        d["sync"] = None if self.link is None else {
            "psa_id": self.link.psa_id, "state": self.link.state, "psa_changed_at": self.link.psa_changed_at,
            "synced_at": self.link.synced_at, "error": self.link.error}
        return d


class StoreError(Exception):
    """Misuse of the store (unknown kind, nested transaction, missing record)."""


class DocStore:
    """SQLite-backed documentation store. ``path`` is a file path or ``":memory:"``."""

    def __init__(self, path: str = ":memory:", *, clock: Clock | None = None) -> None:
        self.path = path
        self.clock: Clock = clock or SystemClock()
        # check_same_thread=False: the CLI's progress bar and a test live server may touch it from another
        # thread; the lock serialises access.
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._in_tx = False
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._name_cache: dict[tuple[str, Any], int] = {}
        self.migrate()

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._conn.close()

    def now(self) -> str:
        return iso(self.clock.now())

    @property
    def schema_version(self) -> int:
        row = self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
        if row is None:
            return 0
        v = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        return int(v or 0)

    def migrate(self) -> int:
        """Apply pending migrations, each atomically with its version bump."""
        with self._lock:
            self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = self.schema_version
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                # executescript would COMMIT implicitly; run statements one by one inside our transaction.
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for stmt in _split_sql(sql):
                        self._conn.execute(stmt)
                    self._conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
            return self.schema_version

    @contextmanager
    def transaction(self) -> Iterator[DocStore]:
        """All-or-nothing unit of work. Not nestable: the pull's unit is one organization (issue 4)."""
        with self._lock:
            if self._in_tx:
                raise StoreError("nested transaction")
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_tx = True
            snapshot = dict(self._name_cache)
            try:
                yield self
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                self._name_cache = snapshot  # ids created inside the rolled-back tx no longer exist
                raise
            finally:
                self._in_tx = False

    def _x(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, tuple(params))

    @staticmethod
    def _table(kind: str) -> str:
        try:
            return TABLES[kind]
        except KeyError:
            raise StoreError(f"unknown kind {kind!r}") from None

    # ------------------------------------------------------------------ lookup tables (FM-C2, SC-12)
    def manufacturer_id(self, name: str) -> int:
        """Get-or-create by exact name (Q17), so each distinct manufacturer exists exactly once (FM-C2)."""
        return self._get_or_create(("manufacturer", name), "SELECT id FROM manufacturers WHERE name=?", (name,),
                                   "INSERT INTO manufacturers(name) VALUES (?)", (name,))

    def model_id(self, manufacturer_id: int, name: str) -> int:
        return self._get_or_create(("model", (manufacturer_id, name)),
                                   "SELECT id FROM models WHERE manufacturer_id=? AND name=?", (manufacturer_id, name),
                                   "INSERT INTO models(manufacturer_id, name) VALUES (?, ?)", (manufacturer_id, name))

    def configuration_type_id(self, name: str) -> int:
        return self._get_or_create(("ctype", name), "SELECT id FROM configuration_types WHERE name=?", (name,),
                                   "INSERT INTO configuration_types(name) VALUES (?)", (name,))

    def _get_or_create(self, key: tuple[str, Any], select: str, sparams: tuple[Any, ...], insert: str,
                       iparams: tuple[Any, ...]) -> int:
        cached = self._name_cache.get(key)
        if cached is not None:
            return cached
        row = self._x(select, sparams).fetchone()
        rid = int(row[0]) if row else int(self._x(insert, iparams).lastrowid)  # type: ignore[arg-type]
        self._name_cache[key] = rid
        return rid

    def manufacturers(self) -> list[str]:
        return [r[0] for r in self._x("SELECT name FROM manufacturers ORDER BY id")]

    def models(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._x(
            "SELECT m.name, x.name FROM models x JOIN manufacturers m ON m.id = x.manufacturer_id ORDER BY x.id")]

    def configuration_types(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._x("SELECT id, name, state, psa_id FROM configuration_types ORDER BY id")]

    def set_configuration_type_state(self, name: str, state: str, psa_id: int | None = None) -> None:
        tid = self.configuration_type_id(name)
        self._x("UPDATE configuration_types SET state=?, psa_id=COALESCE(?, psa_id) WHERE id=?", (state, psa_id, tid))

    # ------------------------------------------------------------------ records
    def create_record(self, kind: str, fields: dict[str, Any], *, organization_id: int | None = None,
                      unmapped: dict[str, Any] | None = None, created_at: str | datetime | None = None) -> int:
        """Create a record (the UI/API side of the platform uses this too, e.g. hand-made records in tests)."""
        table = self._table(kind)
        if kind != "organization" and organization_id is None:
            raise StoreError(f"a {kind} needs an organization")
        now = self.now()
        created = iso(created_at) if isinstance(created_at, datetime) else (created_at or now)
        cols, vals = self._columns(kind, fields)
        if kind != "organization":
            cols.append("organization_id")
            vals.append(organization_id)
        cols += ["unmapped", "created_at", "updated_at"]
        vals += [json.dumps(unmapped or {}, sort_keys=True), created, now]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        return int(self._x(sql, vals).lastrowid)  # type: ignore[arg-type]

    def update_record(self, kind: str, record_id: int, fields: dict[str, Any], *,
                      organization_id: int | None = None) -> None:
        """Write the given mapped fields only; ``unmapped`` is untouchable here on purpose (FM-G3)."""
        table = self._table(kind)
        cols, vals = self._columns(kind, fields)
        if organization_id is not None and kind != "organization":
            cols.append("organization_id")
            vals.append(organization_id)
        if not cols:
            return
        cols.append("updated_at")
        vals.append(self.now())
        sets = ", ".join(f"{c}=?" for c in cols)
        cur = self._x(f"UPDATE {table} SET {sets} WHERE id=?", [*vals, record_id])
        if cur.rowcount != 1:
            raise StoreError(f"{kind} {record_id} does not exist")

    def set_unmapped(self, kind: str, record_id: int, unmapped: dict[str, Any]) -> None:
        """The platform's own (non-sync) edit of unmapped data: passwords, notes, documents stand-ins."""
        self._x(f"UPDATE {self._table(kind)} SET unmapped=? WHERE id=?",
                (json.dumps(unmapped, sort_keys=True), record_id))

    def delete_record(self, kind: str, record_id: int) -> None:
        """Hard delete (O-07); children cascade through foreign keys, links of every deleted record go too."""
        with self._lock:
            if kind == "organization":
                for child in ("location", "contact", "configuration", "ticket"):
                    self._x(f"DELETE FROM links WHERE kind=? AND record_id IN "
                            f"(SELECT id FROM {TABLES[child]} WHERE organization_id=?)", (child, record_id))
                    self._x(f"DELETE FROM push_state WHERE kind=? AND record_id IN "
                            f"(SELECT id FROM {TABLES[child]} WHERE organization_id=?)", (child, record_id))
            self._x("DELETE FROM links WHERE kind=? AND record_id=?", (kind, record_id))
            self._x("DELETE FROM push_state WHERE kind=? AND record_id=?", (kind, record_id))
            self._x(f"DELETE FROM {self._table(kind)} WHERE id=?", (record_id,))

    def _columns(self, kind: str, fields: dict[str, Any]) -> tuple[list[str], list[Any]]:
        allowed = FIELDS[kind]
        cols: list[str] = []
        vals: list[Any] = []
        for k, v in fields.items():
            if k not in allowed:
                raise StoreError(f"{kind} has no field {k!r}")
            if k in _JSON_FIELDS:
                cols.append(k)
                vals.append(json.dumps(v if v is not None else ({} if k == "psa_udfs" else []), sort_keys=True))
            elif k == "configuration_type":
                cols.append("configuration_type_id")
                vals.append(self.configuration_type_id(v) if v else None)
            elif k == "manufacturer":
                cols.append("manufacturer_id")
                vals.append(self.manufacturer_id(v) if v else None)
            elif k == "model":
                if v:
                    manu = fields.get("manufacturer")
                    if not manu:
                        raise StoreError("a model needs its manufacturer in the same write")
                    vals.append(self.model_id(self.manufacturer_id(manu), v))
                else:
                    vals.append(None)
                cols.append("model_id")
            else:
                cols.append(k)
                vals.append(v)
        return cols, vals

    def _base_select(self, kind: str) -> tuple[str, str]:
        """SELECT with lookup names and the record's link joined in (one query instead of loading all links)."""
        table = self._table(kind)
        link_cols = ("l.psa_id AS l_psa_id, l.state AS l_state, l.psa_changed_at AS l_psa_changed_at, "
                     "l.synced_at AS l_synced_at, l.error AS l_error, l.psa_company_id AS l_psa_company_id")
        join = f"LEFT JOIN links l ON l.kind = '{kind}' AND l.record_id = x.id"
        if kind == "configuration":
            return (f"SELECT x.*, t.name AS configuration_type, m.name AS manufacturer, md.name AS model, "
                    f"{link_cols} FROM configurations x "
                    "LEFT JOIN configuration_types t ON t.id = x.configuration_type_id "
                    "LEFT JOIN manufacturers m ON m.id = x.manufacturer_id "
                    f"LEFT JOIN models md ON md.id = x.model_id {join}"), "x."
        return f"SELECT x.*, {link_cols} FROM {table} x {join}", "x."

    def _row_to_record(self, kind: str, row: sqlite3.Row) -> Record:
        keys = row.keys()
        fields: dict[str, Any] = {}
        for f in FIELDS[kind]:
            v = row[f] if f in keys else None
            if f in _JSON_FIELDS:
                v = json.loads(v) if v else ({} if f == "psa_udfs" else [])
            fields[f] = v
        link = None
        if row["l_psa_id"] is not None:
            link = Link(kind=kind, record_id=int(row["id"]), psa_id=int(row["l_psa_id"]), state=row["l_state"],
                        psa_changed_at=row["l_psa_changed_at"], synced_at=row["l_synced_at"], error=row["l_error"],
                        psa_company_id=row["l_psa_company_id"])
        return Record(kind=kind, id=int(row["id"]),
                      organization_id=None if kind == "organization" else int(row["organization_id"]),
                      fields=fields, unmapped=json.loads(row["unmapped"] or "{}"), created_at=row["created_at"],
                      updated_at=row["updated_at"], link=link)

    def get_record(self, kind: str, record_id: int) -> Record | None:
        base, a = self._base_select(kind)
        row = self._x(f"{base} WHERE {a}id=?", (record_id,)).fetchone()
        return None if row is None else self._row_to_record(kind, row)

    def list_records(self, kind: str, organization_ids: Iterable[int] | None = None) -> list[Record]:
        """Records of a kind (optionally only in some organizations), in id order, with their links."""
        base, a = self._base_select(kind)
        rows: list[sqlite3.Row] = []
        if organization_ids is None:
            rows = list(self._x(f"{base} ORDER BY {a}id"))
        else:
            ids = sorted(set(organization_ids))
            col = f"{a}id" if kind == "organization" else f"{a}organization_id"
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                rows.extend(self._x(f"{base} WHERE {col} IN ({','.join('?' * len(chunk))})", chunk))
            rows.sort(key=lambda r: r["id"])
        return [self._row_to_record(kind, r) for r in rows]

    def _select_chunked(self, kind: str, where: str, values: Iterable[Any], extra: str = "") -> list[Record]:
        """``base WHERE <where with one IN (…)>`` over ``values`` in chunks of 500 (SQLite's variable limit),
        deduplicated and in id order like :meth:`list_records`."""
        base, _a = self._base_select(kind)
        vals = list(dict.fromkeys(values))  # the order is irrelevant: rows come back sorted by id
        rows: dict[int, sqlite3.Row] = {}
        for i in range(0, len(vals), 500):
            chunk = vals[i:i + 500]
            sql = f"{base} WHERE {where.format(marks=','.join('?' * len(chunk)))}{extra}"
            for r in self._x(sql, chunk):
                rows[int(r["id"])] = r
        return [self._row_to_record(kind, rows[k]) for k in sorted(rows)]

    def records_linked_to(self, kind: str, psa_ids: Iterable[int]) -> list[Record]:
        """Records whose link (in any state) holds one of ``psa_ids``, in id order.

        Why: an incremental pull only needs the records its fetched Autotask ids are linked to (plus match
        candidates, :meth:`match_candidates`), so it looks those up through UNIQUE(kind, psa_id) instead of loading
        every record of every touched organization (issue 4: an incremental pass costs what changed)."""
        self._table(kind)  # validates ``kind`` before it is spliced into the SQL
        return self._select_chunked(kind, f"x.id IN (SELECT record_id FROM links WHERE kind='{kind}' AND psa_id IN "
                                    "({marks}))", psa_ids)

    def match_candidates(self, kind: str, *, organization_ids: Iterable[int] | None = None,
                         names: Iterable[str] | None = None) -> list[Record]:
        """Records that matching may choose: never linked, or orphaned (M-09, M-12, M-13), in id order.

        Children are looked up by organization (M-14: matching never leaves the org); organizations, which match
        platform-wide by name (M-01), by exact name. The name filter is only a pre-selection: the pure matcher
        still compares keys itself (M-06), so a wider result could never change a decision."""
        if (organization_ids is None) == (names is None):
            raise StoreError("match_candidates needs organization_ids or names, not both")
        eligible = " AND (l.psa_id IS NULL OR l.state = 'orphaned')"
        if names is not None:
            if kind != "organization":
                raise StoreError("only organizations are looked up by name")
            return self._select_chunked(kind, "x.name IN ({marks})", names, eligible)
        col = "x.id" if kind == "organization" else "x.organization_id"
        return self._select_chunked(kind, col + " IN ({marks})", organization_ids or (), eligible)

    def link_targets(self, kind: str, psa_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """Autotask id → (record id, organization id) for the links (any state) holding ``psa_ids``; an
        organization is its own organization. Lets the pull resolve references (FM-C3, FM-O3) without loading
        every link of the tenant."""
        table = self._table(kind)
        org_col = "x.id" if kind == "organization" else "x.organization_id"
        ids = sorted(set(psa_ids))
        out: dict[int, tuple[int, int]] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in self._x(f"SELECT l.psa_id, l.record_id, {org_col} FROM links l JOIN {table} x ON x.id = "
                             f"l.record_id WHERE l.kind=? AND l.psa_id IN ({','.join('?' * len(chunk))})",
                             [kind, *chunk]):
                out[int(r[0])] = (int(r[1]), int(r[2] or 0))
        return out

    def count_records(self, kind: str) -> int:
        return int(self._x(f"SELECT COUNT(*) FROM {self._table(kind)}").fetchone()[0])

    # ------------------------------------------------------------------ links (M-09, ST-03)
    @staticmethod
    def _link(row: sqlite3.Row) -> Link:
        keys = row.keys()
        company = row["psa_company_id"] if "psa_company_id" in keys else None
        return Link(kind=row["kind"], record_id=int(row["record_id"]), psa_id=int(row["psa_id"]), state=row["state"],
                    psa_changed_at=row["psa_changed_at"], synced_at=row["synced_at"], error=row["error"],
                    psa_company_id=None if company is None else int(company))

    def get_link(self, kind: str, record_id: int) -> Link | None:
        row = self._x("SELECT * FROM links WHERE kind=? AND record_id=?", (kind, record_id)).fetchone()
        return None if row is None else self._link(row)

    def link_by_psa(self, kind: str, psa_id: int) -> Link | None:
        row = self._x("SELECT * FROM links WHERE kind=? AND psa_id=?", (kind, psa_id)).fetchone()
        return None if row is None else self._link(row)

    def links(self, kind: str | None = None) -> list[Link]:
        if kind is None:
            return [self._link(r) for r in self._x("SELECT * FROM links ORDER BY kind, record_id")]
        return [self._link(r) for r in self._x("SELECT * FROM links WHERE kind=? ORDER BY record_id", (kind,))]

    def set_link(self, kind: str, record_id: int, psa_id: int, state: str = "enabled", *,
                 psa_changed_at: str | None = None, synced_at: str | None = None, error: str | None = None,
                 psa_company_id: int | None = None) -> None:
        """Create or repoint the link of ``record_id``. Any other link holding ``psa_id`` is a caller bug and
        fails on UNIQUE(kind, psa_id) rather than silently stealing it (M-09)."""
        if state not in LINK_STATES:
            raise StoreError(f"bad link state {state!r}")
        self._x("INSERT INTO links(kind, record_id, psa_id, state, psa_changed_at, synced_at, error, psa_company_id) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(kind, record_id) DO UPDATE SET psa_id=excluded.psa_id, "
                "state=excluded.state, psa_changed_at=COALESCE(excluded.psa_changed_at, links.psa_changed_at), "
                "synced_at=COALESCE(excluded.synced_at, links.synced_at), error=excluded.error, "
                "psa_company_id=COALESCE(excluded.psa_company_id, links.psa_company_id)",
                (kind, record_id, psa_id, state, psa_changed_at, synced_at, error, psa_company_id))

    def set_link_company(self, kind: str, record_id: int, psa_company_id: int | None) -> None:
        self._x("UPDATE links SET psa_company_id=? WHERE kind=? AND record_id=?", (psa_company_id, kind, record_id))

    def touch_link(self, kind: str, record_id: int, synced_at: str) -> None:
        self._x("UPDATE links SET synced_at=? WHERE kind=? AND record_id=?", (synced_at, kind, record_id))

    def remove_all_links(self) -> int:
        """D-02: every link goes; records and their fields stay."""
        with self._lock:
            n = int(self._x("SELECT COUNT(*) FROM links").fetchone()[0])
            self._x("DELETE FROM links")
            self._x("DELETE FROM push_state")
            return n

    # ------------------------------------------------------------------ push bookkeeping (P-11, R-05)
    def get_push_state(self, kind: str, record_id: int) -> dict[str, Any] | None:
        row = self._x("SELECT * FROM push_state WHERE kind=? AND record_id=?", (kind, record_id)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["pending_fields"] = json.loads(d["pending_fields"] or "[]")
        d["pending_create"] = bool(d["pending_create"])
        return d

    def set_push_state(self, kind: str, record_id: int, *, pending_fields: Iterable[str] = (),
                       pending_create: bool = False, error: str | None = None) -> None:
        self._x("INSERT INTO push_state(kind, record_id, pending_fields, pending_create, error, at) VALUES "
                "(?,?,?,?,?,?) ON CONFLICT(kind, record_id) DO UPDATE SET pending_fields=excluded.pending_fields, "
                "pending_create=excluded.pending_create, error=excluded.error, at=excluded.at",
                (kind, record_id, json.dumps(sorted(set(pending_fields))), int(pending_create), error, self.now()))

    def clear_push_state(self, kind: str, record_id: int) -> None:
        self._x("DELETE FROM push_state WHERE kind=? AND record_id=?", (kind, record_id))

    def push_states(self, kind: str | None = None) -> list[dict[str, Any]]:
        rows = self._x("SELECT * FROM push_state" + (" WHERE kind=?" if kind else "") + " ORDER BY kind, record_id",
                       (kind,) if kind else ())
        return [dict(r) for r in rows]

    def unlinked_push_errors(self, kind: str | None = None) -> dict[tuple[str, int], str]:
        """(kind, record id) → error text of records without a link whose last push failed (P-11, ST-03): the
        service shows them in the sync-error state although no Autotask counterpart exists yet."""
        rows = self._x("SELECT p.kind, p.record_id, p.error FROM push_state p LEFT JOIN links l ON l.kind = p.kind "
                       "AND l.record_id = p.record_id WHERE p.error IS NOT NULL AND l.id IS NULL"
                       + (" AND p.kind=?" if kind else ""), (kind,) if kind else ())
        return {(r[0], int(r[1])): r[2] for r in rows}

    def set_link_state(self, kind: str, record_id: int, state: str, *, error: str | None = None) -> None:
        if state not in LINK_STATES:
            raise StoreError(f"bad link state {state!r}")
        self._x("UPDATE links SET state=?, error=? WHERE kind=? AND record_id=?", (state, error, kind, record_id))

    def orphan_children(self, organization_id: int) -> dict[str, int]:
        """O-04: orphaning an org cascades orphan state to its actively linked children (never deletes them)."""
        out: dict[str, int] = {}
        for child in ("location", "contact", "configuration", "ticket"):
            cur = self._x(f"UPDATE links SET state='orphaned' WHERE kind=? AND state IN ('enabled', 'error') AND "
                          f"record_id IN (SELECT id FROM {TABLES[child]} WHERE organization_id=?)",
                          (child, organization_id))
            out[child] = cur.rowcount
        return out

    def remove_link(self, kind: str, record_id: int) -> None:
        self._x("DELETE FROM links WHERE kind=? AND record_id=?", (kind, record_id))
        self._x("DELETE FROM push_state WHERE kind=? AND record_id=?", (kind, record_id))

    def link_counts(self) -> dict[str, dict[str, int]]:
        out = {k: dict.fromkeys(LINK_STATES, 0) for k in KINDS}
        for r in self._x("SELECT kind, state, COUNT(*) FROM links GROUP BY kind, state"):
            out.setdefault(r[0], dict.fromkeys(LINK_STATES, 0))[r[1]] = int(r[2])
        return out

    # ------------------------------------------------------------------ integration row
    def get_integration(self) -> dict[str, Any] | None:
        row = self._x("SELECT * FROM integration WHERE id=1").fetchone()
        return None if row is None else dict(row)

    def save_integration(self, **values: Any) -> None:
        current = self.get_integration()
        if current is None:
            values.setdefault("created_at", self.now())
            cols = ["id", *values]
            self._x(f"INSERT INTO integration ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [1, *values.values()])
        elif values:
            self._x(f"UPDATE integration SET {', '.join(f'{k}=?' for k in values)} WHERE id=1", list(values.values()))

    def delete_integration(self) -> None:
        self._x("DELETE FROM integration")

    # ------------------------------------------------------------------ passes and logs (ST-01, ST-02)
    def start_pass(self, full: bool) -> int:
        return int(self._x("INSERT INTO sync_passes(started_at, full, status) VALUES (?,?,?)",
                           (self.now(), int(full), "running")).lastrowid)  # type: ignore[arg-type]

    def finish_pass(self, pass_id: int, status: str, summary: dict[str, Any], api_calls: int,
                    error: str | None = None) -> None:
        self._x("UPDATE sync_passes SET finished_at=?, status=?, summary=?, api_calls=?, error=? WHERE id=?",
                (self.now(), status, json.dumps(summary, sort_keys=True), api_calls, error, pass_id))

    def passes(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._x("SELECT * FROM sync_passes ORDER BY id DESC LIMIT ?", (limit,))
        out = []
        for r in rows:
            d = dict(r)
            d["summary"] = json.loads(d["summary"] or "{}")
            out.append(d)
        return out

    def log(self, pass_id: int | None, level: str, message: str, *, kind: str | None = None,
            psa_id: int | None = None, record_id: int | None = None) -> None:
        self._x("INSERT INTO sync_logs(pass_id, at, level, kind, psa_id, record_id, message) VALUES (?,?,?,?,?,?,?)",
                (pass_id, self.now(), level, kind, psa_id, record_id, message))

    def logs(self, limit: int = 200, pass_id: int | None = None) -> list[dict[str, Any]]:
        if pass_id is None:
            rows = self._x("SELECT * FROM sync_logs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = self._x("SELECT * FROM sync_logs WHERE pass_id=? ORDER BY id DESC LIMIT ?", (pass_id, limit))
        return [dict(r) for r in rows][::-1]

    # ------------------------------------------------------------------ cache and watermarks
    def cache_get(self, name: str) -> Any:
        row = self._x("SELECT data FROM psa_cache WHERE name=?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def cache_put(self, name: str, data: Any) -> None:
        self._x("INSERT INTO psa_cache(name, data, fetched_at) VALUES (?,?,?) ON CONFLICT(name) DO UPDATE SET "
                "data=excluded.data, fetched_at=excluded.fetched_at", (name, json.dumps(data), self.now()))

    def watermark(self, entity: str) -> str | None:
        row = self._x("SELECT value FROM watermarks WHERE entity=?", (entity,)).fetchone()
        return None if row is None else str(row[0])

    def set_watermark(self, entity: str, value: str) -> None:
        self._x("INSERT INTO watermarks(entity, value) VALUES (?,?) ON CONFLICT(entity) DO UPDATE SET "
                "value=excluded.value", (entity, value))

    def clear_watermarks(self) -> None:
        self._x("DELETE FROM watermarks")


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements (no semicolons inside our literals)."""
    out = []
    for part in sql.split(";"):
        lines = [ln for ln in part.splitlines() if not ln.strip().startswith("--")]
        stmt = "\n".join(lines).strip()
        if stmt:
            out.append(stmt)
    return out
