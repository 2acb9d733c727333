"""HTTP API of the kpi service: load -> one service call -> dump."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from services.kpi import service
from services.kpi.schemas import (
    IndicatorOut,
    KpiOut,
    KpiQuery,
    ReportCreate,
    ReportOut,
    ReportQuery,
    SubmitRequest,
)
from shared.auth import current_principal
from shared.schemas import ApiBlueprint as Blueprint
from shared.web import current_db, current_time

reports_blp = Blueprint("reports", __name__, description="Yearly reports / Báo cáo hằng năm")
kpis_blp = Blueprint("kpis", __name__, description="KPIs / Chỉ tiêu")


@reports_blp.route("/reports")
class ReportCollection(MethodView):
    @reports_blp.arguments(ReportQuery, location="query")
    @reports_blp.response(200, ReportOut(many=True))
    def get(self, query):
        """Reports the caller may see, filtered; X-Total-Count tells the full count."""
        with current_db().uow() as uow:
            reports, total = service.list_reports(uow=uow, principal=current_principal(),
                                                  **query)
            return [service.report_view(r) for r in reports], 200, {"X-Total-Count": total}

    @reports_blp.arguments(ReportCreate)
    @reports_blp.response(201, ReportOut)
    def post(self, body):
        """File the caller's unit's report for a year (`submit: true` sends it at once)."""
        with current_db().uow() as uow:
            report = service.create_report(uow=uow, principal=current_principal(),
                                           now=current_time(), **body)
            uow.commit()
            return service.report_view(report)


@reports_blp.route("/reports/<uuid:report_id>")
@reports_blp.response(200, ReportOut)
def get_report(report_id: uuid.UUID):
    """One report the caller may see."""
    with current_db().uow() as uow:
        report = service.get_report(uow=uow, principal=current_principal(),
                                    report_id=report_id)
        return service.report_view(report)


@reports_blp.route("/reports/<uuid:report_id>/submit", methods=["POST"])
@reports_blp.arguments(SubmitRequest)
@reports_blp.response(200, ReportOut)
def submit_report(_body, report_id: uuid.UUID):
    """Send a draft or returned report to the Department of Industry and Trade."""
    with current_db().uow() as uow:
        report = service.submit_report(uow=uow, principal=current_principal(),
                                       report_id=report_id, now=current_time())
        uow.commit()
        return service.report_view(report)


@kpis_blp.route("/kpis")
@kpis_blp.arguments(KpiQuery, location="query")
@kpis_blp.response(200, KpiOut(many=True))
def list_kpis(query):
    """Each indicator's province value for a year against its target and trajectory."""
    current_principal()
    with current_db().uow() as uow:
        return service.list_kpis(uow=uow, year=query["year"])


@kpis_blp.route("/indicators")
@kpis_blp.response(200, IndicatorOut(many=True))
def list_indicators():
    """Every indicator with its formula, baseline and target."""
    current_principal()
    with current_db().uow() as uow:
        return service.list_indicators(uow=uow)
