"""Report forms as data: the definition, its loader from a plain dict, its checks, and the
values a report may hold under it (pure; `plan_forms` reads the plan's file once)."""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.kpi import messages  # noqa: F401  (registers the message codes used below)
from services.kpi.rules import KIND_TYPES, NUMBER, RuleError, check_rule, holds
from shared.i18n import LocalizedText

KINDS = tuple(KIND_TYPES)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLAN_FORMS_FILE = PROJECT_ROOT / "plans" / "cp-2016-2020" / "form-CP_YEARLY.json"

FieldErrors = dict[str, list[LocalizedText]]


@dataclass(frozen=True)
class Text:
    """A text in Vietnamese and English."""

    vi: str
    en: str


@dataclass(frozen=True)
class Choice:
    """One allowed answer of a `choice` field."""

    code: str
    label: Text


@dataclass(frozen=True)
class FieldDef:
    """One field of a report form."""

    code: str
    kind: str  # whole | decimal | percent | text | choice | date
    label: Text
    required: bool = True
    unit: Text | None = None
    min: float | None = None
    max: float | None = None
    help: Text | None = None
    choices: tuple[Choice, ...] = ()

    @property
    def name(self) -> str:
        """The field's code, as the values, the pages and the Excel template key it."""
        return self.code

    @property
    def label_vi(self) -> str:
        """The Vietnamese label."""
        return self.label.vi

    @property
    def label_en(self) -> str:
        """The English label."""
        return self.label.en


@dataclass(frozen=True)
class Section:
    """A titled group of fields, shown together."""

    code: str
    title: Text
    fields: tuple[FieldDef, ...]


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: `check` must hold; else `message` (with {field} values) on `field`."""

    code: str
    check: str
    field: str
    message: Text


@dataclass(frozen=True)
class FormDefinition:
    """A report form: code, version, fields in sections, cross-field rules."""

    code: str
    version: int
    title: Text
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...] = ()

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        """Every field, in the order of the sections."""
        return tuple(f for section in self.sections for f in section.fields)


class FormError(ValueError):
    """A form definition that cannot be used; `problems` name each field or rule."""

    def __init__(self, problems: list[LocalizedText]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# --- loading from a plain dict (what a JSON or YAML plan file gives) ---------------------------

def _get(data: Any, key: str, kind: type | tuple[type, ...], where: str,
         default: Any = ...) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    value = data.get(key, default) if isinstance(data, Mapping) else ...
    if value is ... or value is not None and (
            not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds):
        raise FormError([LocalizedText("kpi_form_shape", where=where, key=key)])
    return value


def _text(data: Any, key: str, where: str, *, optional: bool = False) -> Text | None:
    value = _get(data, key, dict, where, None if optional else ...)
    if value is None:
        return None
    return Text(vi=_get(value, "vi", str, f"{where}.{key}"),
                en=_get(value, "en", str, f"{where}.{key}"))


def _field(data: Any, where: str) -> FieldDef:
    code = _get(data, "code", str, where)
    where = f"{where} '{code}'"
    kind = _get(data, "kind", str, where)
    if kind not in KINDS:
        raise FormError([LocalizedText("kpi_form_kind_unknown", field=code, kind=kind,
                                       kinds=", ".join(KINDS))])
    return FieldDef(
        code=code, kind=kind, label=_text(data, "label", where),
        required=_get(data, "required", bool, where, True),
        unit=_text(data, "unit", where, optional=True),
        min=_get(data, "min", (int, float), where, None),
        max=_get(data, "max", (int, float), where, None),
        help=_text(data, "help", where, optional=True),
        choices=tuple(Choice(code=_get(c, "code", str, f"{where}.choices"),
                             label=_text(c, "label", f"{where}.choices"))
                      for c in _get(data, "choices", list, where, [])))


def load_form(data: Mapping[str, Any]) -> FormDefinition:
    """A form definition from a plain dict; FormError when its shape is wrong (not checked)."""
    code = _get(data, "code", str, "form")
    where = f"form '{code}'"
    sections = []
    for section in _get(data, "sections", list, where):
        section_code = _get(section, "code", str, f"{where}.sections")
        section_where = f"{where}.sections '{section_code}'"
        sections.append(Section(
            code=section_code, title=_text(section, "title", section_where),
            fields=tuple(_field(f, f"{section_where}.fields")
                         for f in _get(section, "fields", list, section_where))))
    rules = tuple(Rule(code=_get(r, "code", str, f"{where}.rules"),
                       check=_get(r, "check", str, f"{where}.rules"),
                       field=_get(r, "field", str, f"{where}.rules"),
                       message=_text(r, "message", f"{where}.rules"))
                  for r in _get(data, "rules", list, where, []))
    return FormDefinition(code=code, version=_get(data, "version", int, where),
                          title=_text(data, "title", where), sections=tuple(sections),
                          rules=rules)


def load_forms(data: Mapping[str, Any]) -> dict[str, FormDefinition]:
    """The checked forms of a plan's `forms:` part, by code; FormError names every problem."""
    forms = [load_form(f) for f in _get(data, "forms", list, "plan")]
    problems = [p for form in forms for p in check_form(form)]
    codes = [form.code for form in forms]
    problems += [LocalizedText("kpi_form_duplicate", form=c) for c in sorted(set(codes))
                 if codes.count(c) > 1]
    if problems:
        raise FormError(problems)
    return {form.code: form for form in forms}


@lru_cache(maxsize=8)
def plan_forms(path: Path = PLAN_FORMS_FILE) -> dict[str, FormDefinition]:
    """The forms of the plan file (read once)."""
    return load_forms(json.loads(path.read_text(encoding="utf-8")))


# --- checking a definition ---------------------------------------------------------------------

def check_form(form: FormDefinition) -> list[LocalizedText]:
    """Every problem of a form definition, each naming its field or rule; empty if usable."""
    problems: list[LocalizedText] = []
    seen: set[str] = set()
    for f in form.fields:
        if f.code in seen:
            problems.append(LocalizedText("kpi_form_field_duplicate", field=f.code))
        seen.add(f.code)
        if not f.code.isidentifier():
            problems.append(LocalizedText("kpi_form_field_code", field=f.code))
        if (f.min is not None or f.max is not None) and KIND_TYPES[f.kind] != NUMBER:
            problems.append(LocalizedText("kpi_form_bounds_not_number", field=f.code))
        elif f.min is not None and f.max is not None and f.min > f.max:
            problems.append(LocalizedText("kpi_form_min_above_max", field=f.code,
                                          min=f.min, max=f.max))
        if (f.kind == "choice") != bool(f.choices):
            problems.append(LocalizedText("kpi_form_choices", field=f.code))
    types = {f.code: KIND_TYPES[f.kind] for f in form.fields}
    rule_codes: set[str] = set()
    for rule in form.rules:
        if rule.code in rule_codes:
            problems.append(LocalizedText("kpi_form_rule_duplicate", rule=rule.code))
        rule_codes.add(rule.code)
        try:
            check_rule(rule.code, rule.check, types)
        except RuleError as exc:
            problems.append(exc.text)
        if rule.field not in types:
            problems.append(LocalizedText("kpi_form_rule_field", rule=rule.code,
                                          field=rule.field))
        for text in (rule.message.vi, rule.message.en):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            except ValueError:
                names = {"{"}
            for name in sorted(names - set(types)):
                problems.append(LocalizedText("kpi_form_rule_placeholder", rule=rule.code,
                                              name=name))
    return problems


# --- the values of a report -------------------------------------------------------------------

def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:g}"


def _range_error(f: FieldDef, value: Any) -> LocalizedText | None:
    low, high = f.min, f.max
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    params = dict(label=f.label_vi, label_en=f.label_en)
    if low is None:
        return LocalizedText("kpi_number_max", max=_number(high), **params)
    if high is None:
        return LocalizedText("kpi_number_min", min=_number(low), **params)
    code = {"whole": "kpi_count_range", "percent": "kpi_percent_range"}.get(
        f.kind, "kpi_number_range")
    return LocalizedText(code, min=_number(low), max=_number(high), **params)


def _field_error(f: FieldDef, value: Any) -> LocalizedText | None:
    params = dict(label=f.label_vi, label_en=f.label_en)
    if KIND_TYPES[f.kind] == NUMBER:
        return _range_error(f, value)
    if f.kind == "choice" and value not in {c.code for c in f.choices}:
        return LocalizedText("kpi_choice_unknown", choices=", ".join(c.code for c in f.choices),
                             **params)
    if f.kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return LocalizedText("kpi_date_invalid", **params)
    return None


def check_values(form: FormDefinition, values: Mapping[str, Any], *,
                 complete: bool) -> FieldErrors:
    """Field errors of a report's values; `complete` also requires every required field.

    Cross-field rules run only when every value is valid on its own; a rule that reads an
    empty field is skipped.
    """
    errors: FieldErrors = {}
    for f in form.fields:
        value = values.get(f.code)
        if value is None:
            if complete and f.required:
                errors.setdefault(f.code, []).append(LocalizedText(
                    "kpi_field_required", label=f.label_vi, label_en=f.label_en))
        elif (error := _field_error(f, value)) is not None:
            errors.setdefault(f.code, []).append(error)
    if errors:
        return errors
    for rule in form.rules:
        if holds(rule.check, values) is False:
            params = {f.code: values.get(f.code) for f in form.fields}
            errors.setdefault(rule.field, []).append(LocalizedText.from_texts(
                rule.message.vi.format(**params), rule.message.en.format(**params)))
    return errors
