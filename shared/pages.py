"""Server-rendered pages: the shared layout, cookie login, CSRF, language and date helpers.

Pages use the same JWT as the APIs, in an HttpOnly, SameSite=Lax cookie valid for every
service prefix. Texts are written in both languages where they are used (`t("vi", "en")`),
Vietnamese first; the language comes from ?lang= (remembered in a cookie), Accept-Language,
then the user's profile.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from flask import Flask, g, redirect, request, url_for
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader

from shared import vocabulary
from shared.auth import COOKIE_NAME, Principal, access_refusal, verify_token
from shared.calendar import LOCAL_TZ
from shared.error_pages import install_error_pages, page_not_found
from shared.errors import ApiError, request_language
from shared.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
LOGIN_PATH = "/tasks/login"
csrf = CSRFProtect()

# The header's links: (roles that see it or None for everyone, href, Vietnamese, English).
# Services add theirs here (every service renders the same header, so the list is shared).
NAV_LINKS: list[tuple[tuple[str, ...] | None, str, str, str]] = [
    (None, "/tasks/", "Trang chủ", "Home"),
    (None, "/tasks/tasks", "Công việc", "Tasks"),
    (None, "/tasks/calendar", "Lịch hạn", "Calendar"),
    (("coordinator", "head", "admin"), "/tasks/duties", "Nhiệm vụ", "Duties"),
    (("reporter", "coordinator"), "/kpi/reports", "Báo cáo năm", "Yearly reports"),
    (("head", "admin", "coordinator", "viewer"), "/kpi/dashboard", "Bảng điều khiển", "Dashboard"),
    (("admin",), "/tasks/admin/units", "Quản trị", "Administration"),
    (None, "/notifications/preferences", "Tùy chọn thông báo", "Notification settings"),
]
# The administration pages, shown as a sub-menu on each of them.
ADMIN_LINKS: list[tuple[str, str, str]] = [
    ("/tasks/admin/units", "Đơn vị", "Units"),
    ("/tasks/admin/users", "Người dùng", "Users"),
    ("/tasks/admin/holidays", "Ngày nghỉ, ngày làm bù", "Holidays"),
    ("/kpi/admin/indicators", "Chỉ tiêu", "Indicators"),
    ("/notifications/admin/webhooks", "Webhook", "Webhooks"),
    ("/notifications/admin/deliveries", "Nhật ký gửi", "Delivery log"),
]


def nav_links(principal: Principal | None) -> list[dict[str, str | bool]]:
    """The header links this user sees, the current page's marked."""
    if principal is None:
        return []
    return [{"href": href, "label": t(vi, en), "current": request.path == href}
            for roles, href, vi, en in NAV_LINKS if roles is None or principal.has_role(*roles)]


def admin_links() -> list[dict[str, str | bool]]:
    """The administration sub-menu, the current page's marked."""
    return [{"href": href, "label": t(vi, en), "current": request.path.startswith(href)}
            for href, vi, en in ADMIN_LINKS]


def unit_name(principal: Principal) -> str:
    """The user's unit by name in this request's language (its code for older tokens)."""
    name = principal.unit_name_vi if request_language() == "vi" else principal.unit_name_en
    return name or principal.unit_code


def require_page_role(*roles: str) -> Principal:
    """The page's user if it holds one of the roles; others get the 404 page (not even a hint
    that the page exists)."""
    principal = g.principal
    if principal is None or not principal.has_role(*roles):
        raise page_not_found()
    return principal


def label(names: str | dict[str, tuple[str, str]], key: str) -> str:
    """The name of a code in the language of this request: `names` is a kind of the shared
    vocabulary ("task_status", "role", ...) or a page's own {code: (vi, en)}."""
    if isinstance(names, str):
        return vocabulary.label(names, key, request_language())
    vi, en = names.get(key, (key, key))
    return t(vi, en)


def options(names: str | dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, name in this request's language) pairs for a select or checkboxes."""
    if isinstance(names, str):
        names = vocabulary.KINDS[names]
    return [(code, t(vi, en)) for code, (vi, en) in names.items()]


def codes(kind: str) -> list[str]:
    """Every code of a kind of the shared vocabulary, in its order."""
    return list(vocabulary.KINDS[kind])


def t(vi: str, en: str) -> str:
    """The text in the language of this request."""
    return vi if request_language() == "vi" else en


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, in Asia/Ho_Chi_Minh for moments."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ)
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def page_principal(settings: Settings) -> Principal | None:
    """The user of the cookie, or None when there is no valid one (also when it was issued
    before the user was deactivated or its roles, unit or password changed)."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        principal = verify_token(settings, token)
    except ApiError:
        return None
    return principal if access_refusal(principal) is None else None


def login_redirect():
    """Send the visitor to the login page, coming back here afterwards."""
    return redirect(f"{LOGIN_PATH}?next={quote(request.full_path.rstrip('?'))}")


def page(view: Callable) -> Callable:
    """A page that needs a logged-in user: visitors are sent to the login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from flask import current_app

        principal = page_principal(current_app.extensions["settings"])
        if principal is None:
            return login_redirect()
        g.principal = principal
        return view(*args, **kwargs)

    wrapper.is_page = True
    return wrapper


def admin_page(view: Callable) -> Callable:
    """A page for administrators: visitors go to the login page, other users get the 404 page."""

    @functools.wraps(view)
    def only_admins(*args, **kwargs):
        require_page_role("admin")
        return view(*args, **kwargs)

    return page(only_admins)


def public_page(view: Callable) -> Callable:
    """A page anyone may open (the login page)."""
    view.is_page = True
    return view


def shared_asset(name: str) -> str:
    """The address of a file of shared/static under this service's prefix."""
    return url_for("shared_assets.static", filename=name)


def install_pages(app: Flask, settings: Settings) -> None:
    """Templates, CSRF (for page forms only), cookies and helpers for a service's pages."""
    app.secret_key = settings.secret_key
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # APIs use bearer tokens and JSON; forms call protect()
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.is_production,
    )
    csrf.init_app(app)
    install_error_pages(app)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(str(TEMPLATES))])
    app.jinja_env.globals.update(t=t, fmt_date=fmt_date, label=label, codes=codes,
                                 unit_name=unit_name, admin_links=admin_links,
                                 shared_asset=shared_asset)

    @app.context_processor
    def _page_context():
        principal = getattr(g, "principal", None)
        return {"lang": request_language(), "principal": principal,
                "nav_links": nav_links(principal)}

    @app.after_request
    def _remember_language(response):
        chosen = request.args.get("lang")
        if chosen in ("vi", "en"):
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax",
                                path="/")
        return response


def set_login_cookie(response, token: str, settings: Settings) -> None:
    """Store the access token for every service's pages (HttpOnly, SameSite=Lax)."""
    response.set_cookie(COOKIE_NAME, token, max_age=settings.token_ttl_seconds, httponly=True,
                        samesite="Lax", secure=settings.is_production, path="/")


def clear_login_cookie(response) -> None:
    """Log out: forget the access token."""
    response.delete_cookie(COOKIE_NAME, path="/")
