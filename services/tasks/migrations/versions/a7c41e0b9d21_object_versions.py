"""object versions of tasks, units and users; users' token version

Revision ID: a7c41e0b9d21
Revises: 9567dcd7a7f3
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = 'a7c41e0b9d21'
down_revision = '9567dcd7a7f3'
branch_labels = None
depends_on = None

VERSIONED = ("tasks", "org_units", "users")


def upgrade() -> None:
    for table in VERSIONED:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False,
                                       server_default="1"))
    op.add_column("users", sa.Column("token_version", sa.Integer(), nullable=False,
                                     server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
