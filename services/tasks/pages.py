"""Pages of the tasks service: login, logout and each role's home page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request

from services.tasks import service, throttle
from services.tasks.api import request_address, tasks_settings
from services.tasks.domain import local_date
from services.tasks.page_helpers import install_page_support, shown_timeliness
from shared.auth import current_principal
from shared.errors import ApiError, request_language
from shared.i18n import message
from shared.pages import clear_login_cookie, csrf, page, public_page, set_login_cookie
from shared.web import current_db, current_settings, current_time

pages_blp = Blueprint("pages", __name__, template_folder="templates")
install_page_support(pages_blp)


def _safe_next(target: str | None) -> str:
    # Only paths of this site: never an absolute or protocol-relative URL (open redirect).
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/tasks/"


@pages_blp.get("/tasks/login")
@public_page
def login_form():
    """The login form."""
    return render_template("tasks/login.html", next=_safe_next(request.args.get("next")),
                           error=None, username="")


@pages_blp.post("/tasks/login")
@public_page
def login():
    """Check the credentials, set the token cookie and go where the user was heading."""
    csrf.protect()
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    target = _safe_next(request.form.get("next"))
    try:
        with current_db().uow() as uow:
            token = throttle.log_in(uow=uow, settings=current_settings(),
                                    limits=tasks_settings(), username=username,
                                    password=password, address=request_address(),
                                    now=current_time())
    except ApiError as exc:
        if exc.status != 429:
            return render_template("tasks/login.html", next=target, username=username,
                                   error=True), 401
        return render_template("tasks/login.html", next=target, username=username,
                               throttled=message(exc.code, request_language(), **exc.params)
                               ), 429, exc.headers
    response = redirect(target)
    set_login_cookie(response, token["access_token"], current_settings())
    return response


@pages_blp.post("/tasks/logout")
@page
def logout():
    """Forget the token cookie."""
    csrf.protect()
    response = redirect("/tasks/login")
    clear_login_cookie(response)
    return response


@pages_blp.get("/tasks/")
@page
def home():
    """The home page of the user's role: its tasks by effective deadline."""
    principal = current_principal()
    now = current_time()
    with current_db().uow() as uow:
        tasks, total = service.list_tasks(uow=uow, principal=principal, now=now, page_size=20)
        rows = [service.task_view(task, now=now) for task in tasks]
        calendar = service.load_calendar(uow.session)
    for row in rows:
        row["shown_timeliness"] = shown_timeliness(row, local_date(now), calendar)
    current_app.logger.debug("home page", extra={"tasks": total})
    return render_template("tasks/home.html", tasks=rows, total=total)
