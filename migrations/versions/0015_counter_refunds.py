"""refunds at the counter: each one recorded, those above the station's threshold approved

Revision ID: 0015
Revises: 0012

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

REASONS = "reason_code IN ('fuel_quality', 'overcharged', 'duplicate', 'driver_cancelled', 'other')"


def upgrade():
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'refund_approval_threshold_fen',
                sa.Integer(),
                server_default=sa.text('20000'),
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f('ck_station_refund_approval_not_negative'), 'refund_approval_threshold_fen >= 0'
        )
    op.create_table(
        'counter_refund_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chain_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('reason_code', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reject_reason', sa.String(length=200), nullable=False),
        sa.Column('refund_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('amount_fen > 0', name=op.f('ck_counter_refund_request_amount_positive')),
        sa.CheckConstraint(REASONS, name=op.f('ck_counter_refund_request_reason_valid')),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'rejected')",
            name=op.f('ck_counter_refund_request_status_valid'),
        ),
        sa.CheckConstraint(
            'decided_by_id IS NULL OR decided_by_id <> requested_by_id',
            name=op.f('ck_counter_refund_request_not_self_decided'),
        ),
        sa.CheckConstraint(
            "status <> 'sent' OR refund_id IS NOT NULL",
            name=op.f('ck_counter_refund_request_sent_has_refund'),
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR reject_reason <> ''",
            name=op.f('ck_counter_refund_request_rejected_why'),
        ),
        sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_counter_refund_request_chain_id_chain')),
        sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_counter_refund_request_station_id_station')),
        sa.ForeignKeyConstraint(['order_id'], ['fuel_order.id'], name=op.f('fk_counter_refund_request_order_id_fuel_order')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id'], name=op.f('fk_counter_refund_request_requested_by_id_staff')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['staff.id'], name=op.f('fk_counter_refund_request_decided_by_id_staff')),
        sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name=op.f('fk_counter_refund_request_refund_id_refund')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_refund_request')),
        sa.UniqueConstraint('refund_id', name=op.f('uq_counter_refund_request_refund_id')),
    )
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.create_index(
            'ix_counter_refund_request_station_status', ['station_id', 'status'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_counter_refund_request_order_id'), ['order_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_refund_request_order_id'))
        batch_op.drop_index('ix_counter_refund_request_station_status')
    op.drop_table('counter_refund_request')
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_station_refund_approval_not_negative'), type_='check')
        batch_op.drop_column('refund_approval_threshold_fen')
