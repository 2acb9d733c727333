"""Structured JSON logs that carry the correlation id of the request or event being handled."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from datetime import UTC, datetime

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
_SECRET_KEYS = ("password", "token", "secret", "authorization")


def get_correlation_id() -> str | None:
    """The correlation id of the work in progress, if any."""
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token:
    """Bind a correlation id to the current context (request, event or job)."""
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token) -> None:
    """Restore the correlation id that was bound before `set_correlation_id`."""
    _correlation_id.reset(token)


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given with `extra={...}` are included."""

    _skip = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
            "correlation_id": get_correlation_id(),
        }
        for key, value in vars(record).items():
            if key in self._skip or key.startswith("_"):
                continue
            if any(s in key.lower() for s in _SECRET_KEYS):
                value = "***"
            entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, *, json_format: bool = True, level: int = logging.INFO) -> None:
    """Send this process's logs to stderr, as JSON lines by default."""
    handler = logging.StreamHandler(sys.stderr)
    if json_format:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pika", "waitress.queue"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
