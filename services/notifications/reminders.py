"""Reminders about finished work are withdrawn; missed ones after an outage are summed up.

- `withdraw_finished`: a task copy that says submitted, done or cancelled withdraws the
  reminders of moments that fell due after it finished: their waiting e-mails and webhooks
  become `skipped` and their inbox messages get `withdrawn_at` (hidden from the inbox, kept).
- `add_to_missed_summary`: a reminder consumed long after its moment fell due (see
  `NOTIFY_STALE_AFTER`) is not sent on its own; it joins one summary per person and local day:
  one inbox message and one e-mail that list the missed tasks.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from services.notifications import domain, moments
from services.notifications.models import Delivery, InboxMessage, Recipient, TaskState
from shared.db import UnitOfWork

SUMMARY_TYPE = "reminders.missed"
SUMMARY_NAMESPACE = uuid.UUID("0b6f3e1c-4d2a-4f7e-8c55-7a1d9e2b3c40")
SUMMARY_GATHER = timedelta(minutes=5)  # the summary e-mail waits this long for more items
WAITING = ("pending", "held")


def withdraw_finished(*, uow: UnitOfWork, state: TaskState, now: datetime) -> None:
    """Withdraw this task's reminders whose moment fell due after the task finished."""
    finished = moments.finished_at(state.status, submitted_at=state.submitted_at,
                                   completed_at=state.completed_at, changed_at=state.updated_at)
    if finished is None:
        return
    session = uow.session
    closed = state.status in ("done", "cancelled")  # never sent, whenever they closed
    session.execute(
        update(Delivery)
        .where(Delivery.task_id == state.task_id,
               Delivery.event_type.in_(moments.REMINDER_TYPES),
               Delivery.status.in_(WAITING),
               True if closed else or_(Delivery.due_at.is_(None), Delivery.due_at > finished))
        .values(status="skipped", last_error="task finished before the moment fell due")
        .execution_options(synchronize_session=False))
    session.execute(
        update(InboxMessage)
        .where(InboxMessage.task_id == state.task_id,
               InboxMessage.event_type.in_(moments.REMINDER_TYPES),
               InboxMessage.withdrawn_at.is_(None), InboxMessage.due_at > finished)
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False))


def summary_key(user_id: uuid.UUID, now: datetime) -> uuid.UUID:
    """The natural key of one person's summary of missed reminders of a local day."""
    day = domain.local_date(now).isoformat()
    return uuid.uuid5(SUMMARY_NAMESPACE, f"{user_id}/{day}")


KIND_NAMES = {"task.due_soon": ("sắp đến hạn", "due soon"),
              "task.due_today": ("đến hạn hôm nay", "due today"),
              "task.overdue": ("quá hạn", "overdue"),
              "task.escalated": ("báo cáo cấp trên", "escalated")}


def summary_text(items: list[dict[str, Any]]) -> domain.MessageText:
    """The summary's texts: how many reminders were missed, and the tasks (vi, en)."""
    count = len(items)

    def lines(lang: int) -> str:
        return "\n".join(f"- {i['title']} ({KIND_NAMES.get(i['type'], (i['type'],) * 2)[lang]}, "
                         f"{i['due']})" for i in items)

    return domain.MessageText(
        title_vi=f"Bạn có {count} nhắc việc bị lỡ trong thời gian hệ thống gián đoạn",
        title_en=f"You have {count} missed reminder{'s' if count != 1 else ''} from a system "
                 "outage",
        body_vi=f"Bạn có {count} nhắc việc bị lỡ trong thời gian hệ thống gián đoạn:\n{lines(0)}",
        body_en=f"You have {count} reminder{'s' if count != 1 else ''} missed during a system "
                f"outage:\n{lines(1)}",
        link="/notifications/inbox")


def missed_item(event_id: uuid.UUID, event_type: str, data: dict[str, Any],
                due_at: datetime) -> dict[str, Any]:
    """One line of a summary: the reminder's task and moment."""
    return {"event_id": str(event_id), "task_id": str(data["task_id"]), "type": event_type,
            "title": data["title"], "due": domain.format_date(domain.local_date(due_at))}


def add_to_missed_summary(*, uow: UnitOfWork, recipient: Recipient, channels: set[str],
                          item: dict[str, Any], now: datetime) -> dict[str, int]:
    """Add one missed reminder to the person's summary (inbox and/or e-mail); what was made."""
    session, key = uow.session, summary_key(recipient.user_id, now)
    made = {"inbox": 0, "email": 0}
    if "inbox" in channels:
        message = session.execute(select(InboxMessage).where(
            InboxMessage.event_id == key, InboxMessage.user_id == recipient.user_id)
        ).scalar_one_or_none()
        if message is None:
            message = InboxMessage(id=uuid.uuid4(), user_id=recipient.user_id, event_id=key,
                                   event_type=SUMMARY_TYPE, created_at=now, read_at=None,
                                   items=[])
            session.add(message)
            made["inbox"] = 1
        items = [*(message.items or []), item]
        text = summary_text(items)
        message.items = items
        message.title_vi, message.title_en = text.title_vi, text.title_en
        message.body_vi, message.body_en, message.link = text.body_vi, text.body_en, text.link
        message.read_at = None  # news since it was read
    if "email" in channels and recipient.email:
        made["email"] = _add_to_summary_email(uow, recipient, item, now)
    return made


def _add_to_summary_email(uow: UnitOfWork, recipient: Recipient, item: dict[str, Any],
                          now: datetime) -> int:
    """Append to the person's summary e-mail not yet claimed by a sender, else start one."""
    session = uow.session
    open_one = session.execute(select(Delivery).where(
        Delivery.user_id == recipient.user_id, Delivery.event_type == SUMMARY_TYPE,
        Delivery.status == "pending", Delivery.claim_token.is_(None),
        Delivery.attempts == 0)  # never tried: its text may still grow
        .order_by(Delivery.created_at).limit(1).with_for_update()).scalar_one_or_none()
    if open_one is not None:
        items = [*(open_one.payload or {}).get("items", []), item]
        _fill_email(open_one, items, recipient)
        return 0
    delivery = Delivery(
        id=uuid.uuid4(), event_id=uuid.uuid5(SUMMARY_NAMESPACE, f"{recipient.user_id}/"
                                             f"{now.isoformat()}/{item['event_id']}"),
        event_type=SUMMARY_TYPE, recipient=str(recipient.user_id), channel="email",
        user_id=recipient.user_id, unit_id=recipient.unit_id, task_id=None,
        address=recipient.email, subject="", body="", payload=None, status="pending",
        attempts=0, next_attempt_at=now + SUMMARY_GATHER, created_at=now)
    _fill_email(delivery, [item], recipient)
    session.add(delivery)
    return 1


def _fill_email(delivery: Delivery, items: list[dict[str, Any]], recipient: Recipient) -> None:
    text = summary_text(items)
    english = recipient.language == "en"
    delivery.payload = {"items": items}
    delivery.subject = text.title_en if english else text.title_vi
    delivery.body = text.body_en if english else text.body_vi
