"""follow-up of WeChat refunds that did not reach the driver; finished_at after created_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

NEEDS_FOLLOWUP = sa.text("status IN ('CLOSED', 'ABNORMAL') AND followup IS NULL")
ACCOUNTS = (
    'member_wallet',
    'wechat_clearing',
    'prepaid_orders',
    'fuel_revenue',
    'promotion_expense',
    'refunds_payable',
    'topup_clearing',
)
OWED = 'refunds_owed'  # the new account: refunds WeChat gave up on, owed to the driver


def accounts_check(batch_op, accounts):
    batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
    batch_op.create_check_constraint(
        op.f('ck_ledger_entry_account_known'),
        'account IN (' + ', '.join(f"'{name}'" for name in accounts) + ')',
    )


def upgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        accounts_check(batch_op, (*ACCOUNTS, OWED))
    # Wallet refunds took finished_at a moment before their created_at default: same moment now.
    op.execute("UPDATE refund SET finished_at = created_at WHERE finished_at < created_at")
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_refund_followup_valid'), "followup IN ('reissued', 'wallet')"
        )
        batch_op.create_check_constraint(
            op.f('ck_refund_finished_after'), 'finished_at IS NULL OR finished_at >= created_at'
        )
    op.create_index(
        'ix_refund_needs_followup',
        'refund',
        ['station_id'],
        unique=False,
        postgresql_where=NEEDS_FOLLOWUP,
        sqlite_where=NEEDS_FOLLOWUP,
    )
    op.create_table('refund_followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('refund_id', sa.Integer(), nullable=False),
    sa.Column('new_refund_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('consent_channel', sa.String(length=12), nullable=True),
    sa.Column('consent_note', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('reissued', 'wallet')", name=op.f('ck_refund_followup_action_valid')),
    sa.CheckConstraint("action = 'reissued' OR (consent_channel IS NOT NULL AND consent_note <> '')", name=op.f('ck_refund_followup_wallet_consent')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_refund_followup_chain_id_chain')),
    sa.ForeignKeyConstraint(['new_refund_id'], ['refund.id'], name=op.f('fk_refund_followup_new_refund_id_refund')),
    sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name=op.f('fk_refund_followup_refund_id_refund')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_refund_followup_staff_id_staff')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_refund_followup_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_followup')),
    sa.UniqueConstraint('new_refund_id', name=op.f('uq_refund_followup_new_refund_id')),
    sa.UniqueConstraint('refund_id', name=op.f('uq_refund_followup_refund_id'))
    )


def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        accounts_check(batch_op, ACCOUNTS)
    op.drop_table('refund_followup')
    op.drop_index('ix_refund_needs_followup', table_name='refund')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refund_finished_after'), type_='check')
        batch_op.drop_constraint(op.f('ck_refund_followup_valid'), type_='check')
        batch_op.drop_column('followup')
