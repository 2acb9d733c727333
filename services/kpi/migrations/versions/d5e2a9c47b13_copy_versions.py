"""copies follow the owner's versions; task copies keep the owner's moments

Revision ID: d5e2a9c47b13
Revises: 8b1d4e2f6a10
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = 'd5e2a9c47b13'
down_revision = '8b1d4e2f6a10'
branch_labels = None
depends_on = None

COPIES = ("units", "task_copies", "users")


def upgrade() -> None:
    for table in COPIES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="0"))
    op.add_column("users", sa.Column("token_version", sa.Integer(), nullable=False,
                                     server_default="1"))
    op.add_column("task_copies", sa.Column("kind", sa.String(length=32), nullable=False,
                                           server_default="general"))
    op.add_column("task_copies", sa.Column("submitted_at", shared.db.UtcDateTime(timezone=True),
                                           nullable=True))
    op.add_column("task_copies", sa.Column("completed_at", shared.db.UtcDateTime(timezone=True),
                                           nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_copies") as batch:
        for column in ("completed_at", "submitted_at", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
    for table in COPIES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
