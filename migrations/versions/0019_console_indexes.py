"""indexes for the console's orders list at a busy chain's size: a chain's orders newest first
(head office's pages), and a station's carrying the columns the list's plain filters compare and
its totals add up, so the totals read the index alone

Revision ID: 0019
Revises: 0018

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# What the totals add up and the list's plain filters compare: an index-only scan needs them all.
TOTALS = [
    'status', 'channel', 'payment_method', 'fuel_id', 'paid_fen', 'refunded_fen', 'dispensed_ml'
]


def upgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_index('ix_fuel_order_station_created')
        batch_op.create_index(
            'ix_fuel_order_station_created',
            ['station_id', 'created_at', 'id'],
            unique=False,
            postgresql_include=['chain_id', *TOTALS],
        )
        batch_op.create_index(
            'ix_fuel_order_chain_created', ['chain_id', 'created_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_index('ix_fuel_order_chain_created')
        batch_op.drop_index('ix_fuel_order_station_created')
        batch_op.create_index(
            'ix_fuel_order_station_created', ['station_id', 'created_at', 'id'], unique=False
        )
