"""Settings of the tasks service (environment variables, with the defaults documented here)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def _ints(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True))


@dataclass(frozen=True)
class TasksSettings:
    """What the tasks service reads from the environment.

    TASKS_DUE_SOON_DAYS       working days before the deadline for task.due_soon (default "7,1")
    TASKS_ESCALATE_AFTER      working days overdue before escalating to the lead unit's
                              coordinators, then to the head (default "2,5")
    TASKS_SCAN_INTERVAL       seconds between deadline scans in the worker (default 60)
    TASKS_SCAN_BATCH          tasks claimed per scanner transaction (default 200)
    TASKS_ATTACHMENT_MAX_MB   largest evidence file in MB (default 10)
    TASKS_ATTACHMENT_DIR      where evidence files are stored (default DATA_DIR/attachments)
    TASKS_LOGIN_WINDOW        seconds over which failed logins count (default 900)
    TASKS_LOGIN_MAX_FAILURES  failed logins of one account in the window before 429 (default 10)
    TASKS_LOGIN_MAX_FAILURES_PER_ADDRESS  failed logins from one client address, any accounts,
                              before 429 (default 30: an agency's office shares one address)
    TRUSTED_PROXIES           addresses or CIDRs of reverse proxies whose X-Forwarded-For is
                              believed (default none: the peer address is the client)
    """

    due_soon_days: tuple[int, ...] = (7, 1)
    escalate_after: tuple[int, int] = (2, 5)
    scan_interval: float = 60.0
    scan_batch: int = 200
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_dir: Path | None = None
    login_window_seconds: int = 15 * 60
    login_max_failures: int = 10
    login_max_failures_per_address: int = 30
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TasksSettings:
        env = os.environ if environ is None else environ
        escalate = tuple(sorted(_ints(env.get("TASKS_ESCALATE_AFTER", "2,5"))))
        if len(escalate) != 2:
            raise ValueError("TASKS_ESCALATE_AFTER needs two working-day delays, e.g. 2,5")
        return cls(
            due_soon_days=_ints(env.get("TASKS_DUE_SOON_DAYS", "7,1")),
            escalate_after=(escalate[0], escalate[1]),
            scan_interval=float(env.get("TASKS_SCAN_INTERVAL", "60")),
            scan_batch=int(env.get("TASKS_SCAN_BATCH", "200")),
            attachment_max_bytes=int(float(env.get("TASKS_ATTACHMENT_MAX_MB", "10"))
                                     * 1024 * 1024),
            attachment_dir=Path(env["TASKS_ATTACHMENT_DIR"])
            if env.get("TASKS_ATTACHMENT_DIR") else None,
            login_window_seconds=int(env.get("TASKS_LOGIN_WINDOW", "900")),
            login_max_failures=int(env.get("TASKS_LOGIN_MAX_FAILURES", "10")),
            login_max_failures_per_address=int(
                env.get("TASKS_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")),
            trusted_proxies=tuple(ipaddress.ip_network(part.strip(), strict=False)
                                  for part in env.get("TRUSTED_PROXIES", "").split(",")
                                  if part.strip()),
        )
