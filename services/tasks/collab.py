"""Comments, evidence attachments, the history of a task, and the iCalendar feed."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.tasks import repository
from services.tasks.models import (
    CalendarFeed,
    OrgUnit,
    Task,
    TaskAttachment,
    TaskComment,
    User,
    audit_log,
    touch_task,
)
from services.tasks.service import outbox, task_event_data
from services.tasks.storage import AttachmentStore, safe_filename
from shared import vocabulary
from shared.audit import jsonable, record_audit
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import ApiError, not_found

ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}


def _visible(uow: UnitOfWork, principal: Principal, task_id: uuid.UUID,
             for_update: bool = False) -> Task:
    task = repository.get_visible_task(uow.session, principal, task_id, for_update=for_update)
    if task is None:
        raise not_found("công việc", "Task")
    return task


def _writable(uow: UnitOfWork, principal: Principal, task_id: uuid.UUID) -> Task:
    task = _visible(uow, principal, task_id, for_update=True)
    if principal.has_role("viewer") and not principal.has_role(
            "admin", "head", "coordinator", "reporter"):
        raise ApiError(403, "role_required", roles="reporter, coordinator, head, admin")
    return task


def add_comment(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID, body: str,
                now: datetime) -> TaskComment:
    """Comment on a task the caller may see (viewers only read)."""
    task = _writable(uow, principal, task_id)
    comment = TaskComment(id=uuid.uuid4(), task_id=task.id, author_id=principal.user_id,
                          body=body, created_at=now)
    uow.session.add(comment)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="comment",
                 entity="task", entity_id=task.id, before=None,
                 after={"comment_id": str(comment.id), "body": body}, now=now)
    touch_task(task, now=now)
    outbox.add(uow.session, "task.updated", task_event_data(task), now=now)
    return comment


def list_comments(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID
                  ) -> list[TaskComment]:
    """A task's comments, oldest first."""
    task = _visible(uow, principal, task_id)
    return list(uow.session.execute(select(TaskComment).where(TaskComment.task_id == task.id)
                                    .order_by(TaskComment.created_at)).scalars())


def add_attachment(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID,
                   filename: str, content_type: str, data: bytes, store: AttachmentStore,
                   max_bytes: int, now: datetime) -> TaskAttachment:
    """Attach an evidence file (size and type limited) to a task the caller may change."""
    task = _writable(uow, principal, task_id)
    if len(data) > max_bytes:
        raise ApiError(413, "tasks_attachment_too_large", limit=max_bytes // (1024 * 1024))
    if content_type not in ALLOWED_TYPES:
        raise ApiError(415, "tasks_attachment_type",
                       allowed=", ".join(sorted(ALLOWED_TYPES.values())))
    key = store.put(data)
    attachment = TaskAttachment(
        id=uuid.uuid4(), task_id=task.id, filename=safe_filename(filename),
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key, uploaded_by=principal.user_id, created_at=now)
    uow.session.add(attachment)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="attach",
                 entity="task", entity_id=task.id, before=None,
                 after={"attachment_id": str(attachment.id), "filename": attachment.filename,
                        "size": attachment.size, "sha256": attachment.sha256}, now=now)
    touch_task(task, now=now)
    outbox.add(uow.session, "task.updated", task_event_data(task), now=now)
    return attachment


def list_attachments(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID
                     ) -> list[TaskAttachment]:
    """A task's evidence files."""
    task = _visible(uow, principal, task_id)
    return list(uow.session.execute(select(TaskAttachment)
                                    .where(TaskAttachment.task_id == task.id)
                                    .order_by(TaskAttachment.created_at)).scalars())


def get_attachment(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID,
                   attachment_id: uuid.UUID, store: AttachmentStore
                   ) -> tuple[TaskAttachment, bytes]:
    """One evidence file with its bytes."""
    task = _visible(uow, principal, task_id)
    attachment = uow.session.get(TaskAttachment, attachment_id)
    if attachment is None or attachment.task_id != task.id:
        raise not_found("tệp đính kèm", "Attachment")
    return attachment, store.get(attachment.storage_key)


def task_history(*, uow: UnitOfWork, principal: Principal, task_id: uuid.UUID
                 ) -> list[dict[str, Any]]:
    """Every change of a task, oldest first, from the audit log."""
    task = _visible(uow, principal, task_id)
    rows = uow.session.execute(
        select(audit_log).where(audit_log.c.entity == "task",
                                audit_log.c.entity_id == str(task.id))
        .order_by(audit_log.c.occurred_at)).mappings()
    return [{"occurred_at": r["occurred_at"], "actor_id": r["actor_id"], "action": r["action"],
             "before": r["before"], "after": r["after"]} for r in rows]


def people(*, uow: UnitOfWork, user_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The full names of some users (authors of comments and history rows), by id."""
    wanted = {u for u in user_ids if u is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
    return {row.id: row.full_name for row in rows}


# --- iCalendar feed -------------------------------------------------------------------------

def create_feed(*, uow: UnitOfWork, principal: Principal, now: datetime) -> CalendarFeed:
    """A new secret feed URL for the caller's unit (earlier ones keep working until revoked)."""
    if uow.session.get(User, principal.user_id) is None:
        raise not_found("người dùng", "User")
    feed = CalendarFeed(token=secrets.token_urlsafe(32), user_id=principal.user_id,
                        unit_id=principal.unit_id, created_at=now)
    uow.session.add(feed)
    uow.session.flush()
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="create",
                 entity="calendar_feed", entity_id=feed.token[:8], before=None,
                 after={"unit_id": str(feed.unit_id)}, now=now)
    return feed


def list_feeds(*, uow: UnitOfWork, principal: Principal) -> list[CalendarFeed]:
    """The caller's active feeds."""
    return list(uow.session.execute(select(CalendarFeed).where(
        CalendarFeed.user_id == principal.user_id, CalendarFeed.revoked_at.is_(None))).scalars())


def revoke_feed(*, uow: UnitOfWork, principal: Principal, token: str, now: datetime) -> None:
    """Revoke one of the caller's feeds; 404 for anyone else's."""
    feed = uow.session.get(CalendarFeed, token)
    if feed is None or feed.user_id != principal.user_id or feed.revoked_at is not None:
        raise not_found("lịch", "Calendar feed")
    feed.revoked_at = now
    record_audit(uow.session, audit_log, actor_id=principal.user_id, action="revoke",
                 entity="calendar_feed", entity_id=token[:8], before=None, after=None, now=now)


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1) without splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def feed_ics(*, uow: UnitOfWork, token: str, now: datetime, base_url: str) -> str:
    """The iCalendar text of a feed: one all-day event per open or recent task of the unit."""
    feed = uow.session.get(CalendarFeed, token)
    if feed is None or feed.revoked_at is not None:
        raise ApiError(404, "tasks_feed_unknown")
    user = uow.session.get(User, feed.user_id)
    if user is None or not user.active:
        raise ApiError(404, "tasks_feed_unknown")
    unit = uow.session.get(OrgUnit, feed.unit_id)
    tasks = uow.session.execute(select(Task).where(
        Task.assignee_unit_id == feed.unit_id, Task.status != "cancelled")
        .order_by(Task.effective_deadline)).scalars()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//plan-tracker//tasks//VI",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape('Hạn công việc — ' + unit.name_vi)}",
             "X-WR-TIMEZONE:Asia/Ho_Chi_Minh"]
    for task in tasks:
        day = task.effective_deadline
        shown = task.status in ("done", "submitted")  # the others are plain deadlines
        status = vocabulary.label("task_status", task.status, "vi") if shown else ""
        summary = f"[{status}] {task.title}" if status else task.title
        lines += [
            "BEGIN:VEVENT",
            f"UID:{task.id}@plan-tracker",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(day + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape('Hạn: ' + day.strftime('%d/%m/%Y') + '. ' + task.description)}",
            f"URL:{base_url.rstrip('/')}/tasks/tasks/{task.id}",  # the task's page
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def feed_data(feed: CalendarFeed, base_url: str) -> dict[str, Any]:
    """A feed as the API shows it, with its URL."""
    return {"token": feed.token, "unit_id": feed.unit_id, "created_at": feed.created_at,
            "url": f"{base_url.rstrip('/')}/tasks/api/v1/calendar/feeds/{feed.token}.ics"}


__all__ = ["jsonable"]
