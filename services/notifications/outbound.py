"""From an event to messages: keep task states, choose recipients and channels, plan deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.notifications import domain, moments, reminders, rules
from services.notifications.domain import MessageText, Names
from services.notifications.lookups import Lookups
from services.notifications.models import Delivery, Preference, Recipient, TaskState
from services.notifications.rendering import render_event
from services.notifications.service import deliver, unit_names
from services.notifications.settings import NotificationSettings
from shared.calendar import WorkCalendar
from shared.db import UnitOfWork
from shared.messaging.events import Event


@dataclass(frozen=True)
class OutboundContext:
    """What planning needs besides the event: links' base URL, sending settings, the calendar."""

    base_url: str = "http://127.0.0.1:8000"
    settings: NotificationSettings = field(default_factory=NotificationSettings)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


TASK_FIELDS = ("title", "assignee_unit_id", "lead_unit_id", "status", "effective_deadline",
               "kind", "submitted_at", "completed_at")


def record_task_state(*, uow: UnitOfWork, data: dict[str, Any], at: datetime) -> TaskState:
    """Keep the local copy of a task current; an event with no newer version changes nothing."""
    lookups = Lookups.of(uow.session)
    row = lookups.task_state(data["task_id"])
    if row is None:
        row = TaskState(task_id=data["task_id"], updated_at=at, version=data["version"],
                        **{name: data.get(name) for name in TASK_FIELDS})
        uow.session.add(row)
        lookups.add_task_state(row)
    elif row.version < data["version"]:
        for name in TASK_FIELDS:
            setattr(row, name, data.get(name))
        row.updated_at = at
        row.version = data["version"]
    return row


def who_is_told(session, event_type: str, data: dict[str, Any]) -> list[Recipient]:
    """The active users an event is for (see the service README's table)."""
    active_recipients = Lookups.of(session).active_recipients
    if event_type == "report.returned":
        found = active_recipients(unit_id=data["unit_id"])
    elif event_type == "kpi.status_changed":
        found = active_recipients(roles=("head",))
    elif event_type == "task.escalated":
        if (data.get("escalation_level") or 1) >= 2 or data.get("lead_unit_id") is None:
            found = active_recipients(roles=("head",))
        else:
            found = active_recipients(unit_id=data["lead_unit_id"], roles=("coordinator",))
    elif event_type == "task.status_changed":
        found = active_recipients(unit_id=data["assignee_unit_id"])
        if data.get("lead_unit_id") is not None:
            found += active_recipients(unit_id=data["lead_unit_id"], roles=("coordinator",))
    else:  # task.created, task.updated, and the reminders
        found = active_recipients(unit_id=data["assignee_unit_id"],
                                  roles=("reporter", "coordinator"))
    actor = data.get("actor_id")
    unique = {r.user_id: r for r in found if r.user_id != actor}
    return list(unique.values())


def concerned_units(event_type: str, data: dict[str, Any]) -> set[uuid.UUID]:
    """The units an event is about (webhook subscriptions of these units hear of it)."""
    if event_type in ("report.returned", "kpi.status_changed"):
        return {data["unit_id"]} if data.get("unit_id") else set()
    return {u for u in (data.get("assignee_unit_id"), data.get("lead_unit_id")) if u}


def inbox_text(event_type: str, data: dict[str, Any], *, unit: Names, at: datetime,
               base_url: str, calendar: WorkCalendar | None = None) -> MessageText:
    """The inbox message of an event, in both languages (days in working days)."""
    calendar = calendar or WorkCalendar()
    if event_type == "task.created":
        return domain.task_created_text(task_id=data["task_id"], title=data["title"], unit=unit,
                                        effective_deadline=data["effective_deadline"], now=at,
                                        calendar=calendar)
    if event_type == "task.status_changed":
        return domain.task_status_changed_text(
            task_id=data["task_id"], title=data["title"], unit=unit,
            old_status=data["old_status"], new_status=data["status"], reason=data.get("reason"),
            effective_deadline=data["effective_deadline"], now=at, calendar=calendar)
    if event_type == "report.returned":
        return domain.report_returned_text(report_id=data["report_id"],
                                           form_code=data["form_code"], year=data["year"],
                                           version=data["version"], unit=unit,
                                           reason=data.get("reason"))
    if event_type == "kpi.status_changed":
        return domain.kpi_status_changed_text(
            indicator_code=data["indicator_code"], year=data["year"],
            unit=unit if data.get("unit_id") else None, old_status=data["old_status"],
            new_status=data["new_status"], value=data.get("value"), target=data.get("target"))
    vi = render_event(event_type, data, lang="vi", unit=unit, at=at, base_url="",
                      calendar=calendar)
    en = render_event(event_type, data, lang="en", unit=unit, at=at, base_url="",
                      calendar=calendar)
    return MessageText(title_vi=vi.subject, title_en=en.subject, body_vi=vi.body.strip(),
                       body_en=en.body.strip(), link=domain.task_link(data["task_id"]))


def _event_unit(event_type: str, data: dict[str, Any]) -> uuid.UUID | None:
    if event_type in ("report.returned", "kpi.status_changed"):
        return data.get("unit_id")
    return data.get("assignee_unit_id")


def prepare_batch(events: list[Event], *, uow: UnitOfWork) -> None:
    """Before a batch's events are applied: read the local copies of their tasks at once."""
    Lookups.of(uow.session).load_task_states(
        event.data["task_id"] for event in events
        if event.type.startswith("task.") and "task_id" in event.data)


def plan_notifications(*, uow: UnitOfWork, event: Event, context: OutboundContext,
                       now: datetime) -> dict[str, int]:
    """Make the inbox messages and the e-mail and webhook deliveries of one event.

    The event is new (the consumer's handled-event record says so, in this same transaction),
    so nothing made from it exists yet: rows are added without looking for earlier copies,
    and unique keys on (event, user) and (event, recipient, channel) would refuse one anyway.
    """
    data, event_type = event.data, event.type
    due_at = moments.moment_due_at(event_type, data, event.occurred_at)
    if event_type.startswith("task."):
        state = record_task_state(uow=uow, data=data, at=event.occurred_at)
        if due_at is None:
            reminders.withdraw_finished(uow=uow, state=state, now=now)
        elif moments.finished_before(state.status, submitted_at=state.submitted_at,
                                     completed_at=state.completed_at,
                                     changed_at=state.updated_at, due_at=due_at):
            return {"inbox": 0, "email": 0, "webhook": 0}  # finished before the moment
    if moments.is_stale(due_at, now=now, stale_after_hours=context.settings.stale_after_hours):
        return _plan_missed(uow, event, due_at, context, now)
    session = uow.session
    unit_id = _event_unit(event_type, data)
    unit = unit_names(Lookups.of(session).unit(unit_id))
    recipients = who_is_told(session, event_type, data)
    prefs = Lookups.of(session).preferences(r.user_id for r in recipients)
    chosen = {r.user_id: rules.channels_for(event_type, getattr(prefs.get(r.user_id),
                                                               "channels", None))
              for r in recipients}
    text = inbox_text(event_type, data, unit=unit, at=event.occurred_at,
                      base_url=context.base_url, calendar=context.calendar)
    inbox = deliver(uow=uow, event_id=event.id, event_type=event_type,
                    user_ids=[r.user_id for r in recipients if "inbox" in chosen[r.user_id]],
                    text=text, at=event.occurred_at, known_new=True,
                    task_id=data.get("task_id") if due_at else None, due_at=due_at)
    emails = 0
    # Old news (a change handled long after it happened: an outage, or a back-dated history
    # such as the demo's) is kept in the inbox, not e-mailed: an e-mail is for what is new.
    old_news = due_at is None and moments.is_stale(
        event.occurred_at, now=now, stale_after_hours=context.settings.stale_after_hours)
    for recipient in recipients:
        if old_news or "email" not in chosen[recipient.user_id] or not recipient.email:
            continue
        emails += _plan_email(uow, event, recipient, prefs.get(recipient.user_id), unit,
                              unit_id, context, now, due_at)
    hooks = _plan_webhooks(uow, event, unit_id, context, now, due_at)
    return {"inbox": inbox, "email": emails, "webhook": hooks}


def _plan_missed(uow: UnitOfWork, event: Event, due_at: datetime, context: OutboundContext,
                 now: datetime) -> dict[str, int]:
    """A reminder consumed long after its moment (an outage): into each person's summary."""
    session, made = uow.session, {"inbox": 0, "email": 0, "webhook": 0}
    recipients = who_is_told(session, event.type, event.data)
    prefs = Lookups.of(session).preferences(r.user_id for r in recipients)
    item = reminders.missed_item(event.id, event.type, event.data, due_at)
    for recipient in recipients:
        channels = rules.channels_for(event.type, getattr(prefs.get(recipient.user_id),
                                                          "channels", None))
        for channel, count in reminders.add_to_missed_summary(
                uow=uow, recipient=recipient, channels=channels, item=item, now=now).items():
            made[channel] += count
    made["webhook"] = _plan_webhooks(uow, event, _event_unit(event.type, event.data), context,
                                     now, due_at)
    return made


def _plan_email(uow: UnitOfWork, event: Event, recipient: Recipient, pref: Preference | None,
                unit: Names, unit_id: uuid.UUID | None, context: OutboundContext,
                now: datetime, due_at: datetime | None = None) -> int:
    rendered = render_event(event.type, event.data, lang=recipient.language, unit=unit,
                            at=event.occurred_at, base_url=context.base_url,
                            calendar=context.calendar)
    status, when = "pending", now
    if pref is not None:
        if pref.digest and event.type not in rules.NEVER_SILENCED:
            status = "held"
            when = rules.next_digest_at(now, hour=context.settings.digest_hour,
                                        calendar=context.calendar)
        else:
            when = rules.quiet_until(now, pref.quiet_start, pref.quiet_end)
    uow.session.add(Delivery(
        id=uuid.uuid4(), event_id=event.id, event_type=event.type,
        recipient=str(recipient.user_id), channel="email", user_id=recipient.user_id,
        unit_id=unit_id, task_id=event.data.get("task_id"), address=recipient.email,
        subject=rendered.subject, body=rendered.body, payload=None, status=status, attempts=0,
        next_attempt_at=when, created_at=now, due_at=due_at))
    return 1


def webhook_payload(event: Event, delivery_id: uuid.UUID) -> dict[str, Any]:
    """The JSON body a webhook receives (the event as we received it, plus the delivery id)."""
    return {"delivery_id": str(delivery_id), "event": {
        "id": str(event.id), "type": event.type, "occurred_at": event.occurred_at.isoformat(),
        "data": {k: (str(v) if isinstance(v, uuid.UUID) or hasattr(v, "isoformat") else v)
                 for k, v in event.data.items()}}}


def _plan_webhooks(uow: UnitOfWork, event: Event, unit_id: uuid.UUID | None,
                   context: OutboundContext, now: datetime,
                   due_at: datetime | None = None) -> int:
    units = concerned_units(event.type, event.data)
    planned = 0
    for hook in Lookups.of(uow.session).active_webhooks():
        if event.type not in hook.event_types:
            continue
        if hook.unit_id is not None and hook.unit_id not in units:
            continue
        delivery_id = uuid.uuid4()
        uow.session.add(Delivery(
            id=delivery_id, event_id=event.id, event_type=event.type,
            recipient=f"webhook:{hook.id}", channel="webhook", webhook_id=hook.id,
            unit_id=unit_id, task_id=event.data.get("task_id"), address=hook.url,
            subject=event.type, body="", payload=webhook_payload(event, delivery_id),
            status="pending", attempts=0, next_attempt_at=now, created_at=now,
            due_at=due_at))
        planned += 1
    return planned


def make_handler(context: OutboundContext,
                 clock: Callable[[], datetime]) -> Callable[..., None]:
    """The consumer handler of every notified event type."""

    def on_notified_event(event: Event, *, uow: UnitOfWork) -> None:
        plan_notifications(uow=uow, event=event, context=context, now=clock())

    return on_notified_event
