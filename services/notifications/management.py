"""Use cases of preferences, webhook subscriptions and the delivery log."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from services.notifications import rules
from services.notifications.channels import check_target
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    Preference,
    RequeueRequest,
    Webhook,
    audit_log,
)
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found
from shared.i18n import LocalizedText

WEBHOOK_FIELDS = ("unit_id", "url", "event_types", "description", "active")


def preferences_view(pref: Preference | None) -> dict[str, Any]:
    """A user's preferences with the defaults they fall back to."""
    quiet = None
    if pref is not None and pref.quiet_start and pref.quiet_end:
        quiet = {"start": pref.quiet_start, "end": pref.quiet_end}
    return {"channels": dict(pref.channels) if pref else {},
            "digest": bool(pref and pref.digest), "quiet_hours": quiet,
            "defaults": {k: list(v) for k, v in rules.DEFAULT_CHANNELS.items()},
            "never_silenced": list(rules.NEVER_SILENCED)}


def get_preferences(*, uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """The caller's own preferences."""
    return preferences_view(uow.session.get(Preference, principal.user_id))


def set_preferences(*, uow: UnitOfWork, principal: Principal, channels: dict[str, list[str]],
                    digest: bool, quiet_hours: dict[str, str] | None,
                    now: datetime) -> dict[str, Any]:
    """Replace the caller's own preferences (audited)."""
    pref = uow.session.get(Preference, principal.user_id)
    before = preferences_view(pref) if pref else None
    if pref is None:
        pref = Preference(user_id=principal.user_id, channels={}, updated_at=now)
        uow.session.add(pref)
    pref.channels = {k: sorted(set(v)) for k, v in channels.items()}
    pref.digest = digest
    pref.quiet_start = quiet_hours["start"] if quiet_hours else None
    pref.quiet_end = quiet_hours["end"] if quiet_hours else None
    pref.updated_at = now
    uow.session.flush()
    after = preferences_view(pref)
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="set_preferences",
                 entity="preferences", entity_id=principal.user_id,
                 before=_core(before), after=_core(after), now=now)
    return after


def _core(view: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if view is None else {k: view[k] for k in ("channels", "digest", "quiet_hours")}


def _require_webhook_manager(principal: Principal) -> None:
    if not principal.has_role("admin", "coordinator"):
        raise ApiError(403, "role_required", roles="admin, coordinator")


def create_webhook(*, uow: UnitOfWork, principal: Principal, url: str, event_types: list[str],
                   unit_id: uuid.UUID | None, description: str | None,
                   allowlist: tuple[str, ...], now: datetime) -> tuple[Webhook, str]:
    """Register a webhook (admins: any unit or the province; coordinators: their own unit)."""
    _require_webhook_manager(principal)
    if not principal.has_role("admin"):
        if unit_id is not None and unit_id != principal.unit_id:
            raise ApiError(422, field_errors={"unit_id": [LocalizedText("unit_out_of_scope")]})
        unit_id = principal.unit_id
    problem = check_target(url, allowlist)
    if problem:
        raise ApiError(422, field_errors={"url": [LocalizedText(problem)]})
    secret = secrets.token_urlsafe(32)
    hook = Webhook(id=uuid.uuid4(), unit_id=unit_id, url=url, secret=secret,
                   event_types=sorted(set(event_types)), description=description, active=True,
                   consecutive_failures=0, disabled_at=None, created_by=principal.user_id,
                   created_at=now)
    uow.session.add(hook)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="create",
                 entity="webhook", entity_id=hook.id, before=None,
                 after=jsonable({f: getattr(hook, f) for f in WEBHOOK_FIELDS}), now=now)
    return hook, secret


def _webhooks_query(principal: Principal):
    query = select(Webhook)
    if not principal.has_role("admin"):
        query = query.where(Webhook.unit_id == principal.unit_id)
    return query


def list_webhooks(*, uow: UnitOfWork, principal: Principal) -> list[Webhook]:
    """The webhooks the caller manages (never their secrets)."""
    _require_webhook_manager(principal)
    return list(uow.session.execute(
        _webhooks_query(principal).order_by(Webhook.created_at, Webhook.id)).scalars())


def _own_webhook(uow: UnitOfWork, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    _require_webhook_manager(principal)
    hook = uow.session.execute(
        _webhooks_query(principal).where(Webhook.id == webhook_id)).scalar_one_or_none()
    if hook is None:
        raise not_found("webhook", "Webhook")
    return hook


def delete_webhook(*, uow: UnitOfWork, principal: Principal, webhook_id: uuid.UUID,
                   now: datetime) -> None:
    """Remove a webhook the caller manages; its pending deliveries stop."""
    hook = _own_webhook(uow, principal, webhook_id)
    before = jsonable({f: getattr(hook, f) for f in WEBHOOK_FIELDS})
    uow.session.delete(hook)
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="delete",
                 entity="webhook", entity_id=webhook_id, before=before, after=None, now=now)


def enable_webhook(*, uow: UnitOfWork, principal: Principal, webhook_id: uuid.UUID,
                   now: datetime) -> Webhook:
    """Turn a disabled webhook on again, with a fresh failure count."""
    hook = _own_webhook(uow, principal, webhook_id)
    before = {"active": hook.active, "consecutive_failures": hook.consecutive_failures}
    hook.active, hook.consecutive_failures, hook.disabled_at = True, 0, None
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="enable",
                 entity="webhook", entity_id=webhook_id, before=before,
                 after={"active": True, "consecutive_failures": 0}, now=now)
    uow.session.flush()
    return hook


def disable_webhook(*, uow: UnitOfWork, principal: Principal, webhook_id: uuid.UUID,
                    now: datetime) -> Webhook:
    """Turn a webhook off (kept, with its log; enable_webhook turns it on again)."""
    hook = _own_webhook(uow, principal, webhook_id)
    before = {"active": hook.active}
    hook.active, hook.disabled_at = False, hook.disabled_at or now
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="disable",
                 entity="webhook", entity_id=webhook_id, before=before,
                 after={"active": False}, now=now)
    uow.session.flush()
    return hook


def _deliveries_query(principal: Principal):
    query = select(Delivery)
    if principal.has_role("admin"):
        return query
    if principal.has_role("coordinator"):
        return query.where((Delivery.unit_id == principal.unit_id)
                           | (Delivery.user_id == principal.user_id))
    return query.where(Delivery.user_id == principal.user_id)


def list_deliveries(*, uow: UnitOfWork, principal: Principal, status: str | None = None,
                    channel: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The delivery log the caller may see (admin: all; coordinator: its unit; others: own)."""
    query = _deliveries_query(principal)
    if status:
        query = query.where(Delivery.status == status)
    if channel:
        query = query.where(Delivery.channel == channel)
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = list(uow.session.execute(query.order_by(Delivery.created_at.desc(), Delivery.id)
                                    .limit(limit).offset(offset)).scalars())
    return [delivery_view(uow, row) for row in rows], total


def delivery_view(uow: UnitOfWork, delivery: Delivery) -> dict[str, Any]:
    """A delivery with every attempt, its status, error and timing."""
    view = {c.key: getattr(delivery, c.key) for c in Delivery.__table__.columns}
    view["attempt_log"] = list(uow.session.execute(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
        .order_by(DeliveryAttempt.attempt, DeliveryAttempt.started_at)).scalars())
    return view


def get_delivery(*, uow: UnitOfWork, principal: Principal,
                 delivery_id: uuid.UUID) -> dict[str, Any]:
    """One delivery of the log, if the caller may see it."""
    row = uow.session.execute(
        _deliveries_query(principal).where(Delivery.id == delivery_id)).scalar_one_or_none()
    if row is None:
        raise not_found("lượt gửi", "Delivery")
    return delivery_view(uow, row)


def retry_delivery(*, uow: UnitOfWork, principal: Principal, delivery_id: uuid.UUID,
                   now: datetime) -> dict[str, Any]:
    """An admin sends a dead delivery again (a fresh retry budget, the same idempotency key)."""
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")
    row = uow.session.get(Delivery, delivery_id)
    if row is None:
        raise not_found("lượt gửi", "Delivery")
    if row.status != "dead":
        raise ApiError(409, "delivery_not_retryable")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="retry",
                 entity="delivery", entity_id=delivery_id, before={"status": "dead"},
                 after={"status": "pending"}, now=now)
    uow.session.flush()
    return delivery_view(uow, row)


def request_requeue(*, uow: UnitOfWork, principal: Principal, now: datetime) -> dict[str, bool]:
    """An admin asks the worker to put the dead-lettered events back on the service queue."""
    if not principal.has_role("admin"):
        raise ApiError(403, "role_required", roles="admin")
    request_id = uuid.uuid4()
    uow.session.add(RequeueRequest(id=request_id, requested_by=principal.user_id,
                                   requested_at=now, done_at=None, moved=None))
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="requeue",
                 entity="dead_letters", entity_id=request_id, before=None,
                 after={"requested": True}, now=now)
    return {"requested": True}
