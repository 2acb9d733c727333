"""copies follow the owner's versions; task states keep the owner's moments

Revision ID: b8f3c61d2e47
Revises: 4cf5d035b061
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = 'b8f3c61d2e47'
down_revision = '4cf5d035b061'
branch_labels = None
depends_on = None

COPIES = ("recipients", "units", "task_states")


def upgrade() -> None:
    for table in COPIES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="0"))
    op.add_column("recipients", sa.Column("token_version", sa.Integer(), nullable=False,
                                          server_default="1"))
    op.add_column("task_states", sa.Column("kind", sa.String(length=32), nullable=False,
                                           server_default="general"))
    op.add_column("task_states", sa.Column("submitted_at", shared.db.UtcDateTime(timezone=True),
                                           nullable=True))
    op.add_column("task_states", sa.Column("completed_at", shared.db.UtcDateTime(timezone=True),
                                           nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_states") as batch:
        for column in ("completed_at", "submitted_at", "kind"):
            batch.drop_column(column)
    with op.batch_alter_table("recipients") as batch:
        batch.drop_column("token_version")
    for table in COPIES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
