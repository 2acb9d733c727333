"""HTTP API of the tasks service: load -> one service call -> dump."""

from __future__ import annotations

import uuid
from datetime import date

from flask.views import MethodView

from services.tasks import messages as _messages  # noqa: F401 - registers codes
from services.tasks import service
from services.tasks.schemas import (
    CalendarOverrideIn,
    CalendarOverrideOut,
    MeOut,
    StatsOut,
    StatsQuery,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskQuery,
    TokenRequest,
    TokenResponse,
    TransitionRequest,
    UnitOut,
)
from shared.auth import current_principal
from shared.errors import ApiError
from shared.i18n import LocalizedText
from shared.schemas import ApiBlueprint as Blueprint
from shared.web import current_db, current_settings, current_time


def _path_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, field_errors={"day": [LocalizedText("tasks_date_invalid")]}) from None


auth_blp = Blueprint("auth", __name__, description="Login / Đăng nhập")
directory_blp = Blueprint("directory", __name__, description="Units and users / Đơn vị")
tasks_blp = Blueprint("tasks", __name__, description="Tasks / Công việc")
calendar_blp = Blueprint("calendar", __name__,
                         description="Working calendar overrides / Ngày nghỉ, ngày làm bù")


@auth_blp.route("/auth/token", methods=["POST"])
@auth_blp.arguments(TokenRequest)
@auth_blp.response(200, TokenResponse)
def create_token(body):
    """Exchange a username and password for a bearer token."""
    with current_db().uow() as uow:
        return service.authenticate(uow=uow, settings=current_settings(),
                                    username=body["username"], password=body["password"],
                                    now=current_time())


@directory_blp.route("/me")
@directory_blp.response(200, MeOut)
def get_me():
    """The logged-in user with its unit."""
    principal = current_principal()
    with current_db().uow() as uow:
        return service.get_user(uow=uow, user_id=principal.user_id)


@directory_blp.route("/units")
@directory_blp.response(200, UnitOut(many=True))
def list_units():
    """All org units (the directory is readable by every user)."""
    current_principal()
    with current_db().uow() as uow:
        return service.list_units(uow=uow)


@tasks_blp.route("/tasks")
class TaskCollection(MethodView):
    @tasks_blp.arguments(TaskQuery, location="query")
    @tasks_blp.response(200, TaskPage)
    def get(self, query):
        """Search and list the tasks the caller may see: filters, sort, pages, total count.

        `q` ignores Vietnamese diacritics ("so cong thuong" finds "Sở Công Thương").
        X-Total-Count repeats `total`.
        """
        now = current_time()
        with current_db().uow() as uow:
            tasks, total = service.list_tasks(uow=uow, principal=current_principal(), now=now,
                                              **query)
            page = {"items": [service.task_view(t, now=now) for t in tasks], "total": total,
                    "page": query["page"], "page_size": query["page_size"]}
            return page, 200, {"X-Total-Count": total}

    @tasks_blp.arguments(TaskCreate)
    @tasks_blp.response(201, TaskOut)
    def post(self, body):
        """Give a unit a task with a deadline (coordinator, head or admin)."""
        now = current_time()
        with current_db().uow() as uow:
            task = service.create_task(uow=uow, principal=current_principal(),
                                       calendar=service.load_calendar(uow.session), now=now,
                                       **body)
            uow.commit()
            return service.task_view(task, now=now)


@tasks_blp.route("/tasks/<uuid:task_id>")
@tasks_blp.response(200, TaskOut)
def get_task(task_id: uuid.UUID):
    """One task the caller may see."""
    with current_db().uow() as uow:
        task = service.get_task(uow=uow, principal=current_principal(), task_id=task_id)
        return service.task_view(task, now=current_time())


@tasks_blp.route("/tasks/<uuid:task_id>/transitions", methods=["POST"])
@tasks_blp.arguments(TransitionRequest)
@tasks_blp.response(200, TaskOut)
def transition_task(body, task_id: uuid.UUID):
    """Move a task through its workflow."""
    now = current_time()
    with current_db().uow() as uow:
        task = service.transition_task(uow=uow, principal=current_principal(), task_id=task_id,
                                       to=body["to"], reason=body["reason"], now=now)
        uow.commit()
        return service.task_view(task, now=now)


@tasks_blp.route("/stats/timeliness")
@tasks_blp.arguments(StatsQuery, location="query")
@tasks_blp.response(200, StatsOut)
def timeliness_stats(query):
    """Done on time / late / open / overdue per unit, per plan and per year (Government count)."""
    with current_db().uow() as uow:
        return service.timeliness_stats(uow=uow, principal=current_principal(),
                                        now=current_time(), **query)


@calendar_blp.route("/calendar/overrides")
@calendar_blp.response(200, CalendarOverrideOut(many=True))
def list_overrides():
    """Announced days off and make-up working days (readable by every user)."""
    current_principal()
    with current_db().uow() as uow:
        return service.list_calendar_overrides(uow=uow)


@calendar_blp.route("/calendar/overrides/<day>", methods=["PUT"])
@calendar_blp.arguments(CalendarOverrideIn)
@calendar_blp.response(200, CalendarOverrideOut)
def put_override(body, day: str):
    """Admin: declare a day off or a make-up working day; open deadlines are recomputed."""
    day = _path_date(day)
    with current_db().uow() as uow:
        row = service.set_calendar_override(uow=uow, principal=current_principal(), day=day,
                                            now=current_time(), **body)
        uow.commit()
        return row


@calendar_blp.route("/calendar/overrides/<day>", methods=["DELETE"])
@calendar_blp.response(204)
def delete_override(day: str):
    """Admin: withdraw an override; open deadlines are recomputed."""
    day = _path_date(day)
    with current_db().uow() as uow:
        service.delete_calendar_override(uow=uow, principal=current_principal(), day=day,
                                         now=current_time())
        uow.commit()
