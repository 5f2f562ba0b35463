"""Sync settings (§2) and their validation on save (SC-08, SC-09).

Why picklist values are kept as strings: Autotask's entityInformation returns picklist ``value``s as strings while
records carry integers; comparing ``str(x)`` on both sides removes a whole class of "never in scope" bugs.
Validation is a pure function given the facts it needs (the chosen account-manager resource), so the rules are
testable without HTTP; :meth:`SyncService.save_settings` fetches those facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

API_USER_LABEL = "api user"
API_USER_DOMAIN = "apiuser.com"


def _strs(values: Iterable[Any] | None) -> frozenset[str]:
    return frozenset(str(v) for v in (values or ()))


@dataclass(frozen=True)
class SyncSettings:
    """Every scoping option of §2 plus the §15 defaults this implementation exposes as settings."""

    account_types: frozenset[str] = frozenset()  # SC-01(a): selected companyType values
    classification_sync: bool = False  # SC-01(b)
    classifications: frozenset[str] = frozenset()  # ClassificationIcons ids
    sync_without_classification: bool = False
    ci_types: frozenset[str] = frozenset()  # SC-02: selected ConfigurationItemTypes ids
    sync_without_ci_type: bool = False
    contacts_enabled: bool = True  # SC-04
    locations_enabled: bool = False  # SC-05
    queues: frozenset[str] = frozenset()  # SC-07 / T-01: selected queueID values
    ticket_months: int | None = None  # SC-07 / T-02: blank = no window
    two_way: bool = False  # §8 (part 2); P-01: off means nothing is ever written to Autotask
    default_account_manager: int | None = None  # SC-08 / FM-O1
    default_material_code: str | None = None  # SC-09 / FM-C5
    default_product_category: str | None = None  # SC-09 / FM-C5
    ad_email_type: str | None = None  # FM-K4 / P-10 (part 2)
    ad_phone_type: str | None = None
    mac_udf_name: str = "MAC Address"  # Q3: where the MAC comes from
    canonicalize_mac: bool = True  # Q1: MAC compared after stripping separators and upper-casing
    ticket_out_of_window: str = "orphan"  # Q15: "orphan" (default) or "freeze"
    sync_interval_minutes: int = 60  # Q22 / SC-10

    def __post_init__(self) -> None:
        for name in ("account_types", "classifications", "ci_types", "queues"):
            object.__setattr__(self, name, _strs(getattr(self, name)))
        for name in ("default_material_code", "default_product_category"):
            v = getattr(self, name)
            object.__setattr__(self, name, None if v is None or str(v).strip() == "" else str(v))
        if self.ticket_months is not None and str(self.ticket_months).strip() == "":
            object.__setattr__(self, "ticket_months", None)
        elif self.ticket_months is not None:
            object.__setattr__(self, "ticket_months", int(self.ticket_months))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, frozenset):
                d[k] = sorted(v, key=lambda s: (len(s), s))
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SyncSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def scope_key(self) -> dict[str, Any]:
        """The part of the settings that decides scope; a change here needs a full sync (SC-13)."""
        d = self.to_json()
        for k in ("two_way", "default_account_manager", "default_material_code", "default_product_category",
                  "ad_email_type", "ad_phone_type", "sync_interval_minutes"):
            d.pop(k, None)
        return d

    def with_(self, **changes: Any) -> SyncSettings:
        return replace(self, **changes)


@dataclass(frozen=True)
class SettingsProblem:
    field: str
    message: str
    rule: str


@dataclass
class SettingsValidation:
    problems: list[SettingsProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.message} ({p.rule})" for p in self.problems)


class SettingsError(ValueError):
    """Raised by save_settings when validation fails; nothing is saved and no sync is queued."""

    def __init__(self, validation: SettingsValidation) -> None:
        super().__init__(str(validation))
        self.validation = validation


def is_api_only_resource(resource: dict[str, Any]) -> bool:
    """SC-08: Autotask marks API-only users with licenseType 'API User'; their usernames end in @APIUSER.com."""
    label = str(resource.get("licenseTypeLabel") or resource.get("licenseType") or "").strip().lower()
    if label == API_USER_LABEL:
        return True
    for key in ("email", "userName"):
        v = str(resource.get(key) or "").strip().lower()
        if v.endswith(API_USER_DOMAIN):
            return True
    return False


def validate_settings(settings: SyncSettings, account_manager: dict[str, Any] | None,
                      *, manager_lookup_done: bool = True) -> SettingsValidation:
    """Pure validation.

    * SC-09: Default Material Code and Default Product Category are required.
    * SC-08: the Default Account Manager is required, must exist, be active and not be API-only — checked here,
      before any push is attempted.
    * Ticket window must be a positive number of months; the MAC UDF name must not be blank when set.
    """
    v = SettingsValidation()
    if settings.default_material_code is None:
        v.problems.append(SettingsProblem("default_material_code", "Default Material Code is required", "SC-09"))
    if settings.default_product_category is None:
        v.problems.append(SettingsProblem("default_product_category", "Default Product Category is required",
                                          "SC-09"))
    if settings.default_account_manager is None:
        v.problems.append(SettingsProblem("default_account_manager", "Default Account Manager is required",
                                          "SC-08"))
    elif manager_lookup_done:
        if account_manager is None:
            v.problems.append(SettingsProblem("default_account_manager",
                                              f"resource {settings.default_account_manager} does not exist", "SC-08"))
        elif is_api_only_resource(account_manager):
            v.problems.append(SettingsProblem(
                "default_account_manager",
                "an API-only user cannot own organizations in Autotask; choose a non-API user such as an "
                "administrator", "SC-08"))
        elif account_manager.get("isActive") is False:
            v.problems.append(SettingsProblem("default_account_manager", "the resource is inactive", "SC-08"))
    if settings.ticket_months is not None and settings.ticket_months <= 0:
        v.problems.append(SettingsProblem("ticket_months", "must be a positive number of months or blank", "SC-07"))
    if not settings.mac_udf_name.strip():
        v.problems.append(SettingsProblem("mac_udf_name", "must name the UDF holding MAC addresses", "Q3"))
    if not settings.contacts_enabled and (settings.ad_email_type or settings.ad_phone_type):
        v.problems.append(SettingsProblem("ad_email_type", "the two-way contact settings are only available when "
                                          "contact sync is enabled", "SC-14"))
    if settings.ticket_out_of_window not in ("orphan", "freeze"):
        v.problems.append(SettingsProblem("ticket_out_of_window", "must be 'orphan' or 'freeze'", "Q15"))
    return v
