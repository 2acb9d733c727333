"""Settings of the notifications service (sending, retries, digests, webhook allow-list)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


@dataclass(frozen=True)
class NotificationSettings:
    """How the notifications worker sends; every field has a documented default.

    - email_mode: "smtp" sends over SMTP (shared Settings' SMTP_HOST/PORT); "log" only writes
      the message to the log and marks it sent (NOTIFY_EMAIL_MODE).
    - webhook_allowlist: hosts and CIDRs webhook targets may point at; empty allows none
      (NOTIFY_WEBHOOK_ALLOWLIST, e.g. "hooks.example.vn,203.0.113.0/24").
    - sender_batch_size / lease_seconds: deliveries claimed at once and how long a claim
      holds before another worker may take it over (the duplicate window).
    - senders: sending threads per worker process, each with its own claims and SMTP
      connection (NOTIFY_SENDERS); sending waits on the network, so two overlap well.
    - max_attempts / backoff_seconds / backoff_max_seconds: retries, waiting
      backoff_seconds * 2**(attempt-1), at most backoff_max_seconds.
    - webhook_disable_after: consecutive failed attempts after which a webhook is disabled.
    - digest_hour: local hour (Asia/Ho_Chi_Minh) of the daily digest, working days only.
    - stale_after_hours: a reminder whose moment fell due longer ago than this when it is
      consumed (an outage) joins the person's one summary of missed reminders
      (NOTIFY_STALE_AFTER, hours).
    """

    email_mode: str = "smtp"
    webhook_allowlist: tuple[str, ...] = ()
    sender_batch_size: int = 50
    senders: int = 2
    sender_poll_interval: float = 1.0
    lease_seconds: int = 120
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    webhook_timeout: float = 5.0
    webhook_disable_after: int = 10
    smtp_timeout: float = 10.0
    digest_hour: int = 8
    stale_after_hours: float = 36.0

    def __post_init__(self) -> None:
        if self.email_mode not in ("smtp", "log"):
            raise ValueError("NOTIFY_EMAIL_MODE must be 'smtp' or 'log'")
        if not 0 <= self.digest_hour <= 23:
            raise ValueError("NOTIFY_DIGEST_HOUR must be 0..23")
        for entry in self.webhook_allowlist:
            if "/" in entry:
                ipaddress.ip_network(entry, strict=False)  # raises on a bad CIDR

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> NotificationSettings:
        """Read the NOTIFY_* variables (defaults above)."""
        env = dict(os.environ if environ is None else environ)
        values = dict(
            email_mode=env.get("NOTIFY_EMAIL_MODE", "smtp"),
            webhook_allowlist=_split(env.get("NOTIFY_WEBHOOK_ALLOWLIST", "")),
            sender_batch_size=int(env.get("NOTIFY_SENDER_BATCH_SIZE", "50")),
            senders=max(1, int(env.get("NOTIFY_SENDERS", "2"))),
            sender_poll_interval=float(env.get("NOTIFY_SENDER_POLL_INTERVAL", "1.0")),
            lease_seconds=int(env.get("NOTIFY_LEASE_SECONDS", "120")),
            max_attempts=int(env.get("NOTIFY_MAX_ATTEMPTS", "6")),
            backoff_seconds=float(env.get("NOTIFY_BACKOFF_SECONDS", "30")),
            backoff_max_seconds=float(env.get("NOTIFY_BACKOFF_MAX_SECONDS", "3600")),
            webhook_timeout=float(env.get("NOTIFY_WEBHOOK_TIMEOUT", "5")),
            webhook_disable_after=int(env.get("NOTIFY_WEBHOOK_DISABLE_AFTER", "10")),
            smtp_timeout=float(env.get("NOTIFY_SMTP_TIMEOUT", "10")),
            digest_hour=int(env.get("NOTIFY_DIGEST_HOUR", "8")),
            stale_after_hours=float(env.get("NOTIFY_STALE_AFTER", "36")),
        )
        values.update(overrides)
        return cls(**values)
