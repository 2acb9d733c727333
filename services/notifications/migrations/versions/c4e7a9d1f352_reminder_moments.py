"""reminders remember their moment's due time; inbox reminders can be withdrawn

Revision ID: c4e7a9d1f352
Revises: b8f3c61d2e47
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

from sqlalchemy.dialects import postgresql

import shared.db

revision = 'c4e7a9d1f352'
down_revision = 'b8f3c61d2e47'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox_messages", sa.Column("task_id", sa.Uuid(), nullable=True))
    op.create_index("ix_inbox_messages_task_id", "inbox_messages", ["task_id"])
    for table in ("inbox_messages", "deliveries"):
        op.add_column(table, sa.Column("due_at", shared.db.UtcDateTime(timezone=True),
                                       nullable=True))
    op.add_column("inbox_messages", sa.Column("withdrawn_at",
                                              shared.db.UtcDateTime(timezone=True),
                                              nullable=True))
    op.add_column("inbox_messages", sa.Column("items", sa.JSON().with_variant(
        postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_inbox_messages_task_id", table_name="inbox_messages")
    with op.batch_alter_table("inbox_messages") as batch:
        for column in ("items", "withdrawn_at", "due_at", "task_id"):
            batch.drop_column(column)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("due_at")
