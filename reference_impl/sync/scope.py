"""Scope decisions of §2 as pure functions over Autotask records (plain dicts) and settings.

Why pure: scope decides orphaning (O-03), so it has to be exactly testable, including boundaries (Q23), without HTTP
or a database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reference_impl.clock import parse_at_datetime, subtract_months
from reference_impl.sync.settings import SyncSettings


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v == "")


def company_invalid_reason(company: dict[str, Any]) -> str | None:
    """M-11/O-02: an organization with an empty name is invalid and is neither created nor kept enabled."""
    name = company.get("companyName")
    if name is None or str(name).strip() == "":
        return "its name is blank"
    return None


def company_in_scope(company: dict[str, Any], s: SyncSettings) -> bool:
    """SC-01: type selected AND (classification sync off OR classification selected OR (none AND 'without'))."""
    if str(company.get("companyType")) not in s.account_types:
        return False
    if not s.classification_sync:
        return True
    cls = company.get("classification")
    if _blank(cls) or cls == 0:
        return s.sync_without_classification
    return str(cls) in s.classifications


def company_syncable(company: dict[str, Any], s: SyncSettings) -> bool:
    return company_in_scope(company, s) and company_invalid_reason(company) is None


def device_in_scope(ci: dict[str, Any], s: SyncSettings) -> bool:
    """SC-02: type selected, or type blank and 'Sync Configuration Items without Configuration Item Types'."""
    t = ci.get("configurationItemType")
    if _blank(t) or t == 0:
        return s.sync_without_ci_type
    return str(t) in s.ci_types


def ticket_window_start(s: SyncSettings, now: datetime) -> datetime | None:
    """Q23: calendar months in UTC; None when the window is blank."""
    if s.ticket_months is None:
        return None
    return subtract_months(now, s.ticket_months)


def ticket_in_window(ticket: dict[str, Any], s: SyncSettings, now: datetime) -> bool:
    """T-02/Q23: inclusive — in scope iff max(createDate, lastActivityDate) >= now − N months."""
    start = ticket_window_start(s, now)
    if start is None:
        return True
    times = [t for t in (parse_at_datetime(ticket.get("createDate")), parse_at_datetime(ticket.get("lastActivityDate")))
             if t is not None]
    return bool(times) and max(times) >= start


def ticket_queue_selected(ticket: dict[str, Any], s: SyncSettings) -> bool:
    """T-01: a ticket syncs only if its queue is selected."""
    q = ticket.get("queueID")
    return not _blank(q) and str(q) in s.queues


def ticket_in_scope(ticket: dict[str, Any], s: SyncSettings, now: datetime) -> bool:
    """SC-07: queue selected AND (window blank OR created/updated within the window)."""
    return ticket_queue_selected(ticket, s) and ticket_in_window(ticket, s, now)
