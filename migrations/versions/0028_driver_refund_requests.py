"""drivers' refund requests (issue 12, point 1): a request of an order's refund is asked at the
counter by staff or in the mini-program by the order's driver (channel), exactly one requester
(CHECK), the driver's reasons, one driver's request waiting per order (partial unique index)

Revision ID: 0028
Revises: 0027

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

COUNTER_REASONS = "'fuel_quality', 'overcharged', 'duplicate', 'driver_cancelled', 'other'"
REASONS = f"reason_code IN ({COUNTER_REASONS}, 'short_fuel')"
ONE_REQUESTER = (
    "(channel = 'counter' AND requested_by_id IS NOT NULL AND member_id IS NULL)"
    " OR (channel = 'driver' AND member_id IS NOT NULL AND requested_by_id IS NULL)"
)
DRIVER_OPEN = sa.text("channel = 'driver' AND status = 'pending'")


def upgrade():
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'channel', sa.String(length=10), server_default='counter', nullable=False
            )
        )
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.alter_column('requested_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_counter_refund_request_member_id_member'), 'member', ['member_id'], ['id']
        )
        batch_op.drop_constraint(op.f('ck_counter_refund_request_reason_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_counter_refund_request_reason_valid'), REASONS)
        batch_op.create_check_constraint(
            op.f('ck_counter_refund_request_channel_valid'), "channel IN ('counter', 'driver')"
        )
        batch_op.create_check_constraint(
            op.f('ck_counter_refund_request_one_requester'), ONE_REQUESTER
        )
        batch_op.create_index(
            'uq_counter_refund_request_driver_open', ['order_id'], unique=True,
            postgresql_where=DRIVER_OPEN, sqlite_where=DRIVER_OPEN,
        )


def downgrade():
    # Drivers' requests have no staff requester: they cannot stay in the table as it was.
    op.execute("DELETE FROM counter_refund_request WHERE channel = 'driver'")
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_counter_refund_request_driver_open',
            postgresql_where=DRIVER_OPEN, sqlite_where=DRIVER_OPEN,
        )
        batch_op.drop_constraint(op.f('ck_counter_refund_request_one_requester'), type_='check')
        batch_op.drop_constraint(op.f('ck_counter_refund_request_channel_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_counter_refund_request_reason_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_counter_refund_request_reason_valid'), f"reason_code IN ({COUNTER_REASONS})"
        )
        batch_op.drop_constraint(
            batch_op.f('fk_counter_refund_request_member_id_member'), type_='foreignkey'
        )
        batch_op.alter_column('requested_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('member_id')
        batch_op.drop_column('channel')
