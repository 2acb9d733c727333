"""The report form of the pages: typed values from form text, and errors beside each field.

The rules are the service's (`domain.validate_values`, the use cases' ApiError); this module
only reads what a person typed (Vietnamese decimal commas too) and places the messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from services.kpi.domain import CP_YEARLY_FORM, validate_values
from services.kpi.forms import FieldDef, FormDefinition
from shared.errors import ApiError, flatten_errors
from shared.i18n import LocalizedText, localize, message
from shared.text import normalize, text_problem

FieldTexts = dict[str, list[str]]
_WHOLE = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
MAX_TEXT = 20000


def _parse(field: FieldDef, raw: str) -> tuple[Any, str | LocalizedText | None]:
    """(value, problem code or text) of one typed field; empty is None."""
    text = raw.strip()
    if not text:
        return None, None
    if field.kind in ("text", "choice", "date"):  # choice and date: checked by the form
        problem = text_problem(text, multiline=True, blank=True)
        return (None, problem) if problem else (normalize(text[:MAX_TEXT]), None)
    compact = text.replace(" ", "").replace("\u00a0", "")
    if field.kind == "whole":
        if _WHOLE.match(compact):
            return int(compact), None
        return None, "kpi_upload_not_whole" if _DECIMAL.match(compact) else \
            "kpi_upload_not_a_number"
    if _DECIMAL.match(compact):
        return float(compact.replace(",", ".")), None
    return None, "kpi_upload_not_a_number"


def parse_values(form: Mapping[str, str], *, complete: bool,
                 form_def: FormDefinition = CP_YEARLY_FORM
                 ) -> tuple[dict[str, Any], dict[str, list[LocalizedText]]]:
    """The typed values of a submitted form and the problems of each field.

    Fields that are not numbers are told so; the others go through the service's rules at once,
    so every problem shows in one round.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[LocalizedText]] = {}
    for field in form_def.fields:
        value, code = _parse(field, form.get(field.name, ""))
        if isinstance(code, LocalizedText):
            errors[field.name] = [code]
        elif code:
            errors[field.name] = [LocalizedText(code, label=field.label_vi,
                                                label_en=field.label_en)]
        elif value is not None:
            values[field.name] = value
    if errors:
        for name, texts in validate_values(values, complete=complete, form=form_def).items():
            errors.setdefault(name, []).extend(texts)
    return values, errors


def field_texts(errors: Mapping[str, list[LocalizedText]], lang: str) -> FieldTexts:
    """Field problems as texts in the page's language."""
    return {name: [localize(text)[lang] for text in texts] for name, texts in errors.items()}


def api_error_texts(exc: ApiError, lang: str) -> tuple[list[str], FieldTexts]:
    """A use case's refusal as (messages for the whole form, messages per field).

    Field names like `values.<field code>` become `<field code>`; the others (the
    year, the file, the facility register) are kept as they are.
    """
    general: list[str] = []
    if exc.code:
        params = {k: (v[0] if lang == "vi" else v[1]) if isinstance(v, tuple) else v
                  for k, v in exc.params.items()}
        general.append(message(exc.code, lang, **params))
    by_field: FieldTexts = {}
    for error in flatten_errors(exc.field_errors):
        name = error["field"].removeprefix("values.")
        by_field.setdefault(name, []).append(error["messages"][lang])
    if not general and not by_field:
        general.append(message("internal_error", lang))
    return general, by_field


def form_text(values: Mapping[str, Any], name: str, lang: str) -> str:
    """How a stored value is shown in its input (with a decimal comma in Vietnamese)."""
    value = values.get(name)
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "vi" else text
    return str(value)
