"""Pure rules of sending: channels per event, quiet hours, digests, backoff, signatures, SSRF."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from services.notifications.domain import LOCAL_TZ
from shared.calendar import WorkCalendar

NOTIFIED_EVENT_TYPES = (
    "task.created", "task.updated", "task.status_changed", "task.due_soon", "task.due_today",
    "task.overdue", "task.escalated", "report.returned", "kpi.status_changed",
)
REMINDER_TYPES = ("task.due_soon", "task.due_today", "task.overdue", "task.escalated")
# Escalations and KPI alerts reach the head whatever the preferences: the inbox is always on,
# and neither the digest nor quiet hours hold them back for more than the quiet hours.
NEVER_SILENCED = ("task.escalated", "kpi.status_changed")
USER_CHANNELS = ("inbox", "email")
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    event_type: ("inbox",) if event_type == "task.updated" else ("inbox", "email")
    for event_type in NOTIFIED_EVENT_TYPES
}
SIGNATURE_HEADER = "X-PlanTracker-Signature"
TIMESTAMP_HEADER = "X-PlanTracker-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-PlanTracker-Event"


def channels_for(event_type: str, chosen: Mapping[str, Iterable[str]] | None) -> set[str]:
    """The user channels an event goes to, given a user's choices (None: the defaults)."""
    channels = set((chosen or {}).get(event_type, DEFAULT_CHANNELS.get(event_type, ("inbox",))))
    if event_type in NEVER_SILENCED:
        channels.add("inbox")
    return channels & set(USER_CHANNELS)


def parse_hhmm(text: str) -> time:
    """'22:30' as a time; raises ValueError otherwise."""
    hours, minutes = text.split(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(text)
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, start: str | None, end: str | None) -> datetime:
    """When a message made at `now` may go out: `now`, or the end of the quiet hours."""
    if not start or not end or start == end:
        return now
    local = now.astimezone(LOCAL_TZ)
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    clock = local.time()
    inside = begin <= clock < finish if begin < finish else (clock >= begin or clock < finish)
    if not inside:
        return now
    release = local.replace(hour=finish.hour, minute=finish.minute, second=0, microsecond=0)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(now.tzinfo)


def next_digest_at(now: datetime, *, hour: int, calendar: WorkCalendar) -> datetime:
    """The first digest moment after `now`: `hour` o'clock local time on a working day."""
    local = now.astimezone(LOCAL_TZ)
    candidate = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    while not calendar.is_working_day(candidate.date()):
        candidate += timedelta(days=1)
    return candidate.astimezone(now.tzinfo)


def backoff_delay(attempt: int, *, base: float, limit: float) -> timedelta:
    """Wait before retry number `attempt` (1-based): base * 2**(attempt-1), at most `limit`."""
    return timedelta(seconds=min(limit, base * (2 ** max(0, attempt - 1))))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 of `timestamp + "." + body` with the secret."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: datetime,
           tolerance_seconds: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replay)."""
    try:
        age = abs(now.timestamp() - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_seconds and hmac.compare_digest(sign(secret, timestamp, body),
                                                            signature)


def target_allowed(host: str, addresses: Iterable[str], allowlist: Iterable[str]) -> bool:
    """True if the host is listed by name, or every address it resolves to is in a listed CIDR."""
    entries = [e.strip().lower() for e in allowlist if e.strip()]
    if host.lower().rstrip(".") in entries:
        return True
    networks = [ipaddress.ip_network(e, strict=False) for e in entries if _is_network(e)]
    resolved = [ipaddress.ip_address(a) for a in addresses]
    return bool(resolved) and all(any(ip in net for net in networks) for ip in resolved)


def _is_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry, strict=False)
        return True
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why a webhook URL is unusable (scheme, host, credentials), or None if its shape is fine."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "webhook_url_invalid"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "webhook_url_invalid"
    if parts.username or parts.password:
        return "webhook_url_invalid"
    return None
