"""Administration commands of the tasks service (production has no demo accounts).

    python -m services.tasks.cli seed-demo-plan
    NEW_USER_PASSWORD=... python -m services.tasks.cli create-user USERNAME ROLE UNIT_CODE NAME
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from services.tasks import repository, service
from services.tasks.domain import WorkCalendar
from services.tasks.seed import seed_demo_plan
from shared.db import Database, utcnow
from shared.messaging.events import ROLES
from shared.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run one administration command against the configured tasks database."""
    parser = argparse.ArgumentParser(prog="python -m services.tasks.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo-plan", help="seed the units, plan, duties and tasks of plan.md")
    user = commands.add_parser("create-user", help="create a user (password from "
                                                   "NEW_USER_PASSWORD or a prompt)")
    user.add_argument("username")
    user.add_argument("role", choices=ROLES)
    user.add_argument("unit_code")
    user.add_argument("full_name")
    user.add_argument("--email")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    db = Database(settings.database_url("tasks"))
    now = utcnow()
    with db.uow() as uow:
        if args.command == "seed-demo-plan":
            created = seed_demo_plan(uow=uow, now=now, calendar=WorkCalendar())
            print("seeded" if created else "already seeded")
        else:
            unit = repository.get_unit_by_code(uow.session, args.unit_code)
            if unit is None:
                print(f"no unit with code {args.unit_code!r}", file=sys.stderr)
                return 2
            if repository.get_user_by_username(uow.session, args.username):
                print(f"user {args.username!r} exists", file=sys.stderr)
                return 2
            password = os.environ.get("NEW_USER_PASSWORD") or getpass.getpass("Password: ")
            if len(password) < 10:
                print("the password needs at least 10 characters", file=sys.stderr)
                return 2
            service.create_user(uow=uow, actor_id=None, username=args.username,
                                password=password, full_name=args.full_name, unit_id=unit.id,
                                roles=[args.role], email=args.email, now=now)
            print(f"created {args.username}")
        uow.commit()
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
