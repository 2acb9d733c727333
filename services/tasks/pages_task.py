"""The page of one task: details, workflow buttons, comments, evidence files and history."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from services.tasks import collab, planning, service
from services.tasks.api import attachment_store, tasks_settings
from services.tasks.domain import local_date
from services.tasks.page_helpers import (
    REASON_REQUIRED,
    days_left_phrase,
    error_text,
    field_messages,
    install_page_support,
    iso_day,
    shown_timeliness,
    unit_names,
)
from services.tasks.schemas import CommentIn, TaskPatch, TransitionRequest
from shared.auth import current_principal
from shared.errors import ApiError, request_language
from shared.i18n import message
from shared.pages import csrf, label, page, t
from shared.web import current_db, current_time

task_page_blp = Blueprint("task_page", __name__, template_folder="templates")
install_page_support(task_page_blp)

MAX_COMMENT = 5000
UPLOAD_SLACK = 64 * 1024  # multipart framing around the file itself
NOTICES = {
    "moved": ("Đã chuyển trạng thái công việc.", "The task was moved."),
    "commented": ("Đã thêm bình luận.", "The comment was added."),
    "attached": ("Đã tải tệp minh chứng lên.", "The evidence file was uploaded."),
    "updated": ("Đã cập nhật công việc.", "The task was updated."),
}


def _history_line(row: dict[str, Any]) -> str:
    """One audit row as a sentence."""
    before, after = row["before"] or {}, row["after"] or {}
    action = row["action"]
    if action == "create":
        return t("Tạo công việc", "Task created")
    if action == "transition":
        text = (f"{label('task_status', before.get('status', ''))} → "
                f"{label('task_status', after.get('status', ''))}")
        reason = after.get("reason")
        return f"{text} ({t('lý do', 'reason')}: {reason})" if reason else text
    if action == "comment":
        return f"{t('Bình luận', 'Comment')}: {after.get('body', '')}"
    if action == "attach":
        return f"{t('Tải tệp minh chứng', 'Evidence uploaded')}: {after.get('filename', '')}"
    if before.get("effective_deadline") != after.get("effective_deadline"):
        return t("Đổi hạn", "Deadline changed")
    return label("event_kind", "task.updated")


def render_task(task_id: uuid.UUID, *, status: int = 200, error: str | None = None,
                form_errors: dict[str, str] | None = None, form: dict[str, str] | None = None):
    """The task page (404 page for a task the user may not see), with an error if one is due."""
    principal = current_principal()
    now = current_time()
    with current_db().uow() as uow:
        task = service.get_task(uow=uow, principal=principal, task_id=task_id)
        view = service.task_view(task, now=now)
        calendar = service.load_calendar(uow.session)
        view["shown_timeliness"] = shown_timeliness(view, local_date(now), calendar)
        view["days_left_phrase"] = days_left_phrase(view, local_date(now), calendar)
        moves = service.allowed_transitions(principal, task)
        editable = service.editable_fields(principal, task) & {"progress", "deadline"}
        if task.status in ("done", "cancelled"):
            editable = set()
        comments = collab.list_comments(uow=uow, principal=principal, task_id=task_id)
        files = collab.list_attachments(uow=uow, principal=principal, task_id=task_id)
        history = collab.task_history(uow=uow, principal=principal, task_id=task_id)
        names = collab.people(uow=uow, user_ids={c.author_id for c in comments}
                              | {h["actor_id"] for h in history})
        units = unit_names(uow)
        duty = planning.get_duty(uow=uow, duty_id=task.duty_id) if task.duty_id else None
        duty = {"id": duty.id, "code": duty.code, "title": duty.title} if duty else None
    lines = [{"at": h["occurred_at"], "who": names.get(h["actor_id"]) if h["actor_id"] else None,
              "text": _history_line(h)} for h in history]
    notice = NOTICES.get(request.args.get("done", ""))
    limits = tasks_settings()
    return render_template(
        "tasks/task.html", task=view, moves=moves, reason_required=REASON_REQUIRED,
        editable=editable,
        comments=comments, files=files, history=lines, names=names, units=units, duty=duty,
        error=error, form_errors=form_errors or {}, form=form or {},
        notice=t(*notice) if notice else None,
        max_mb=limits.attachment_max_bytes // (1024 * 1024),
        writable=bool(principal.has_role("reporter", "coordinator", "head", "admin")),
        manages=principal.has_role("coordinator", "head", "admin"),
    ), status


@task_page_blp.get("/tasks/tasks/<uuid:task_id>")
@page
def task_page(task_id: uuid.UUID):
    """One task the user may see."""
    return render_task(task_id)


def _done(task_id: uuid.UUID, what: str):
    return redirect(f"/tasks/tasks/{task_id}?done={what}", code=303)


@task_page_blp.post("/tasks/tasks/<uuid:task_id>/transition")
@page
def move_task(task_id: uuid.UUID):
    """Move the task to the chosen status (the service checks the user's part in it)."""
    csrf.protect()
    target = request.form.get("to", "")[:32]
    reason = request.form.get("reason", "").strip()[:2000] or None
    try:
        reason = TransitionRequest(only=("reason",)).load({"reason": reason})["reason"]
    except ValidationError as exc:
        return render_task(task_id, status=422, error=" ".join(
            field_messages(exc.messages).values()), form={"to": target, "reason": reason})
    try:
        with current_db().uow() as uow:
            service.transition_task(uow=uow, principal=current_principal(), task_id=task_id,
                                    to=target, reason=reason, now=current_time())
            uow.commit()
    except ApiError as exc:
        if exc.status == 404:
            raise
        return render_task(task_id, status=exc.status, error=error_text(exc),
                           form={"to": target, "reason": reason or ""})
    return _done(task_id, "moved")


@task_page_blp.post("/tasks/tasks/<uuid:task_id>/comments")
@page
def comment_task(task_id: uuid.UUID):
    """Add a comment."""
    csrf.protect()
    body = request.form.get("body", "").strip()
    if not body or len(body) > MAX_COMMENT:
        problem = (t("Không được để trống.", "This may not be empty.") if not body else
                   t(f"Dài hơn độ dài tối đa {MAX_COMMENT}.",
                     f"Longer than maximum length {MAX_COMMENT}."))
        return render_task(task_id, status=422, form_errors={"body": problem},
                           form={"body": body[:MAX_COMMENT]})
    try:
        body = CommentIn().load({"body": body})["body"]
    except ValidationError as exc:
        return render_task(task_id, status=422, form_errors=field_messages(exc.messages),
                           form={"body": body})
    with current_db().uow() as uow:
        collab.add_comment(uow=uow, principal=current_principal(), task_id=task_id, body=body,
                           now=current_time())
        uow.commit()
    return _done(task_id, "commented")


def _upload_problem(task_id: uuid.UUID, text: str, status: int):
    return render_task(task_id, status=status, form_errors={"file": text})


@task_page_blp.post("/tasks/tasks/<uuid:task_id>/attachments")
@page
def attach_file(task_id: uuid.UUID):
    """Upload an evidence file (the attachment service's size and type limits apply)."""
    limits = tasks_settings()
    request.max_content_length = limits.attachment_max_bytes + UPLOAD_SLACK
    lang = request_language()
    try:
        csrf.protect()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _upload_problem(task_id, message(
            "tasks_attachment_too_large", lang, limit=limits.attachment_max_bytes // 2**20), 413)
    if upload is None or not upload.filename:
        return _upload_problem(task_id, message("tasks_file_required", lang), 422)
    data = upload.stream.read(limits.attachment_max_bytes + 1)
    try:
        with current_db().uow() as uow:
            collab.add_attachment(
                uow=uow, principal=current_principal(), task_id=task_id,
                filename=upload.filename, content_type=upload.mimetype, data=data,
                store=attachment_store(), max_bytes=limits.attachment_max_bytes,
                now=current_time())
            uow.commit()
    except ApiError as exc:
        if exc.status == 404:
            raise
        return _upload_problem(task_id, error_text(exc), exc.status)
    return _done(task_id, "attached")


def _task_changes(task_id: uuid.UUID) -> tuple[dict[str, Any], dict[str, str]]:
    """The progress and deadline of the form that differ from the task's, validated."""
    with current_db().uow() as uow:
        task = service.get_task(uow=uow, principal=current_principal(), task_id=task_id)
        current = {"progress": str(task.progress), "deadline": task.deadline.isoformat()}
    raw = {"progress": request.form.get("progress", "").strip(),
           "deadline": iso_day(request.form.get("deadline", ""))}
    raw = {k: v for k, v in raw.items() if v and v != current[k]}
    try:
        return TaskPatch().load(raw), {}
    except ValidationError as exc:
        return {}, field_messages(exc.messages)


@task_page_blp.post("/tasks/tasks/<uuid:task_id>/edit")
@page
def edit_task(task_id: uuid.UUID):
    """Report progress (any party) or move the deadline (the lead unit's coordinator, head)."""
    csrf.protect()
    form = {k: request.form.get(k, "")[:32] for k in ("progress", "deadline")}
    changes, errors = _task_changes(task_id)
    if errors:
        return render_task(task_id, status=422, form_errors=errors, form=form)
    if not changes:
        return _done(task_id, "updated")
    try:
        with current_db().uow() as uow:
            service.update_task(uow=uow, principal=current_principal(), task_id=task_id,
                                calendar=service.load_calendar(uow.session), now=current_time(),
                                **changes)
            uow.commit()
    except ApiError as exc:
        if exc.status == 404:
            raise
        return render_task(task_id, status=exc.status, error=error_text(exc), form=form)
    return _done(task_id, "updated")
