"""Pure prerequisites and defaults for pushing to Autotask (the push itself is part 2).

Why here already: these are §3 rules (FM-O1, FM-C5, FM-C6, FM-C7, FM-K3, FM-K4) about mapping, and settings
validation (SC-08, SC-09) depends on them. Part 2's push calls these functions; keeping them pure makes the rules
testable before any HTTP write exists.
"""

from __future__ import annotations

from typing import Any

from reference_impl.sync.settings import SyncSettings


def missing_for_push(kind: str, fields: dict[str, Any]) -> list[str]:
    """FM-C6: a configuration needs Name, Type, Manufacturer and Model before it can be pushed."""
    if kind != "configuration":
        return []
    need = {"name": "Name", "configuration_type": "Type", "manufacturer": "Manufacturer", "model": "Model"}
    return [label for f, label in need.items() if fields.get(f) in (None, "")]


def new_company_defaults(settings: SyncSettings) -> dict[str, Any]:
    """FM-O1/P-09: a company created from the documentation side is owned by the Default Account Manager."""
    return {"ownerResourceID": settings.default_account_manager}


def new_product_defaults(settings: SyncSettings) -> dict[str, Any]:
    """FM-C5/P-09: products created for pushed configurations get the Default Material Code and Category."""
    return {"productCategory": settings.default_product_category,
            "billingCodeID": settings.default_material_code}


def move_error(kind: str, linked: bool, old_org: int | None, new_org: int | None) -> str | None:
    """FM-C7/FM-K3: Autotask cannot move a device or contact to another company; a move is a sync error."""
    if linked and kind in ("configuration", "contact") and old_org is not None and new_org != old_org:
        return (f"This {kind} belongs to another organization in Autotask and cannot be moved there; "
                "create it in the new organization instead.")
    return None


def contact_channels(settings: SyncSettings, fields: dict[str, Any]) -> dict[str, Any]:
    """FM-K4: without an Email Type / Phone Type chosen, a new contact is pushed without email or phone data."""
    out = dict(fields)
    if not settings.ad_email_type:
        out.pop("work_email", None)
    if not settings.ad_phone_type:
        for f in ("work_phone", "mobile_phone", "alternate_phone", "fax"):
            out.pop(f, None)
    return out
