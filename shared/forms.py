"""Page forms: read the posted fields, validate them with the API's schemas, show field errors.

A page form posts plain fields; `form_values` turns them into the input the service's
marshmallow schema expects, and `form_errors` turns a validation or service error into
{field: message} in the visitor's language, so the form is shown again with its values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from flask import request
from marshmallow import ValidationError

from shared.error_pages import page_not_found
from shared.errors import ApiError, flatten_errors, localize_params, request_language
from shared.i18n import message
from shared.web import current_db

FORM = "_form"  # the key of an error about the whole form


def form_values(names: Iterable[str], *, lists: Iterable[str] = (),
                flags: Iterable[str] = ()) -> dict[str, Any]:
    """The posted fields: text trimmed, empty ones left out (so optional fields stay unset),
    `lists` as every checked value, `flags` (checkboxes) as booleans."""
    values: dict[str, Any] = {}
    for name in names:
        text = request.form.get(name, "").strip()
        if text:
            values[name] = text
    for name in lists:
        values[name] = [v for v in request.form.getlist(name) if v]
    for name in flags:
        values[name] = request.form.get(name) in ("1", "on", "true", "yes")
    return values


def iso_dates(values: dict[str, Any], names: Iterable[str]) -> dict[str, str]:
    """Turn the dd/mm/yyyy fields into the ISO dates the schemas take, in place; returns the
    errors of those that are not dates (a yyyy-mm-dd from a date picker is taken as well)."""
    errors: dict[str, str] = {}
    for name in names:
        text = values.get(name)
        if not isinstance(text, str):
            continue
        try:
            if "/" in text:
                values[name] = datetime.strptime(text, "%d/%m/%Y").date().isoformat()
            else:
                values[name] = date.fromisoformat(text).isoformat()
        except ValueError:
            errors[name] = message("date_format", request_language())
    return errors


def blank_to_none(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """An edit form's optional fields left empty mean "clear it" (None), not "unchanged"."""
    return {**{name: None for name in names}, **values}


def form_errors(exc: ValidationError | ApiError) -> dict[str, str]:
    """{field: message} in this request's language; a missing object is the 404 page."""
    lang = request_language()
    if isinstance(exc, ApiError) and exc.status == 404:
        raise page_not_found() from exc
    messages = exc.messages if isinstance(exc, ValidationError) else exc.field_errors
    errors: dict[str, str] = {}
    for error in flatten_errors(messages or {}):
        field = FORM if error["field"] == "_body" else error["field"]
        errors.setdefault(field, error["messages"][lang])
    if isinstance(exc, ApiError) and exc.code and not errors:
        errors[FORM] = message(exc.code, lang, **localize_params(exc.params, lang))
    if not errors:
        errors[FORM] = message("internal_error", lang)
    return errors


def attempt(change: Callable[[Any], Any]) -> dict[str, str]:
    """Run `change(uow)` and commit; {} when it went through, else the form's errors (nothing
    is written then)."""
    try:
        with current_db().uow() as uow:
            change(uow)
            uow.commit()
    except (ValidationError, ApiError) as exc:
        return form_errors(exc)
    return {}
