"""Alembic, one tree per service: `python -m shared.migrate <service> [upgrade|revision -m MSG]`."""

from __future__ import annotations

import argparse
import importlib

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from shared.settings import PROJECT_ROOT, SERVICES, Settings


def alembic_config(service: str, url: str) -> Config:
    """An Alembic config for the service's migrations folder and database URL."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "services" / service /
                                                   "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Bring the service's database up to the given revision."""
    command.upgrade(alembic_config(service, url), revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode; batch mode for SQLite)."""
    from alembic import context

    from shared.db import make_engine

    config = context.config
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def metadata_of(service: str) -> MetaData:
    """The metadata of a service's models."""
    return importlib.import_module(f"services.{service}.models").Base.metadata


def main() -> None:
    """Command line: upgrade a service (or all) to head, or write a new revision."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=(*SERVICES, "all"))
    parser.add_argument("action", choices=("upgrade", "revision", "check"), nargs="?",
                        default="upgrade")
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args()
    settings = Settings.from_env()
    services = SERVICES if args.service == "all" else (args.service,)
    for service in services:
        config = alembic_config(service, settings.database_url(service))
        if args.action == "upgrade":
            command.upgrade(config, "head")
        elif args.action == "check":
            command.check(config)
        else:
            command.revision(config, message=args.message, autogenerate=True)


if __name__ == "__main__":
    main()
