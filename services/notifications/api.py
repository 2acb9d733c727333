"""HTTP API of the notifications service: load -> one service call -> dump."""

from __future__ import annotations

import uuid

from services.notifications import service
from services.notifications.schemas import InboxMessageOut, InboxQuery, MarkedOut, UnreadCountOut
from shared.auth import current_principal
from shared.errors import request_language
from shared.schemas import ApiBlueprint as Blueprint
from shared.schemas import EmptyBody
from shared.web import current_db, current_time

inbox_blp = Blueprint("inbox", __name__, description="In-app inbox / Hộp thư thông báo")


@inbox_blp.route("/inbox")
@inbox_blp.arguments(InboxQuery, location="query")
@inbox_blp.response(200, InboxMessageOut(many=True))
def list_inbox(query):
    """The caller's own messages, unread first then newest; X-Total-Count tells the full count."""
    lang = request_language()
    with current_db().uow() as uow:
        messages, total = service.list_inbox(uow=uow, principal=current_principal(), **query)
        return ([service.message_view(m, lang=lang) for m in messages], 200,
                {"X-Total-Count": total})


@inbox_blp.route("/inbox/unread-count")
@inbox_blp.response(200, UnreadCountOut)
def unread_count():
    """How many of the caller's messages are unread."""
    with current_db().uow() as uow:
        return service.unread_count(uow=uow, principal=current_principal())


@inbox_blp.route("/inbox/<uuid:message_id>/read", methods=["POST"])
@inbox_blp.arguments(EmptyBody, required=False)
@inbox_blp.response(200, InboxMessageOut)
def mark_read(_body, message_id: uuid.UUID):
    """Mark one of the caller's messages read."""
    with current_db().uow() as uow:
        message = service.mark_read(uow=uow, principal=current_principal(),
                                    message_id=message_id, now=current_time())
        uow.commit()
        return service.message_view(message, lang=request_language())


@inbox_blp.route("/inbox/read-all", methods=["POST"])
@inbox_blp.arguments(EmptyBody, required=False)
@inbox_blp.response(200, MarkedOut)
def mark_all_read(_body):
    """Mark every unread message of the caller read."""
    with current_db().uow() as uow:
        marked = service.mark_all_read(uow=uow, principal=current_principal(),
                                       now=current_time())
        uow.commit()
        return marked
