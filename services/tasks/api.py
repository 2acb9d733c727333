"""HTTP API of the tasks service: load -> one service call -> dump."""

from __future__ import annotations

import uuid

from flask.views import MethodView

from services.tasks import service
from services.tasks.domain import WorkCalendar
from services.tasks.schemas import (
    MeOut,
    TaskCreate,
    TaskOut,
    TaskQuery,
    TokenRequest,
    TokenResponse,
    TransitionRequest,
    UnitOut,
)
from shared.auth import current_principal
from shared.schemas import ApiBlueprint as Blueprint
from shared.web import current_db, current_settings, current_time

auth_blp = Blueprint("auth", __name__, description="Login / Đăng nhập")
directory_blp = Blueprint("directory", __name__, description="Units and users / Đơn vị")
tasks_blp = Blueprint("tasks", __name__, description="Tasks / Công việc")


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
    @tasks_blp.response(200, TaskOut(many=True))
    def get(self, query):
        """Tasks the caller may see, filtered; X-Total-Count tells the full count."""
        with current_db().uow() as uow:
            tasks, total = service.list_tasks(uow=uow, principal=current_principal(), **query)
            now = current_time()
            return [service.task_view(t, now=now) for t in tasks], 200, {"X-Total-Count": total}

    @tasks_blp.arguments(TaskCreate)
    @tasks_blp.response(201, TaskOut)
    def post(self, body):
        """Give a unit a task with a deadline (coordinator, head or admin)."""
        now = current_time()
        with current_db().uow() as uow:
            task = service.create_task(uow=uow, principal=current_principal(),
                                       calendar=WorkCalendar(), now=now, **body)
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
