"""Pages of the notifications service: the inbox."""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, render_template, request

from services.notifications import service
from shared.auth import current_principal
from shared.errors import ApiError, request_language
from shared.pages import csrf, page
from shared.web import current_db, current_time

pages_blp = Blueprint("pages", __name__, template_folder="templates")
PAGE_SIZE = 50


@pages_blp.get("/notifications/inbox")
@page
def inbox():
    """The user's messages, unread first, with links to what they are about."""
    unread_only = request.args.get("unread") == "1"
    with current_db().uow() as uow:
        messages, total = service.list_inbox(uow=uow, principal=current_principal(),
                                             unread_only=unread_only, limit=PAGE_SIZE, offset=0)
        rows = [service.message_view(m, lang=request_language()) for m in messages]
    return render_template("notifications/inbox.html", messages=rows, total=total,
                           unread_only=unread_only)


@pages_blp.post("/notifications/inbox/<uuid:message_id>/read")
@page
def read(message_id: uuid.UUID):
    """Mark one message read, then open what it links to (or come back to the inbox)."""
    csrf.protect()
    with current_db().uow() as uow:
        try:
            message = service.mark_read(uow=uow, principal=current_principal(),
                                        message_id=message_id, now=current_time())
        except ApiError:
            return redirect("/notifications/inbox")
        uow.commit()
        link = message.link
    target = request.form.get("open") and link
    return redirect(target if target and target.startswith("/") else "/notifications/inbox")


@pages_blp.post("/notifications/inbox/read-all")
@page
def read_all():
    """Mark every message read."""
    csrf.protect()
    with current_db().uow() as uow:
        service.mark_all_read(uow=uow, principal=current_principal(), now=current_time())
        uow.commit()
    return redirect("/notifications/inbox")
