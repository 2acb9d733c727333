"""The outside world: e-mail over SMTP and webhooks over HTTP, each with its idempotency key."""

from __future__ import annotations

import http.client
import json
import logging
import smtplib
import socket
from datetime import datetime
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from services.notifications import rules

log = logging.getLogger(__name__)
WIRE_POLICY = compat32.clone(linesep="\r\n")  # what SMTP carries: CRLF line ends


class SendError(Exception):
    """A send that did not succeed (the delivery is retried later)."""


def message_id(delivery_id: Any) -> str:
    """The Message-ID of every send of one delivery: the same on a retry or a duplicate."""
    return f"<{delivery_id}@plan-tracker.notifications>"


def build_email(*, delivery_id: Any, sender: str, to: str, subject: str, body: str,
                event_type: str, now: datetime) -> MIMEText:
    """A UTF-8 text e-mail; the subject is RFC 2047 encoded, the body base64.

    Built with the e-mail package's compat32 classes: the same message on the wire as the
    newer EmailMessage API makes, at a tenth of its CPU cost (it matters when a deadline day
    sends thousands).
    """
    msg = MIMEText(body, "plain", "utf-8")
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = Header(subject, "utf-8")
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(delivery_id)
    msg[rules.EVENT_HEADER] = event_type
    return msg


class SmtpChannel:
    """Sends e-mails over one SMTP connection, opened lazily and reused for a batch."""

    def __init__(self, *, host: str, port: int, sender: str, password: str = "",
                 timeout: float = 10.0, log_only: bool = False):
        self.host, self.port, self.sender = host, port, sender
        self.password, self.timeout, self.log_only = password, timeout, log_only
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        """Hand one message to the SMTP server; raises SendError if it is not accepted."""
        if self.log_only:
            log.info("e-mail (log only)", extra={"to": message["To"],
                                                 "message_id": message["Message-ID"]})
            return
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.password:
                    self._smtp.login(self.sender, self.password)
            self._smtp.sendmail(message["From"], [message["To"]],
                                message.as_bytes(policy=WIRE_POLICY))
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendError(f"SMTP: {type(exc).__name__}: {exc}"[:500]) from exc

    def close(self) -> None:
        """Quit the connection, if any."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def resolve(host: str, port: int) -> list[str]:
    """Every address a host name resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return sorted({info[4][0] for info in infos})


def check_target(url: str, allowlist: tuple[str, ...]) -> str | None:
    """Why a webhook target may not be called (shape or allow-list), or None if it may."""
    problem = rules.url_problem(url)
    if problem:
        return problem
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not rules.target_allowed(parts.hostname, resolve(parts.hostname, port), allowlist):
        return "webhook_url_not_allowed"
    return None


def post_webhook(*, url: str, secret: str, payload: dict[str, Any], delivery_id: Any,
                 event_type: str, now: datetime, allowlist: tuple[str, ...],
                 timeout: float) -> int:
    """POST the signed JSON body; returns the status; raises SendError unless it is 2xx."""
    problem = check_target(url, allowlist)  # again at send time: DNS may have changed
    if problem:
        raise SendError(f"target refused: {problem}")
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "plan-tracker-notifications/1",
        rules.TIMESTAMP_HEADER: timestamp,
        rules.SIGNATURE_HEADER: rules.sign(secret, timestamp, body),
        rules.IDEMPOTENCY_HEADER: str(delivery_id),
        rules.EVENT_HEADER: event_type,
    }
    parts = urlsplit(url)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers=headers)  # redirects are not followed
        response = conn.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise SendError(f"HTTP: {type(exc).__name__}: {exc}"[:500]) from exc
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        raise SendError(f"HTTP {response.status}")
    return response.status
