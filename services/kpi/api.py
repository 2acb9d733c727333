"""HTTP API of the kpi service: load -> one service call -> dump."""

from __future__ import annotations

import uuid

from flask import Response, current_app, request
from flask.views import MethodView

from services.kpi import excel, explain, indicators, service, summary, uploads
from services.kpi.schemas import (
    ExplainOut,
    ExplainQuery,
    IndicatorOut,
    IndicatorUpdate,
    KpiOut,
    KpiQuery,
    ReportCreate,
    ReportOut,
    ReportQuery,
    ReportUpdate,
    ReportVersionOut,
    ReturnRequest,
    SubmitRequest,
    SummaryOut,
    TemplateQuery,
    UploadOut,
    UploadQuery,
)
from shared.auth import current_principal
from shared.errors import ApiError
from shared.i18n import LocalizedText
from shared.schemas import ApiBlueprint as Blueprint
from shared.web import current_db, current_time


def kpi_settings():
    """The kpi service's own settings, fixed when the app was built."""
    return current_app.extensions["kpi_settings"]


reports_blp = Blueprint("reports", __name__, description="Yearly reports / Báo cáo hằng năm")
kpis_blp = Blueprint("kpis", __name__, description="KPIs / Chỉ tiêu")


@reports_blp.route("/reports")
class ReportCollection(MethodView):
    @reports_blp.arguments(ReportQuery, location="query")
    @reports_blp.response(200, ReportOut(many=True))
    def get(self, query):
        """Reports the caller may see, filtered; X-Total-Count tells the full count."""
        with current_db().reader() as uow:
            reports, total = service.list_reports(uow=uow, principal=current_principal(),
                                                  config=kpi_settings(), **query)
            return [service.report_view(r) for r in reports], 200, {"X-Total-Count": total}

    @reports_blp.arguments(ReportCreate)
    @reports_blp.response(201, ReportOut)
    def post(self, body):
        """File the caller's unit's report for a year (`submit: true` sends it at once)."""
        with current_db().uow() as uow:
            report = service.create_report(uow=uow, principal=current_principal(),
                                           now=current_time(), config=kpi_settings(), **body)
            uow.commit()
            return service.report_view(report)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_DOC = {"responses": {"200": {"description": "Excel workbook",
                                   "content": {XLSX: {"schema": {"type": "string",
                                                                 "format": "binary"}}}}}}

_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


def xlsx_response(data: bytes, filename: str) -> Response:
    """An .xlsx download."""
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@reports_blp.route("/reports/template")
@reports_blp.arguments(TemplateQuery, location="query")
@reports_blp.doc(**_XLSX_DOC)
def report_template(query):
    """The caller's unit's Excel template for a year, pre-filled with the previous year."""
    with current_db().uow() as uow:
        data = uploads.report_template(uow=uow, principal=current_principal(),
                                       year=query["year"], config=kpi_settings())
    return xlsx_response(data, f"bao-cao-sxsh-{query['year']}.xlsx")


@reports_blp.route("/reports/upload", methods=["POST"])
@reports_blp.arguments(UploadQuery, location="query")
@reports_blp.response(200, UploadOut)
@reports_blp.doc(**_UPLOAD_DOC)
def upload_report(query):
    """Upload the filled template: a dry run lists every problem; otherwise it is saved."""
    principal = current_principal()
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, field_errors={"file": [LocalizedText("kpi_upload_file_required")]})
    data = upload.read(kpi_settings().max_upload_bytes + 1)
    with current_db().uow() as uow:
        check, report = uploads.upload_report(uow=uow, principal=principal, data=data,
                                              now=current_time(), config=kpi_settings(),
                                              **query)
        if report is not None:
            uow.commit()
            check["report"] = service.report_view(report)
        return check


@reports_blp.route("/reports/<uuid:report_id>")
class ReportItem(MethodView):
    @reports_blp.response(200, ReportOut)
    def get(self, report_id: uuid.UUID):
        """One report the caller may see."""
        with current_db().reader() as uow:
            report = service.get_report(uow=uow, principal=current_principal(),
                                        report_id=report_id, config=kpi_settings())
            return service.report_view(report)

    @reports_blp.arguments(ReportUpdate)
    @reports_blp.response(200, ReportOut)
    def patch(self, body, report_id: uuid.UUID):
        """Replace the values of the caller's unit's draft or returned report."""
        with current_db().uow() as uow:
            report = service.update_report(uow=uow, principal=current_principal(),
                                           report_id=report_id, now=current_time(),
                                           config=kpi_settings(), **body)
            uow.commit()
            return service.report_view(report)


@reports_blp.route("/reports/<uuid:report_id>/versions")
@reports_blp.response(200, ReportVersionOut(many=True))
def list_versions(report_id: uuid.UUID):
    """Every kept version of a report: each submission, approval and return."""
    with current_db().reader() as uow:
        versions = service.list_versions(uow=uow, principal=current_principal(),
                                         report_id=report_id, config=kpi_settings())
        return [service.version_view(v) for v in versions]


@reports_blp.route("/reports/<uuid:report_id>/submit", methods=["POST"])
@reports_blp.arguments(SubmitRequest)
@reports_blp.response(200, ReportOut)
def submit_report(_body, report_id: uuid.UUID):
    """Send a draft or returned report to the Department of Industry and Trade."""
    with current_db().uow() as uow:
        report = service.submit_report(uow=uow, principal=current_principal(),
                                       report_id=report_id, now=current_time(),
                                       config=kpi_settings())
        uow.commit()
        return service.report_view(report)


@reports_blp.route("/reports/<uuid:report_id>/approve", methods=["POST"])
@reports_blp.arguments(SubmitRequest)
@reports_blp.response(200, ReportOut)
def approve_report(_body, report_id: uuid.UUID):
    """The head or the lead unit's coordinator approves a submitted report."""
    with current_db().uow() as uow:
        report = service.approve_report(uow=uow, principal=current_principal(),
                                        report_id=report_id, now=current_time(),
                                        config=kpi_settings())
        uow.commit()
        return service.report_view(report)


@reports_blp.route("/reports/<uuid:report_id>/return", methods=["POST"])
@reports_blp.arguments(ReturnRequest)
@reports_blp.response(200, ReportOut)
def return_report(body, report_id: uuid.UUID):
    """The head or the lead unit's coordinator returns a report with the reason to fix it."""
    with current_db().uow() as uow:
        report = service.return_report(uow=uow, principal=current_principal(),
                                       report_id=report_id, now=current_time(),
                                       config=kpi_settings(), **body)
        uow.commit()
        return service.report_view(report)


@kpis_blp.route("/kpis")
@kpis_blp.arguments(KpiQuery, location="query")
@kpis_blp.response(200, KpiOut(many=True))
def list_kpis(query):
    """Each indicator's province value for a year against its target and trajectory."""
    current_principal()
    with current_db().reader() as uow:
        return service.list_kpis(uow=uow, year=query["year"])


@kpis_blp.route("/kpis/<string:code>/explain")
@kpis_blp.arguments(ExplainQuery, location="query")
@kpis_blp.response(200, ExplainOut)
def explain_kpi(query, code: str):
    """Why an indicator has its status (province, or one unit): inputs, rule, reports, history."""
    principal = current_principal()
    with current_db().reader() as uow:
        return explain.explain_kpi(uow=uow, principal=principal, code=code,
                                   year=query["year"], unit_id=query.get("unit_id"),
                                   config=kpi_settings())


@kpis_blp.route("/summary")
@kpis_blp.arguments(KpiQuery, location="query")
@kpis_blp.response(200, SummaryOut)
def get_summary(query):
    """The head's page: every KPI with trend, per-unit breakdown, missing units, overdue duties."""
    principal = current_principal()
    with current_db().reader() as uow:
        return summary.build_summary(uow=uow, principal=principal, year=query["year"],
                                     now=current_time(), config=kpi_settings())


@kpis_blp.route("/summary/export")
@kpis_blp.arguments(KpiQuery, location="query")
@kpis_blp.doc(**_XLSX_DOC)
def export_summary(query):
    """The same summary as an Excel workbook formatted for printing (A4, titles repeated)."""
    principal = current_principal()
    with current_db().reader() as uow:
        data = summary.build_summary(uow=uow, principal=principal, year=query["year"],
                                     now=current_time(), config=kpi_settings())
    return xlsx_response(excel.build_summary_workbook(data), f"chi-tieu-sxsh-{query['year']}.xlsx")


@kpis_blp.route("/indicators")
@kpis_blp.response(200, IndicatorOut(many=True))
def list_indicators():
    """Every indicator with its formula, baseline and target."""
    current_principal()
    with current_db().reader() as uow:
        return service.list_indicators(uow=uow)


@kpis_blp.route("/indicators/<string:code>", methods=["PATCH"])
@kpis_blp.arguments(IndicatorUpdate)
@kpis_blp.response(200, IndicatorOut)
def update_indicator(body, code: str):
    """An administrator changes an indicator's names, baseline, target or thresholds."""
    with current_db().uow() as uow:
        indicator = indicators.update_indicator(
            uow=uow, principal=current_principal(), code=code, changes=body,
            now=current_time(), config=kpi_settings())
        uow.commit()
        return service.indicator_view(indicator)
