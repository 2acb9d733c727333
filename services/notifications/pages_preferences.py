"""The notification preferences page: channels per kind of event, digest, quiet hours."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from marshmallow import ValidationError

from services.notifications import management
from services.notifications.rules import NEVER_SILENCED, NOTIFIED_EVENT_TYPES, USER_CHANNELS
from services.notifications.schemas import PreferencesIn
from shared.auth import current_principal
from shared.errors import ApiError
from shared.forms import form_errors
from shared.pages import csrf, label, page, t
from shared.web import current_db, current_time

preferences_pages_blp = Blueprint("preferences_pages", __name__, template_folder="templates")

CHANNEL_NAMES = {"inbox": ("Hộp thư", "Inbox"), "email": ("Thư điện tử", "E-mail")}


def _posted() -> dict:
    """The form as the preferences API's input (channels of every kind, digest, quiet hours)."""
    channels = {kind: request.form.getlist(f"ch.{kind}") for kind in NOTIFIED_EVENT_TYPES}
    start = request.form.get("quiet_start", "").strip()
    end = request.form.get("quiet_end", "").strip()
    quiet = {"start": start, "end": end} if start or end else None
    if quiet:
        quiet = {k: v for k, v in quiet.items() if v}  # one alone: "missing" on the other
    return {"channels": channels, "digest": request.form.get("digest") == "1",
            "quiet_hours": quiet}


def _form_view(body: dict) -> dict:
    """What the form shows: chosen channels (defaults where none), digest, quiet hours."""
    defaults = body.get("defaults") or {}
    chosen = {kind: set(body["channels"].get(kind, defaults.get(kind, ())))
              for kind in NOTIFIED_EVENT_TYPES}
    quiet = body.get("quiet_hours") or {}
    return {"chosen": chosen, "digest": body["digest"],
            "quiet_start": quiet.get("start", ""), "quiet_end": quiet.get("end", "")}


def _render(view: dict, errors: dict, status: int = 200):
    rows = [{"kind": kind, "name": label("event_kind", kind), "always": kind in NEVER_SILENCED}
            for kind in NOTIFIED_EVENT_TYPES]
    channels = [(c, t(*CHANNEL_NAMES[c])) for c in USER_CHANNELS]
    return render_template("notifications/preferences.html", rows=rows, channels=channels,
                           errors=errors, **view), status


def _errors_by_input(errors: dict[str, str]) -> dict[str, str]:
    # The schema's field paths as the form's input names.
    renamed = {"quiet_hours.start": "quiet_start", "quiet_hours.end": "quiet_end",
               "quiet_hours": "quiet_start"}
    known = {"quiet_start", "quiet_end", "_form", *(f"ch.{k}" for k in NOTIFIED_EVENT_TYPES)}
    out: dict[str, str] = {}
    for field, text in errors.items():
        name = renamed.get(field, field)
        if name.startswith("channels."):
            name = "ch." + name.split(".", 1)[1]
        out.setdefault(name if name in known else "_form", text)
    return out


@preferences_pages_blp.get("/notifications/preferences")
@page
def preferences():
    """The user's own notification preferences."""
    with current_db().uow() as uow:
        body = management.get_preferences(uow=uow, principal=current_principal())
    return _render(_form_view(body), {})


@preferences_pages_blp.post("/notifications/preferences")
@page
def save_preferences():
    """Save the preferences (validated like the API); errors keep what was chosen."""
    csrf.protect()
    posted = _posted()
    try:
        body = PreferencesIn().load(posted)
        with current_db().uow() as uow:
            management.set_preferences(uow=uow, principal=current_principal(),
                                       now=current_time(), **body)
            uow.commit()
    except (ValidationError, ApiError) as exc:
        view = _form_view({**posted, "channels": posted["channels"]})
        return _render(view, _errors_by_input(form_errors(exc)), 422)
    flash(t("Đã lưu tùy chọn thông báo.", "Notification settings saved."))
    return redirect("/notifications/preferences")
