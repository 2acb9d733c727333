"""Jinja templates per event type and language: the subject and body of e-mails and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notifications import domain
from services.notifications.domain import Names
from shared import vocabulary
from shared.calendar import WorkCalendar
from shared.text import printable

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Rendered:
    """A rendered message: a one-line subject and a plain-text body."""

    subject: str
    body: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment (plain text: no HTML escaping; unknown names are errors)."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=False, trim_blocks=False)


def render(name: str, lang: str, context: dict[str, Any]) -> Rendered:
    """Render `<name>.<lang>.txt`: its first line is the subject, the rest the body."""
    text = environment().get_template(f"{name}.{lang}.txt").render(**context)
    subject, _, body = text.partition("\n")
    return Rendered(subject=domain._clip(subject.strip()), body=body.strip() + "\n")


def _pick(names: Names | tuple[str, str], lang: str) -> str:
    vi, en = (names.vi, names.en) if isinstance(names, Names) else names
    return vi if lang == "vi" else en


def event_context(event_type: str, data: dict[str, Any], *, lang: str, unit: Names,
                  at: datetime, base_url: str, calendar: WorkCalendar | None = None
                  ) -> dict[str, Any]:
    """What the templates of an event may show, in one language (days in working days)."""
    base = base_url.rstrip("/")
    kind = vocabulary.label("event_kind", event_type, lang)
    if event_type == "report.returned":
        return dict(kind=kind, form_code=data["form_code"], year=data["year"],
                    version=data["version"], unit=_pick(unit, lang), reason=data.get("reason"),
                    link=base + domain.report_link(data["report_id"]))
    if event_type == "kpi.status_changed":
        status = lambda code: vocabulary.label("kpi_status", code, lang)  # noqa: E731
        return dict(kind=kind, indicator=data["indicator_code"], year=data["year"],
                    unit=_pick(unit, lang),
                    old_status=status(data["old_status"]), new_status=status(data["new_status"]),
                    value=domain.format_number(data.get("value"), lang),
                    target=domain.format_number(data.get("target"), lang),
                    link=base + domain.indicator_link(data["indicator_code"], data["year"]))
    deadline = data["effective_deadline"]
    days = domain.days_left(deadline, now=at, calendar=calendar or WorkCalendar())
    if event_type in ("task.overdue", "task.escalated") and data.get("days") is not None:
        days = -abs(data["days"])
    elif event_type == "task.due_soon" and data.get("days") is not None:
        days = data["days"]
    closed = data.get("status") in domain.CLOSED_STATUSES
    context = dict(kind=kind, title=printable(data["title"]), unit=_pick(unit, lang),
                   deadline=domain.format_date(deadline), days=days,
                   phrase="" if closed else vocabulary.deadline_phrase(days, lang),
                   link=base + domain.task_link(data["task_id"]),
                   level=data.get("escalation_level") or 1)
    if event_type == "task.status_changed":
        status = lambda code: vocabulary.label("task_status", code, lang)  # noqa: E731
        reason = data.get("reason")
        if reason:
            reason = _pick(domain.SYSTEM_REASONS.get(reason, (reason, reason)), lang)
        context.update(old_status=status(data["old_status"]), new_status=status(data["status"]),
                       reason=reason)
    return context


def render_event(event_type: str, data: dict[str, Any], *, lang: str, unit: Names,
                 at: datetime, base_url: str, calendar: WorkCalendar | None = None) -> Rendered:
    """The subject and body of an event's message in one language."""
    return render(event_type, lang, event_context(event_type, data, lang=lang, unit=unit, at=at,
                                                  base_url=base_url, calendar=calendar))


def render_digest(*, lang: str, name: str, day: str, items: list[dict[str, str]]) -> Rendered:
    """One e-mail that gathers a day's held messages of one user."""
    return render("digest", lang, dict(name=name, day=day, items=items))
