"""User-defined field definitions of one entity in one tenant."""

from __future__ import annotations

from dataclasses import dataclass

# Fixture/UDF "type" names -> the catalogue's dataType vocabulary.
UDF_TYPES = {
    "string": "string",
    "text": "string",
    "list": "string",
    "picklist": "string",
    "number": "decimal",
    "decimal": "decimal",
    "integer": "integer",
    "date": "datetime",
    "datetime": "datetime",
    "boolean": "boolean",
}


@dataclass(frozen=True, slots=True)
class UdfSpec:
    name: str
    data_type: str
    label: str = ""
    length: int | None = None
    description: str = ""
    is_required: bool = False
    is_protected: bool = False
    picklist: tuple[str, ...] = ()
    default_value: str | None = None

    @classmethod
    def from_fixture(cls, raw: dict) -> UdfSpec:
        kind = str(raw.get("type", "string")).lower()
        if kind not in UDF_TYPES:
            raise ValueError(f"unknown UDF type {raw.get('type')!r}; expected one of {', '.join(UDF_TYPES)}")
        return cls(
            name=str(raw["name"]),
            data_type=UDF_TYPES[kind],
            label=str(raw.get("label") or raw["name"]),
            length=raw.get("length"),
            description=str(raw.get("description") or ""),
            is_required=bool(raw.get("isRequired", False)),
            is_protected=bool(raw.get("isProtected", False)),
            picklist=tuple(str(v) for v in raw.get("picklistValues") or ()),
            default_value=raw.get("defaultValue"),
        )

    def to_fixture(self) -> dict:
        kind = {v: k for k, v in UDF_TYPES.items() if k in ("string", "decimal", "integer", "datetime", "boolean")}
        out: dict = {"name": self.name, "type": kind.get(self.data_type, "string")}
        if self.label and self.label != self.name:
            out["label"] = self.label
        if self.length is not None:
            out["length"] = self.length
        if self.description:
            out["description"] = self.description
        if self.is_required:
            out["isRequired"] = True
        if self.is_protected:
            out["isProtected"] = True
        if self.picklist:
            out["picklistValues"] = list(self.picklist)
        if self.default_value is not None:
            out["defaultValue"] = self.default_value
        return out
