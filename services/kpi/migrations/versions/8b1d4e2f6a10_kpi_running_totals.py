"""kpi running totals: province sums updated by each report change

Revision ID: 8b1d4e2f6a10
Revises: 162e01d89e77
Create Date: 2026-11-29 10:45:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '8b1d4e2f6a10'
down_revision = '162e01d89e77'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_totals',
    sa.Column('form_code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('count_submitted', sa.Boolean(), nullable=False),
    sa.Column('indicator_code', sa.String(length=32), nullable=False),
    sa.Column('numerator', sa.Numeric(), nullable=False),
    sa.Column('denominator', sa.Numeric(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('provisional', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicators.code'], name=op.f('fk_kpi_totals_indicator_code_indicators')),
    sa.PrimaryKeyConstraint('form_code', 'year', 'count_submitted', 'indicator_code', name=op.f('pk_kpi_totals'))
    )
    op.create_table('kpi_counted',
    sa.Column('report_id', sa.Uuid(), nullable=False),
    sa.Column('count_submitted', sa.Boolean(), nullable=False),
    sa.Column('form_code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_kpi_counted_report_id_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'count_submitted', name=op.f('pk_kpi_counted'))
    )
    with op.batch_alter_table('kpi_counted', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_counted_year', ['form_code', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kpi_counted', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_counted_year')
    op.drop_table('kpi_counted')
    op.drop_table('kpi_totals')
