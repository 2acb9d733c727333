"""login failures (throttling across web processes)

Revision ID: b7e4c1a9d250
Revises: a7c41e0b9d21
Create Date: 2026-12-04 03:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = 'b7e4c1a9d250'
down_revision = 'a7c41e0b9d21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('failed_at', shared.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address_failed_at', ['address', 'failed_at'],
                              unique=False)
        batch_op.create_index('ix_login_failures_failed_at', ['failed_at'], unique=False)
        batch_op.create_index('ix_login_failures_username_failed_at', ['username', 'failed_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_username_failed_at')
        batch_op.drop_index('ix_login_failures_failed_at')
        batch_op.drop_index('ix_login_failures_address_failed_at')
    op.drop_table('login_failures')
