"""Alembic environment of the tasks service."""

from services.tasks.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
