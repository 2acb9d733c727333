"""Login throttling across every web process: failed logins are rows of the tasks database.

Each failure is one row (tried username, client address, time). A login is refused with 429
while the account has `login_max_failures` failures in the last `login_window_seconds`, or the
address has `login_max_failures_per_address` (any accounts): a sliding window, so there is no
window edge at which twice the limit gets through, and Retry-After says exactly when the next
try is allowed. Rows are only inserted, never updated, so concurrent workers do not race for a
counter row (two at the limit at once may both be tried: "about" the limit). Rows older than
the window are ignored and deleted on the next failure. While refused, nothing is checked or
recorded: the right password gets 429 too, and a guesser cannot extend the refusal.

A successful login forgets the failures of that account from that address (the user's own
typos); failures of the account from elsewhere still count, and so do failures of other
accounts from that address (one valid account must not reset a guesser's address count).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from services.tasks import service
from services.tasks.models import LoginFailure
from services.tasks.settings import TasksSettings
from shared.db import UnitOfWork
from shared.errors import ApiError
from shared.settings import Settings

log = logging.getLogger(__name__)


def client_address(remote_addr: str | None, forwarded_for: str | None,
                   trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> str:
    """The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
    X-Forwarded-For hop that is not one of our proxies (hops further left are the client's
    own claims and are never believed)."""
    peer = remote_addr or "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer[:45]
    for hop in reversed([h.strip() for h in (forwarded_for or "").split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break
        if not _is_trusted(hop, trusted):
            return hop
    return peer[:45]


def _is_trusted(address: str, trusted) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def account_key(username: str) -> str:
    """The account a try counts against: the username as typed, case-folded."""
    return username.strip().casefold()[:64]


def _refused_until(uow: UnitOfWork, column, key: str, limit: int, *, now: datetime,
                   window: timedelta) -> datetime | None:
    # The limit-th newest failure within the window: once it leaves the window, a try is allowed.
    recent = uow.session.execute(
        select(LoginFailure.failed_at).where(column == key, LoginFailure.failed_at > now - window)
        .order_by(LoginFailure.failed_at.desc()).limit(limit)).scalars().all()
    return recent[-1] + window if len(recent) >= limit else None


def check_allowed(uow: UnitOfWork, *, username: str, address: str, now: datetime,
                  limits: TasksSettings) -> None:
    """Raise 429 with Retry-After while the account or the address has too many failures."""
    window = timedelta(seconds=limits.login_window_seconds)
    until = [t for t in (
        _refused_until(uow, LoginFailure.username, account_key(username),
                       limits.login_max_failures, now=now, window=window),
        _refused_until(uow, LoginFailure.address, address,
                       limits.login_max_failures_per_address, now=now, window=window),
    ) if t is not None]
    if until:
        seconds = max(1, math.ceil((max(until) - now).total_seconds()))
        log.warning("login throttled", extra={"account": account_key(username),
                                              "address": address, "retry_after": seconds})
        raise ApiError(429, "tasks_login_throttled", minutes=math.ceil(seconds / 60),
                       headers={"Retry-After": str(seconds)})


def record_failure(uow: UnitOfWork, *, username: str, address: str, now: datetime,
                   limits: TasksSettings) -> None:
    """Count a failed login; forget failures that left the window."""
    uow.session.execute(delete(LoginFailure).where(
        LoginFailure.failed_at <= now - timedelta(seconds=limits.login_window_seconds)))
    uow.session.add(LoginFailure(username=account_key(username), address=address,
                                 failed_at=now))
    log.warning("login failed", extra={"account": account_key(username), "address": address,
                                       "worker_pid": os.getpid()})


def log_in(*, uow: UnitOfWork, settings: Settings, limits: TasksSettings, username: str,
           password: str, address: str, now: datetime) -> dict[str, Any]:
    """An access token for valid credentials, unless throttled (429); a failure is counted
    and committed before its 401."""
    check_allowed(uow, username=username, address=address, now=now, limits=limits)
    try:
        token = service.authenticate(uow=uow, settings=settings, username=username,
                                     password=password, now=now)
    except ApiError:
        record_failure(uow, username=username, address=address, now=now, limits=limits)
        uow.commit()
        raise
    uow.session.execute(delete(LoginFailure).where(
        LoginFailure.username == account_key(username), LoginFailure.address == address))
    uow.commit()
    return token
