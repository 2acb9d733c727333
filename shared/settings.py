"""Typed settings, read once from the environment and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

SERVICES = ("tasks", "notifications", "kpi")
DEFAULT_SECRET = "embedded-demo-secret-change-me"  # noqa: S105 - the embedded default only
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when the environment describes a configuration that must not start."""


def _mask(value: str) -> str:
    return "***" if value else ""


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    mode: str = "embedded"  # "embedded" | "production"
    data_dir: Path = PROJECT_ROOT / "var"
    secret_key: str = field(default=DEFAULT_SECRET, repr=False)
    jwt_issuer: str = "plan-tracker"
    jwt_audience: str = "plan-tracker"
    token_ttl_seconds: int = 8 * 3600
    database_urls: dict[str, str] = field(default_factory=dict)
    broker_url: str = "memory://"
    broker_connect_timeout: float = 5.0
    broker_confirm_timeout: float = 10.0
    broker_heartbeat: int = 30
    relay_batch_size: int = 200
    relay_poll_interval: float = 0.2
    worker_consumers: int = 1  # consumers of the service's queue per worker process
    consumer_batch_size: int = 50  # events applied in one transaction when they queue up
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "no-reply@plan-tracker.local"
    smtp_password: str = field(default="", repr=False)
    public_base_url: str = "http://127.0.0.1:8000"
    port: int = 8000
    log_json: bool = True

    def __repr__(self) -> str:  # secrets masked, never printed
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("secret_key", "smtp_password"):
                value = _mask(value)
            elif f.name == "database_urls":
                value = {k: _mask_url(v) for k, v in value.items()}
            elif f.name == "broker_url":
                value = _mask_url(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    @property
    def is_production(self) -> bool:
        """True when the process runs against real PostgreSQL and RabbitMQ with real secrets."""
        return self.mode == "production"

    @property
    def uses_memory_broker(self) -> bool:
        """True when events travel on kombu's in-process transport (the embedded default)."""
        return self.broker_url.startswith("memory://")

    def database_url(self, service: str) -> str:
        """The database URL of one service; each service owns its database."""
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite:///{self.data_dir / (service + '.db')}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Build settings from environment variables; the only reader of os.environ."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("APP_MODE", "embedded")
        if mode not in ("embedded", "production"):
            raise SettingsError(f"APP_MODE must be 'embedded' or 'production', not {mode!r}")
        data_dir = Path(env.get("DATA_DIR", str(PROJECT_ROOT / "var")))
        urls: dict[str, str] = {}
        for service in SERVICES:
            url = env.get(f"{service.upper()}_DATABASE_URL") or env.get("DATABASE_URL")
            if url:
                urls[service] = url
        values = dict(
            mode=mode,
            data_dir=data_dir,
            secret_key=env.get("SECRET_KEY", DEFAULT_SECRET),
            database_urls=urls,
            broker_url=env.get("BROKER_URL", "memory://"),
            broker_connect_timeout=float(env.get("BROKER_CONNECT_TIMEOUT", "5")),
            broker_confirm_timeout=float(env.get("BROKER_CONFIRM_TIMEOUT", "10")),
            broker_heartbeat=int(env.get("BROKER_HEARTBEAT", "30")),
            relay_batch_size=int(env.get("RELAY_BATCH_SIZE", "200")),
            relay_poll_interval=float(env.get("RELAY_POLL_INTERVAL", "0.2")),
            worker_consumers=max(1, int(env.get("WORKER_CONSUMERS", "1"))),
            consumer_batch_size=max(1, int(env.get("CONSUMER_BATCH_SIZE", "50"))),
            token_ttl_seconds=int(env.get("TOKEN_TTL_SECONDS", str(8 * 3600))),
            smtp_host=env.get("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(env.get("SMTP_PORT", "1025")),
            smtp_sender=env.get("SMTP_SENDER", "no-reply@plan-tracker.local"),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
            port=int(env.get("PORT", "8000")),
            log_json=env.get("LOG_FORMAT", "json") == "json",
        )
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse configurations that must never run (default secret in production)."""
        if not self.is_production:
            return
        if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
            raise SettingsError(
                "Production mode needs SECRET_KEY from the environment, at least 32 characters "
                "and not the embedded default."
            )
        missing = [s for s in SERVICES if s not in self.database_urls]
        if missing:
            raise SettingsError(f"Production mode needs DATABASE_URL for: {', '.join(missing)}")
        if self.uses_memory_broker:
            raise SettingsError("Production mode needs BROKER_URL of a RabbitMQ broker (amqp://).")


def _mask_url(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
