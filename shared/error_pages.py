"""Error pages for browsers: 404, 500 and the others in Vietnamese and English, never a trace.

`shared.errors` answers page requests through the renderer installed here (APIs keep their
problem+json). Page code raises `page_not_found()` (or `abort(404)`, or lets a service's
`ApiError(404)` through) and the visitor gets the 404 page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

from shared.errors import localize_params, request_language
from shared.i18n import TITLES, message
from shared.logging import get_correlation_id

log = logging.getLogger(__name__)

# What the visitor can do next, by status: (Vietnamese, English).
ADVICE: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu gửi lên không hợp lệ. Hãy quay lại trang trước và thử lại.",
          "The request was not valid. Go back to the previous page and try again."),
    403: ("Tài khoản của bạn không được dùng chức năng này.",
          "Your account may not use this function."),
    404: ("Trang bạn tìm không tồn tại, đã bị xóa hoặc nằm ngoài phạm vi đơn vị của bạn.",
          "The page you are looking for does not exist, was removed, or is outside your "
          "unit's scope."),
    405: ("Trang này không nhận thao tác vừa gửi. Hãy mở lại trang từ trình đơn.",
          "This page does not accept that action. Open the page again from the menu."),
    413: ("Tệp hoặc dữ liệu gửi lên quá lớn. Hãy chọn tệp nhỏ hơn rồi gửi lại.",
          "The file or data sent is too large. Choose a smaller file and send it again."),
    500: ("Đã có lỗi hệ thống; lỗi đã được ghi lại. Hãy thử lại sau ít phút.",
          "Something went wrong on our side; it has been logged. Please try again in a few "
          "minutes."),
    503: ("Hệ thống tạm thời không sẵn sàng. Hãy thử lại sau ít phút.",
          "The system is temporarily unavailable. Please try again in a few minutes."),
}
CSRF_EXPIRED = (
    ("Biểu mẫu đã hết hạn", "The form has expired"),
    ("Biểu mẫu này đã quá cũ hoặc không còn hợp lệ. Hãy tải lại trang rồi gửi lại.",
     "This form is too old or no longer valid. Reload the page and send it again."),
)


def page_not_found() -> NotFound:
    """The exception page code raises for a missing (or out-of-scope) object: the 404 page."""
    return NotFound()


def _pick(pair: tuple[str, str]) -> str:
    return pair[0] if request_language() == "vi" else pair[1]


def _texts(exc: Exception, status: int, code: str | None,
           params: dict | None) -> tuple[str, str]:
    if isinstance(exc, CSRFError):
        return _pick(CSRF_EXPIRED[0]), _pick(CSRF_EXPIRED[1])
    title = _pick(TITLES.get(status, (f"Lỗi {status}", f"Error {status}")))
    if code and status not in (404, 500):
        try:
            lang = request_language()
            return title, message(code, lang, **localize_params(params or {}, lang))
        except (KeyError, IndexError, ValueError):
            pass
    advice = ADVICE.get(status) or ADVICE[500 if status >= 500 else 400]
    return title, _pick(advice)


def _reload_target() -> str:
    # The page the expired form came from (same site only), else the path it was posted to.
    referrer = urlsplit(request.referrer or "")
    if referrer.path.startswith("/") and referrer.netloc in ("", request.host):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


def render_error_page(exc: Exception, status: int, *, code: str | None = None,
                      params: dict | None = None, headers: dict | None = None) -> Response:
    """The HTML error page of a status, in the visitor's language, with the header if logged in."""
    from shared.pages import page_principal  # pages import errors; avoid the cycle at import

    try:
        if getattr(g, "principal", None) is None:
            g.principal = page_principal(current_app.extensions["settings"])
        title, text = _texts(exc, status, code, params)
        template = f"errors/{status}.html" if status in (404, 500) else "errors/error.html"
        body = render_template(template, status=status, title=title, text=text,
                               correlation_id=get_correlation_id(),
                               csrf_expired=isinstance(exc, CSRFError),
                               reload_target=_reload_target())
    except Exception:  # the error page itself failed: a plain page, still no trace
        log.exception("error page failed")
        body = ("<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Lỗi / Error"
                f"</title><h1>Lỗi {status} / Error {status}</h1></html>")
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def install_error_pages(app: Flask) -> None:
    """Let the app's error handlers answer page requests with the HTML error pages."""
    app.extensions["error_page"] = render_error_page

