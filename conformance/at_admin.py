"""Changes an Autotask *administrator* makes in the Autotask UI that the REST API cannot make.

The suites drive Autotask through the mock's REST API, like a technician would. Some rules are about changes only an
admin makes in the Autotask application, never through the API:

* **deleting (or merging away) a company** — ``Companies`` cannot be deleted through the REST API (P-13), but an
  admin can delete a company in the UI (or merge it into another, which removes it). The sync then meets the
  organization's company *absent* from a complete enumeration (O-01, O-08);
* **renaming a queue** — queue names are picklist labels the admin edits under Admin › Service Desk; the ticket's
  queue *label* changes while its ``queueID`` stays (§3.5 Queue → Board, FM-G1);
* **user-defined fields and security levels** — an admin defines a UDF (Admin › User-Defined Fields), marks it
  *protected*, and gives the sync's API user a security level without *View Protected Data*; the API then sends the
  protected values masked as ``*****`` (C-09, Q26).

Both act on the tenant's state inside the kit's own mock (the in-process app that also serves the live mock, see
:func:`conformance.world.shared_app`), never on the implementation under test, and never through its code.
"""

from __future__ import annotations

from typing import Any

# the child entities that hang off a company and go with it when the company is deleted
_CHILDREN = ("CompanyLocations", "Contacts", "ConfigurationItems", "Tickets")


def tenant_state(w: Any) -> Any:
    """The mock's state of ``w``'s tenant (the same object the REST API of the tenant reads and writes)."""
    from conformance.world import shared_app
    from mockserver.app import get_context

    state = get_context(shared_app()).store.tenant(w.at.tenant_name)
    assert state is not None, f"the kit's mock holds no tenant {w.at.tenant_name!r}"
    return state


def delete_company(w: Any, company_id: int) -> dict[str, list[int]]:
    """An admin deletes company ``company_id`` in the Autotask UI: the company and every record of it are gone.

    Returns the ids removed per entity (so a property knows which documentation records lost their Autotask side).
    """
    state = tenant_state(w)
    removed: dict[str, list[int]] = {}
    with state.lock:
        assert state.get("Companies", company_id) is not None, f"no company {company_id} to delete"
        for entity in _CHILDREN:
            if entity not in state.tables:
                continue
            for rec in state.records_where(entity, "companyID", company_id):
                state.table(entity).delete(rec["id"])
                removed.setdefault(entity, []).append(int(rec["id"]))
        state.table("Companies").delete(company_id)
        removed["Companies"] = [company_id]
    return removed


def rename_picklist_value(w: Any, entity: str, field: str, value: Any, label: str) -> None:
    """An admin renames one picklist value (e.g. a queue: ``Tickets.queueID``); records keep the value itself."""
    state = tenant_state(w)
    with state.lock:
        items = [dict(i) for i in state.picklist(entity, field) or ()]
        hit = [i for i in items if i.get("value") == value]
        assert hit, f"{entity}.{field} has no value {value!r}"
        for i in hit:
            i["label"] = label
        state.set_picklist(entity, field, items)


def define_udf(w: Any, entity: str, name: str, *, protected: bool = False) -> None:
    """An admin defines (or redefines) the string UDF ``name`` of ``entity``, protected or not (Admin › UDFs)."""
    from mockserver.state.udf import UdfSpec

    state = tenant_state(w)
    with state.lock:
        defs = dict(state.udf_defs(entity))
        defs[name] = UdfSpec.from_fixture({"name": name, "type": "string", "length": 100, "isProtected": protected})
        state.udfs[entity] = defs


def set_view_protected_data(w: Any, allowed: bool) -> None:
    """An admin gives the sync's API user(s) a security level with or without *View Protected Data* (C-09): a copy
    of "API User (system)" that grants every entity operation but hides protected UDF values (``*****``, Q26)."""
    from mockserver.security import restricted_copy
    from mockserver.state.tenant import BUILTIN_SECURITY_LEVEL

    level = "API User (no protected data)"
    state = tenant_state(w)
    with state.lock:
        if not allowed:
            state.security_levels[level] = restricted_copy(level, view_protected_data=False)
        for user in state.api_users.values():
            user.security_level = BUILTIN_SECURITY_LEVEL if allowed else level
