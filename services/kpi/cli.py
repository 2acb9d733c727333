"""Administration commands of the kpi service: `python -m services.kpi.cli seed-indicators`."""

from __future__ import annotations

import argparse
import sys

from services.kpi.seed import seed_indicators
from shared.db import Database, utcnow
from shared.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run one administration command against the configured kpi database."""
    parser = argparse.ArgumentParser(prog="python -m services.kpi.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-indicators", help="seed the four indicators of plan.md")
    parser.parse_args(argv)
    db = Database(Settings.from_env().database_url("kpi"))
    with db.uow() as uow:
        seed_indicators(uow=uow, now=utcnow())
        uow.commit()
    db.dispose()
    print("indicators seeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
