"""indexes for the console home's figures of the day: orders by station and time paid, and
fuelled; refunds by station and time booked

Revision ID: 0017
Revises: 0016

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.create_index('ix_fuel_order_station_paid', ['station_id', 'paid_at'], unique=False)
        batch_op.create_index(
            'ix_fuel_order_station_fueled', ['station_id', 'fueled_at'], unique=False
        )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index('ix_refund_station_created', ['station_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index('ix_refund_station_created')
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_index('ix_fuel_order_station_fueled')
        batch_op.drop_index('ix_fuel_order_station_paid')
