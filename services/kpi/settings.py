"""Settings of the kpi service only (the common ones live in shared.settings)."""

from __future__ import annotations

import os
from dataclasses import dataclass


class KpiSettingsError(ValueError):
    """Raised when a kpi setting in the environment cannot be used."""


@dataclass(frozen=True)
class KpiSettings:
    """What the kpi service lets an administrator choose.

    - `approving_unit_code` (KPI_APPROVING_UNIT, default `SCT`): the plan's lead unit; its
      coordinators approve or return reports (and see every unit's reports), like the head.
    - `deadline_month`, `deadline_day` (KPI_REPORT_DEADLINE, default `12-20`): the yearly
      report's due day in the report year, moved past weekends and public holidays.
    - `count_submitted` (KPI_COUNT_SUBMITTED, default `true`): submitted reports count before
      approval, and the values they make are marked provisional; `false` counts approved ones.
    - `max_upload_bytes` (KPI_MAX_UPLOAD_BYTES, default 512 KiB): the largest Excel upload.
    """

    approving_unit_code: str = "SCT"
    deadline_month: int = 12
    deadline_day: int = 20
    count_submitted: bool = True
    max_upload_bytes: int = 512 * 1024

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KpiSettings:
        """Read the KPI_* variables (the only reader of os.environ in the kpi service)."""
        env = os.environ if environ is None else environ
        deadline = env.get("KPI_REPORT_DEADLINE", "12-20")
        try:
            month, day = (int(part) for part in deadline.split("-"))
            if not (1 <= month <= 12 and 1 <= day <= 28):
                raise ValueError(deadline)
            max_upload = int(env.get("KPI_MAX_UPLOAD_BYTES", str(512 * 1024)))
        except ValueError as exc:
            raise KpiSettingsError(
                "KPI_REPORT_DEADLINE must be MM-DD (day 1-28), KPI_MAX_UPLOAD_BYTES an integer"
            ) from exc
        return cls(
            approving_unit_code=env.get("KPI_APPROVING_UNIT", "SCT"),
            deadline_month=month,
            deadline_day=day,
            count_submitted=env.get("KPI_COUNT_SUBMITTED", "true").lower() in ("1", "true", "yes"),
            max_upload_bytes=max_upload,
        )

    @property
    def deadline(self) -> tuple[int, int]:
        """(month, day) of the yearly report's due day."""
        return (self.deadline_month, self.deadline_day)
