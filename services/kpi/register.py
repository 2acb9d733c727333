"""The facility register: optional rows of a report, from which its counts are derived."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.kpi.domain import CP_YEARLY_FIELDS, FieldErrors
from shared.i18n import LocalizedText

FACILITY_FLAGS = ("cp_potential", "aware", "applying")
DERIVED_FROM_REGISTER = ("facilities_cp_potential", "facilities_aware", "facilities_applying",
                         "avg_saving_percent")


def derive_from_register(facilities: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The report's facility counts and the applying facilities' mean saving, from the rows."""
    applying = [f for f in facilities if f.get("applying")]
    savings = [f["saving_percent"] for f in applying if f.get("saving_percent") is not None]
    return {
        "facilities_cp_potential": sum(1 for f in facilities if f.get("cp_potential")),
        "facilities_aware": sum(1 for f in facilities if f.get("aware")),
        "facilities_applying": len(applying),
        "avg_saving_percent": round(sum(savings) / len(savings), 2) if savings else 0.0,
    }


def validate_register(facilities: list[Mapping[str, Any]],
                      values: Mapping[str, Any]) -> FieldErrors:
    """Errors of the rows (aware or applying only with CP potential; saving only if applying,
    0-100) and of the report's counts that disagree with the rows."""
    errors: FieldErrors = {}
    for index, row in enumerate(facilities):
        prefix = f"facilities.{index}"
        for flag in ("aware", "applying"):
            if row.get(flag) and not row.get("cp_potential"):
                errors.setdefault(f"{prefix}.{flag}", []).append(
                    LocalizedText(f"kpi_register_{flag}_without_potential", name=row["name"]))
        saving = row.get("saving_percent")
        if saving is not None and not 0 <= saving <= 100:
            errors.setdefault(f"{prefix}.saving_percent", []).append(
                LocalizedText("kpi_register_saving_range", name=row["name"]))
        elif saving and not row.get("applying"):
            errors.setdefault(f"{prefix}.saving_percent", []).append(
                LocalizedText("kpi_register_saving_without_applying", name=row["name"]))
    derived = derive_from_register(facilities)
    for name in DERIVED_FROM_REGISTER:
        given = values.get(name)
        if given is not None and abs(given - derived[name]) > 0.005:
            field = next(f for f in CP_YEARLY_FIELDS if f.name == name)
            errors.setdefault(f"values.{name}", []).append(LocalizedText(
                "kpi_register_disagrees", label=field.label_vi, label_en=field.label_en,
                given=given, derived=derived[name]))
    return errors
