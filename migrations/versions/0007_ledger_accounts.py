"""ledger entries only on known accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ACCOUNTS = (
    'member_wallet',
    'wechat_clearing',
    'prepaid_orders',
    'fuel_revenue',
    'promotion_expense',
    'refunds_payable',
    'topup_clearing',
)


def upgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_account_known'),
            'account IN (' + ', '.join(f"'{name}'" for name in ACCOUNTS) + ')',
        )


def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
