"""HTTP API of preferences, webhooks and the delivery log: load -> one service call -> dump."""

from __future__ import annotations

import uuid

from flask import current_app

from services.notifications import management
from services.notifications.schemas import (
    DeliveryOut,
    DeliveryQuery,
    PreferencesIn,
    PreferencesOut,
    RequeueOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
)
from services.notifications.settings import NotificationSettings
from shared.auth import current_principal
from shared.schemas import ApiBlueprint as Blueprint
from shared.schemas import EmptyBody
from shared.web import current_db, current_time

manage_blp = Blueprint("manage", __name__,
                       description="Preferences, webhooks, delivery log / Tùy chọn, webhook, "
                                   "nhật ký gửi")


def _notify() -> NotificationSettings:
    return current_app.extensions["notify"]


@manage_blp.route("/preferences")
@manage_blp.response(200, PreferencesOut)
def get_preferences():
    """The caller's own notification preferences."""
    with current_db().uow() as uow:
        return management.get_preferences(uow=uow, principal=current_principal())


@manage_blp.route("/preferences", methods=["PUT"])
@manage_blp.arguments(PreferencesIn)
@manage_blp.response(200, PreferencesOut)
def set_preferences(body):
    """Replace the caller's own preferences: channels per event type, digest, quiet hours."""
    with current_db().uow() as uow:
        view = management.set_preferences(uow=uow, principal=current_principal(),
                                          now=current_time(), **body)
        uow.commit()
        return view


@manage_blp.route("/webhooks")
@manage_blp.response(200, WebhookOut(many=True))
def list_webhooks():
    """The webhooks the caller manages; secrets are never shown again."""
    with current_db().uow() as uow:
        return management.list_webhooks(uow=uow, principal=current_principal())


@manage_blp.route("/webhooks", methods=["POST"])
@manage_blp.arguments(WebhookIn)
@manage_blp.response(201, WebhookCreatedOut)
def create_webhook(body):
    """Register a webhook; the signing secret is in this response only."""
    with current_db().uow() as uow:
        hook, secret = management.create_webhook(
            uow=uow, principal=current_principal(), now=current_time(),
            allowlist=_notify().webhook_allowlist, **body)
        uow.commit()
        return {**{c.key: getattr(hook, c.key) for c in hook.__table__.columns},
                "secret": secret}


@manage_blp.route("/webhooks/<uuid:webhook_id>", methods=["DELETE"])
@manage_blp.arguments(EmptyBody, required=False)
@manage_blp.response(204)
def delete_webhook(_body, webhook_id: uuid.UUID):
    """Remove a webhook the caller manages."""
    with current_db().uow() as uow:
        management.delete_webhook(uow=uow, principal=current_principal(),
                                  webhook_id=webhook_id, now=current_time())
        uow.commit()


@manage_blp.route("/webhooks/<uuid:webhook_id>/enable", methods=["POST"])
@manage_blp.arguments(EmptyBody, required=False)
@manage_blp.response(200, WebhookOut)
def enable_webhook(_body, webhook_id: uuid.UUID):
    """Turn a disabled webhook on again."""
    with current_db().uow() as uow:
        hook = management.enable_webhook(uow=uow, principal=current_principal(),
                                         webhook_id=webhook_id, now=current_time())
        uow.commit()
        return hook


@manage_blp.route("/deliveries")
@manage_blp.arguments(DeliveryQuery, location="query")
@manage_blp.response(200, DeliveryOut(many=True))
def list_deliveries(query):
    """The delivery log: every attempt, its status, error and timing; X-Total-Count."""
    with current_db().uow() as uow:
        rows, total = management.list_deliveries(uow=uow, principal=current_principal(),
                                                 **query)
        return rows, 200, {"X-Total-Count": total}


@manage_blp.route("/deliveries/<uuid:delivery_id>")
@manage_blp.response(200, DeliveryOut)
def get_delivery(delivery_id: uuid.UUID):
    """One delivery of the log."""
    with current_db().uow() as uow:
        return management.get_delivery(uow=uow, principal=current_principal(),
                                       delivery_id=delivery_id)


@manage_blp.route("/deliveries/<uuid:delivery_id>/retry", methods=["POST"])
@manage_blp.arguments(EmptyBody, required=False)
@manage_blp.response(200, DeliveryOut)
def retry_delivery(_body, delivery_id: uuid.UUID):
    """An admin sends a dead delivery again."""
    with current_db().uow() as uow:
        view = management.retry_delivery(uow=uow, principal=current_principal(),
                                         delivery_id=delivery_id, now=current_time())
        uow.commit()
        return view


@manage_blp.route("/dead-letters/requeue", methods=["POST"])
@manage_blp.arguments(EmptyBody, required=False)
@manage_blp.response(202, RequeueOut)
def requeue_dead_letters(_body):
    """An admin asks the worker to put dead-lettered events back on the queue."""
    with current_db().uow() as uow:
        result = management.request_requeue(uow=uow, principal=current_principal(),
                                            now=current_time())
        uow.commit()
        return result
