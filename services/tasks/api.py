"""HTTP API of the tasks service: load -> one service call -> dump."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Response, current_app, request
from flask.views import MethodView

from services.tasks import collab, planning, service, throttle
from services.tasks import messages as _messages  # noqa: F401 - registers codes
from services.tasks.schemas import (
    AttachmentOut,
    CalendarOverrideIn,
    CalendarOverrideOut,
    CommentIn,
    CommentOut,
    DutyIn,
    DutyOut,
    DutyRuleIn,
    FeedOut,
    HistoryOut,
    MeOut,
    PasswordChange,
    PlanIn,
    PlanOut,
    StatsOut,
    StatsQuery,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskPatch,
    TaskQuery,
    TokenRequest,
    TokenResponse,
    TransitionRequest,
    UnitIn,
    UnitOut,
    UnitPatch,
    UploadIn,
    UserIn,
    UserOut,
    UserPatch,
)
from services.tasks.settings import TasksSettings
from services.tasks.storage import content_disposition
from shared.auth import current_principal
from shared.errors import ApiError
from shared.i18n import LocalizedText
from shared.schemas import ApiBlueprint as Blueprint
from shared.schemas import EmptyBody
from shared.web import current_db, current_settings, current_time


def tasks_settings() -> TasksSettings:
    """The tasks service's own settings of this app."""
    return current_app.extensions["tasks_settings"]


def request_address() -> str:
    """The client address this request counts against (TRUSTED_PROXIES: throttle.py)."""
    return throttle.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                                   tasks_settings().trusted_proxies)


def attachment_store():
    """The attachment store of this app."""
    return current_app.extensions["attachment_store"]


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
@auth_blp.alt_response(401, response="PROBLEM_401")
@auth_blp.alt_response(429, response="PROBLEM_429")
def create_token(body):
    """Exchange a username and password for a bearer token (429 after too many failures)."""
    with current_db().uow() as uow:
        return throttle.log_in(uow=uow, settings=current_settings(), limits=tasks_settings(),
                               username=body["username"], password=body["password"],
                               address=request_address(), now=current_time())


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
        with current_db().reader() as uow:
            items, total = service.list_task_views(uow=uow, principal=current_principal(),
                                                   now=now, **query)
            page = {"items": items, "total": total, "page": query["page"],
                    "page_size": query["page_size"]}
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
class TaskItem(MethodView):
    @tasks_blp.response(200, TaskOut)
    def get(self, task_id: uuid.UUID):
        """One task the caller may see."""
        with current_db().uow() as uow:
            task = service.get_task(uow=uow, principal=current_principal(), task_id=task_id)
            return service.task_view(task, now=current_time())

    @tasks_blp.arguments(TaskPatch)
    @tasks_blp.response(200, TaskOut)
    def patch(self, body, task_id: uuid.UUID):
        """Report progress (assignee) or change title, description, deadline, assignee (lead)."""
        now = current_time()
        with current_db().uow() as uow:
            task = service.update_task(uow=uow, principal=current_principal(), task_id=task_id,
                                       calendar=service.load_calendar(uow.session), now=now,
                                       **body)
            uow.commit()
            return service.task_view(task, now=now)


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


plans_blp = Blueprint("plans", __name__, description="Plans and duties / Kế hoạch, nhiệm vụ")
admin_blp = Blueprint("admin", __name__, description="Administration / Quản trị")
feeds_blp = Blueprint("feeds", __name__, description="iCalendar feeds / Lịch iCalendar")


def _calendar(uow):
    return service.load_calendar(uow.session)


@plans_blp.route("/plans")
class PlanCollection(MethodView):
    @plans_blp.response(200, PlanOut(many=True))
    def get(self):
        """Every plan."""
        current_principal()
        with current_db().uow() as uow:
            return planning.list_plans(uow=uow)

    @plans_blp.arguments(PlanIn)
    @plans_blp.response(201, PlanOut)
    def post(self, body):
        """Open a plan (head or admin)."""
        with current_db().uow() as uow:
            plan = planning.create_plan(uow=uow, principal=current_principal(),
                                        now=current_time(), **body)
            uow.commit()
            return plan


@plans_blp.route("/plans/<uuid:plan_id>")
@plans_blp.response(200, PlanOut)
def get_plan(plan_id):
    """One plan."""
    current_principal()
    with current_db().uow() as uow:
        return planning.get_plan(uow=uow, plan_id=plan_id)


@plans_blp.route("/plans/<uuid:plan_id>/duties")
class DutyCollection(MethodView):
    @plans_blp.response(200, DutyOut(many=True))
    def get(self, plan_id):
        """The duties of a plan with their lead and coordinating units."""
        current_principal()
        with current_db().uow() as uow:
            return [planning.duty_data(d) for d in planning.list_duties(uow=uow,
                                                                         plan_id=plan_id)]

    @plans_blp.arguments(DutyIn)
    @plans_blp.response(201, DutyOut)
    def post(self, body, plan_id):
        """Add a duty and generate its tasks (a coordinator of the lead unit, or the head)."""
        now = current_time()
        with current_db().uow() as uow:
            duty = planning.create_duty(uow=uow, principal=current_principal(), plan_id=plan_id,
                                        calendar=_calendar(uow), now=now, **body)
            uow.commit()
            return planning.duty_data(duty)


@plans_blp.route("/duties/<uuid:duty_id>/rule", methods=["PUT"])
@plans_blp.arguments(DutyRuleIn)
@plans_blp.response(200, DutyOut)
def change_rule(body, duty_id):
    """Change a recurring duty's rule: future occurrences are regenerated, the past never."""
    now = current_time()
    with current_db().uow() as uow:
        duty = planning.change_duty_rule(uow=uow, principal=current_principal(), duty_id=duty_id,
                                         rrule=body["rrule"], calendar=_calendar(uow), now=now)
        uow.commit()
        return planning.duty_data(duty)


@tasks_blp.route("/tasks/<uuid:task_id>/comments")
class CommentCollection(MethodView):
    @tasks_blp.response(200, CommentOut(many=True))
    def get(self, task_id):
        """A task's comments."""
        with current_db().uow() as uow:
            return collab.list_comments(uow=uow, principal=current_principal(), task_id=task_id)

    @tasks_blp.arguments(CommentIn)
    @tasks_blp.response(201, CommentOut)
    def post(self, body, task_id):
        """Comment on a task."""
        with current_db().uow() as uow:
            comment = collab.add_comment(uow=uow, principal=current_principal(),
                                         task_id=task_id, body=body["body"], now=current_time())
            uow.commit()
            return comment


@tasks_blp.route("/tasks/<uuid:task_id>/attachments")
class AttachmentCollection(MethodView):
    @tasks_blp.response(200, AttachmentOut(many=True))
    def get(self, task_id):
        """A task's evidence files."""
        with current_db().uow() as uow:
            return collab.list_attachments(uow=uow, principal=current_principal(),
                                           task_id=task_id)

    @tasks_blp.arguments(UploadIn, location="files")
    @tasks_blp.response(201, AttachmentOut)
    @tasks_blp.alt_response(413, description="File too large / Tệp quá lớn")
    @tasks_blp.alt_response(415, description="File type not accepted / Loại tệp không hợp lệ")
    def post(self, files, task_id):
        """Attach an evidence file (multipart field `file`; size and type limited)."""
        upload = files["file"]
        limits = tasks_settings()
        data = upload.stream.read(limits.attachment_max_bytes + 1)
        with current_db().uow() as uow:
            attachment = collab.add_attachment(
                uow=uow, principal=current_principal(), task_id=task_id,
                filename=upload.filename or "file", content_type=upload.mimetype, data=data,
                store=attachment_store(), max_bytes=limits.attachment_max_bytes,
                now=current_time())
            uow.commit()
            return attachment


@tasks_blp.route("/tasks/<uuid:task_id>/attachments/<uuid:attachment_id>")
@tasks_blp.response(200, description="The file / Tệp")
def download_attachment(task_id, attachment_id):
    """Download an evidence file."""
    with current_db().uow() as uow:
        attachment, data = collab.get_attachment(
            uow=uow, principal=current_principal(), task_id=task_id,
            attachment_id=attachment_id, store=attachment_store())
    response = Response(data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    return response


@tasks_blp.route("/tasks/<uuid:task_id>/history")
@tasks_blp.response(200, HistoryOut(many=True))
def task_history(task_id):
    """Every change of a task (from the audit log), oldest first."""
    with current_db().uow() as uow:
        return collab.task_history(uow=uow, principal=current_principal(), task_id=task_id)


@feeds_blp.route("/calendar/feeds")
class FeedCollection(MethodView):
    @feeds_blp.response(200, FeedOut(many=True))
    def get(self):
        """The caller's active iCalendar feed URLs."""
        base = current_settings().public_base_url
        with current_db().uow() as uow:
            return [collab.feed_data(f, base)
                    for f in collab.list_feeds(uow=uow, principal=current_principal())]

    @feeds_blp.arguments(EmptyBody, required=False)
    @feeds_blp.response(201, FeedOut)
    def post(self, _body):
        """A new secret iCalendar URL of the caller's unit's deadlines."""
        with current_db().uow() as uow:
            feed = collab.create_feed(uow=uow, principal=current_principal(),
                                      now=current_time())
            uow.commit()
            return collab.feed_data(feed, current_settings().public_base_url)


@feeds_blp.route("/calendar/feeds/<secret:token>", methods=["DELETE"])
@feeds_blp.response(204)
def revoke_feed(token):
    """Revoke one of the caller's feed URLs."""
    with current_db().uow() as uow:
        collab.revoke_feed(uow=uow, principal=current_principal(), token=token,
                           now=current_time())
        uow.commit()


@feeds_blp.route("/calendar/feeds/<secret:token>.ics")
@feeds_blp.doc(security=[])
@feeds_blp.response(200, description="text/calendar (RFC 5545)")
def feed_ics(token):
    """The iCalendar feed itself (no login: the secret URL is the credential)."""
    with current_db().uow() as uow:
        text = collab.feed_ics(uow=uow, token=token, now=current_time(),
                               base_url=current_settings().public_base_url)
    return Response(text, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="deadlines.ics"', "Cache-Control": "private"})


@directory_blp.route("/me/password", methods=["POST"])
@directory_blp.arguments(PasswordChange)
@directory_blp.response(204)
def change_password(body):
    """Change one's own password (the current one is required)."""
    with current_db().uow() as uow:
        service.change_own_password(uow=uow, principal=current_principal(), now=current_time(),
                                    **body)
        uow.commit()


@admin_blp.route("/admin/units", methods=["POST"])
@admin_blp.arguments(UnitIn)
@admin_blp.response(201, UnitOut)
def admin_create_unit(body):
    """Admin: add an org unit."""
    with current_db().uow() as uow:
        unit = service.admin_create_unit(uow=uow, principal=current_principal(),
                                         now=current_time(), **body)
        uow.commit()
        return unit


@admin_blp.route("/admin/units/<uuid:unit_id>", methods=["PATCH"])
@admin_blp.arguments(UnitPatch)
@admin_blp.response(200, UnitOut)
def admin_update_unit(body, unit_id):
    """Admin: rename, re-parent or close (valid_to) a unit."""
    with current_db().uow() as uow:
        unit = service.admin_update_unit(uow=uow, principal=current_principal(), unit_id=unit_id,
                                         now=current_time(), **body)
        uow.commit()
        return unit


@admin_blp.route("/admin/users")
class UserCollection(MethodView):
    @admin_blp.response(200, UserOut(many=True))
    def get(self):
        """Admin: every user."""
        with current_db().uow() as uow:
            return service.admin_list_users(uow=uow, principal=current_principal())

    @admin_blp.arguments(UserIn)
    @admin_blp.response(201, UserOut)
    def post(self, body):
        """Admin: add a user."""
        with current_db().uow() as uow:
            user = service.admin_create_user(uow=uow, principal=current_principal(),
                                             now=current_time(), **body)
            uow.commit()
            return user


@admin_blp.route("/admin/users/<uuid:user_id>", methods=["PATCH"])
@admin_blp.arguments(UserPatch)
@admin_blp.response(200, UserOut)
def admin_update_user(body, user_id):
    """Admin: change a user's unit, roles, details, or deactivate it."""
    with current_db().uow() as uow:
        user = service.admin_update_user(uow=uow, principal=current_principal(),
                                         user_id=user_id, now=current_time(), **body)
        uow.commit()
        return user
