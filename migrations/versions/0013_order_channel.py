"""where an order was placed (mini-program or counter), and an index for the orders console

Revision ID: 0013
Revises: 0012

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=10), server_default='online', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_fuel_order_channel_valid'), "channel IN ('online', 'counter')"
        )
        batch_op.create_index(
            'ix_fuel_order_station_created', ['station_id', 'created_at', 'id'], unique=False
        )
    # Orders paid at the counter with the member code before this revision: the audit log
    # recorded each one.
    op.execute(
        "UPDATE fuel_order SET channel = 'counter' WHERE id IN (SELECT entity_id FROM audit_log"
        " WHERE action = 'order.counter_wallet_pay' AND entity_type = 'order')"
    )


def downgrade():
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_index('ix_fuel_order_station_created')
        batch_op.drop_constraint(op.f('ck_fuel_order_channel_valid'), type_='check')
        batch_op.drop_column('channel')
