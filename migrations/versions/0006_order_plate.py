"""the car's plate on a fuel order

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_column('plate')
