"""Driving page forms through a Flask test client: the login cookie and the CSRF token."""

from __future__ import annotations

import html
import re
import uuid

from shared.auth import COOKIE_NAME
from tests.helpers import token_for

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_FIELD_ERROR = re.compile(r'<p class="field-error" id="([^"]+)-error">([^<]*)</p>')


def log_in(client, settings, *, roles: tuple[str, ...], unit_id: uuid.UUID | None = None,
           user_id: uuid.UUID | None = None, username: str = "tester") -> None:
    """Give the client the login cookie of a user with these roles."""
    client.set_cookie(COOKIE_NAME, token_for(settings, unit_id=unit_id or uuid.uuid4(),
                                             roles=roles, user_id=user_id, username=username))


def post_form(client, page: str, data: dict, *, action: str | None = None):
    """Open the page, then post its form with the page's CSRF token."""
    opened = client.get(page, headers=HTML)
    token = _TOKEN.search(opened.get_data(as_text=True))
    assert token, (page, opened.status_code)
    return client.post(action or page, data={"csrf_token": token.group(1), **data},
                       headers=HTML)


def field_errors(response) -> dict[str, str]:
    """The field errors a form page shows, by input name."""
    return {k: html.unescape(v) for k, v in _FIELD_ERROR.findall(response.get_data(as_text=True))}
