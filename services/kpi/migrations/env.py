"""Alembic environment of the kpi service."""

from services.kpi.models import Base
from shared.migrate import run_env

run_env(Base.metadata)
