"""The four indicators of the demo plan (../shared/domain/plan.md), seeded once.

The source article gives the 2020 targets but no baseline. We use baseline year 2015 (the
year before the plan) with baseline value 0 for every indicator, so the expected trajectory
is the straight line from 0 in 2015 to the target in 2020. The at-risk margin is 5
percentage points for the shares and 1 point for SAVING (a narrower scale). SAVING's
trajectory heads to the lower bound of its 8-13% range; saving more than 13% counts as
achieved. An administrator can change any of these; reseeding never overwrites them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kpi.domain import CP_YEARLY
from services.kpi.models import Indicator, audit_log
from shared.audit import record_audit
from shared.db import UnitOfWork

BASELINE_YEAR = 2015
BASELINE_VALUE = 0.0
TARGET_YEAR = 2020

_COMMON = dict(form_code=CP_YEARLY, direction="increase", baseline_value=BASELINE_VALUE,
               baseline_year=BASELINE_YEAR, target_year=TARGET_YEAR, target_min=None,
               target_max=None, weight_field=None)

INDICATORS: list[dict[str, Any]] = [
    dict(_COMMON, code="AWARE", kind="share", target_value=90.0, at_risk_margin=5.0,
         numerator_field="facilities_aware", denominator_field="facilities_cp_potential",
         name_vi="Tỷ lệ cơ sở SXCN có tiềm năng áp dụng SXSH được tuyên truyền, phổ biến, "
                 "nhận thức được lợi ích của SXSH",
         name_en="Share of industrial facilities with CP potential informed and aware of CP "
                 "benefits"),
    dict(_COMMON, code="APPLY", kind="share", target_value=50.0, at_risk_margin=5.0,
         numerator_field="facilities_applying", denominator_field="facilities_cp_potential",
         name_vi="Tỷ lệ cơ sở SXCN có tiềm năng SXSH tiến hành áp dụng SXSH",
         name_en="Share of facilities with CP potential that apply CP"),
    dict(_COMMON, code="SAVING", kind="range", target_value=8.0, target_min=8.0,
         target_max=13.0, at_risk_margin=1.0, numerator_field="avg_saving_percent",
         denominator_field=None, weight_field="facilities_applying",
         name_vi="Mức tiết kiệm năng lượng, nguyên liệu, nhiên liệu trên đơn vị sản phẩm của cơ "
                 "sở áp dụng SXSH",
         name_en="Saving of energy, raw material and fuel per unit of product at facilities "
                 "applying CP"),
    dict(_COMMON, code="TRAINED", kind="share", target_value=100.0, at_risk_margin=5.0,
         numerator_field="officers_trained", denominator_field="officers_responsible",
         name_vi="Tỷ lệ cán bộ chuyên trách về SXSH ở các cấp, các ngành được đào tạo",
         name_en="Share of officers responsible for CP at every level and sector who are "
                 "trained"),
]


def seed_indicators(*, uow: UnitOfWork, now: datetime) -> int:
    """Add the demo plan's indicators that are missing; returns how many were added."""
    added = 0
    for data in INDICATORS:
        if uow.session.get(Indicator, data["code"]) is not None:
            continue
        uow.session.add(Indicator(**data))
        record_audit(uow.session, audit_log, actor_id=None, action="create", entity="indicator",
                     entity_id=data["code"], before=None, after=dict(data), now=now)
        added += 1
    uow.session.flush()
    return added
