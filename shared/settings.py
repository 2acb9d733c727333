"""Typed settings, read once from the environment and passed down."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

SERVICES = ("tasks", "notifications", "kpi")
SECRET_FILE = "secret-key"  # under DATA_DIR: the embedded default's signing key
MIN_SECRET_LENGTH = 32
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
    secret_key: str = field(default="", repr=False)
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
    public_base_url: str = "http://127.0.0.1:8000"  # from_env: follows PORT unless given
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
        port = int(env.get("PORT", "8000"))
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key and mode != "production":
            secret_key = installation_secret(data_dir)
        values = dict(
            mode=mode,
            data_dir=data_dir,
            secret_key=secret_key,
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
            # The embedded default serves http://127.0.0.1:PORT, so links point there.
            public_base_url=env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}",
            port=port,
            log_json=env.get("LOG_FORMAT", "json") == "json",
        )
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse configurations that must never run (no SECRET_KEY in production)."""
        if not self.is_production:
            return
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise SettingsError(
                "Production mode needs SECRET_KEY from the environment, at least "
                f"{MIN_SECRET_LENGTH} characters."
            )
        missing = [s for s in SERVICES if s not in self.database_urls]
        if missing:
            raise SettingsError(f"Production mode needs DATABASE_URL for: {', '.join(missing)}")
        if self.uses_memory_broker:
            raise SettingsError("Production mode needs BROKER_URL of a RabbitMQ broker (amqp://).")


def installation_secret(data_dir: Path) -> str:
    """The embedded default's signing key: made at random once per installation, kept in
    DATA_DIR/secret-key (mode 0600) and reused by later runs and other processes."""
    path = Path(data_dir) / SECRET_FILE
    try:
        existing = path.read_text("utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= MIN_SECRET_LENGTH:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:  # O_EXCL: of two processes starting at once, one writes and both use its key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if existing:  # a short or damaged key file: replace it
            path.unlink()
            return installation_secret(data_dir)
        return _read_when_written(path)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def _read_when_written(path: Path) -> str:
    # Another process created the file a moment ago and may still be writing it.
    for _ in range(50):
        text = path.read_text("utf-8").strip()
        if len(text) >= MIN_SECRET_LENGTH:
            return text
        time.sleep(0.02)
    raise SettingsError(f"{path} holds no usable signing key; delete it to make a new one")


def _mask_url(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
