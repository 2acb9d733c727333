"""Administration pages of the notifications service: webhooks and the delivery log."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request
from marshmallow import ValidationError
from sqlalchemy import select

from services.notifications import management
from services.notifications.models import Unit
from services.notifications.schemas import DELIVERY_STATUSES, DeliveryQuery, WebhookIn
from shared.auth import current_principal
from shared.forms import attempt, form_errors, form_values
from shared.pages import admin_page, csrf, options, t
from shared.web import current_db, current_time

admin_pages_blp = Blueprint("admin_pages", __name__, template_folder="templates")

STATUS_NAMES = {
    "pending": ("Chờ gửi", "Pending"), "sending": ("Đang gửi", "Sending"),
    "sent": ("Đã gửi", "Sent"), "dead": ("Thất bại hẳn", "Failed for good"),
    "skipped": ("Bỏ qua", "Skipped"), "held": ("Tạm giữ (giờ yên lặng)", "Held (quiet hours)"),
    "digested": ("Gộp vào bản tin", "In a digest"),
}
CHANNEL_NAMES = {"email": ("Thư điện tử", "E-mail"), "webhook": ("Webhook", "Webhook")}
PAGE_SIZE = 50


def _units(uow) -> dict[uuid.UUID, Unit]:
    return {u.unit_id: u for u in uow.session.execute(select(Unit).order_by(Unit.code)).scalars()}


def _render_webhooks(values: dict, errors: dict, *, created: dict | None = None,
                     status: int = 200):
    with current_db().uow() as uow:
        hooks = management.list_webhooks(uow=uow, principal=current_principal())
        units = _units(uow)
        return render_template(
            "notifications/admin_webhooks.html", hooks=hooks, units=units, values=values,
            errors=errors, created=created, event_options=options("event_kind"),
            unit_options=[(u.unit_id, f"{u.code} – {t(u.name_vi, u.name_en)}")
                          for u in units.values()]), status


@admin_pages_blp.get("/notifications/admin/webhooks")
@admin_page
def webhooks():
    """Every webhook with its state, and the form to register one."""
    return _render_webhooks({"event_types": []}, {})


@admin_pages_blp.post("/notifications/admin/webhooks")
@admin_page
def create_webhook():
    """Register a webhook; its signing secret is shown on this answer only."""
    csrf.protect()
    values = form_values(("url", "unit_id", "description"), lists=("event_types",))
    created: dict = {}

    def change(uow) -> None:
        hook, secret = management.create_webhook(
            uow=uow, principal=current_principal(), now=current_time(),
            allowlist=current_app.extensions["notify"].webhook_allowlist,
            **WebhookIn().load(values))
        created.update(url=hook.url, secret=secret)

    errors = attempt(change)
    if errors:
        return _render_webhooks(values, errors, status=422)
    return _render_webhooks({"event_types": []}, {}, created=created, status=201)


@admin_pages_blp.post("/notifications/admin/webhooks/<uuid:webhook_id>/enable",
                      defaults={"action": "enable"})
@admin_pages_blp.post("/notifications/admin/webhooks/<uuid:webhook_id>/disable",
                      defaults={"action": "disable"})
@admin_page
def switch_webhook(webhook_id: uuid.UUID, action: str):
    """Turn a webhook off, or on again (with a fresh failure count)."""
    csrf.protect()
    switch = management.enable_webhook if action == "enable" else management.disable_webhook
    errors = attempt(lambda uow: switch(uow=uow, principal=current_principal(),
                                        webhook_id=webhook_id, now=current_time()))
    if errors:
        return _render_webhooks({"event_types": []}, errors, status=422)
    flash(t("Đã bật webhook.", "Webhook enabled.") if action == "enable"
          else t("Đã tắt webhook.", "Webhook disabled."))
    return redirect("/notifications/admin/webhooks")


def _filters() -> tuple[dict, dict]:
    """The log's filters from the query string (validated like the API), and their errors."""
    args = {k: v for k, v in request.args.items() if k in ("status", "channel", "offset") and v}
    try:
        return DeliveryQuery().load({**args, "limit": PAGE_SIZE}), {}
    except ValidationError as exc:  # shown beside the filter, or above it for the page number
        errors = form_errors(exc)
        return {"limit": PAGE_SIZE, "offset": 0}, {
            (k if k in ("status", "channel") else "_form"): v for k, v in errors.items()}


def _render_deliveries(errors: dict | None = None, status: int = 200):
    query, filter_errors = _filters()
    with current_db().uow() as uow:
        rows, total = management.list_deliveries(uow=uow, principal=current_principal(),
                                                 **query)
    return render_template(
        "notifications/admin_deliveries.html", rows=rows, total=total, query=query,
        errors={**filter_errors, **(errors or {})}, values=dict(request.args),
        status_options=options({s: STATUS_NAMES[s] for s in DELIVERY_STATUSES}),
        channel_options=options(CHANNEL_NAMES), status_names=STATUS_NAMES,
        channel_names=CHANNEL_NAMES, page_size=PAGE_SIZE), status


@admin_pages_blp.get("/notifications/admin/deliveries")
@admin_page
def deliveries():
    """The delivery log, newest first, filtered by status and channel."""
    return _render_deliveries()


@admin_pages_blp.post("/notifications/admin/deliveries/<uuid:delivery_id>/retry")
@admin_page
def retry_delivery(delivery_id: uuid.UUID):
    """Send a delivery that failed for good again."""
    csrf.protect()
    errors = attempt(lambda uow: management.retry_delivery(
        uow=uow, principal=current_principal(), delivery_id=delivery_id, now=current_time()))
    if errors:
        return _render_deliveries(errors, 409)
    flash(t("Đã xếp lượt gửi vào hàng đợi để gửi lại.", "The delivery is queued to be sent again."))
    return redirect(_back_to_log())


def _back_to_log() -> str:
    # Back to the log with the filters the admin had (only this path: no open redirect).
    referrer = urlsplit(request.referrer or "")
    log = "/notifications/admin/deliveries"
    return f"{log}?{referrer.query}" if referrer.path == log and referrer.query else log
