"""walk-in sales at the counter: counter_sale, orders without a member, counter payment
methods, and the terminal clearing account

Revision ID: 0018
Revises: 0017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_ACCOUNTS = (
    'member_wallet', 'wechat_clearing', 'prepaid_orders', 'fuel_revenue', 'promotion_expense',
    'refunds_payable', 'refunds_owed', 'topup_clearing',
    'member_bonus', 'bonus_expense', 'cash_drawer', 'card_clearing', 'recharge_cards',
)
NEW_ACCOUNTS = OLD_ACCOUNTS + ('terminal_clearing',)
OLD_METHODS = ('wechat', 'wallet')
NEW_METHODS = OLD_METHODS + ('cash', 'pos', 'terminal')


def _one_of(column, values):
    return f"{column} IN (" + ', '.join(f"'{v}'" for v in values) + ')'


def upgrade():
    op.create_table('counter_sale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('sale_key', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('cashier_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('received_fen', sa.Integer(), nullable=True),
    sa.Column('change_fen', sa.Integer(), nullable=True),
    sa.Column('terminal_app', sa.String(length=10), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_one_of('method', ('cash', 'pos', 'terminal', 'wallet')),
                       name=op.f('ck_counter_sale_method_valid')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_counter_sale_amount_positive')),
    sa.CheckConstraint(
        "(method = 'cash') = (received_fen IS NOT NULL)"
        " AND (method <> 'cash' OR (received_fen >= amount_fen"
        " AND change_fen = received_fen - amount_fen))",
        name=op.f('ck_counter_sale_cash_change')),
    sa.CheckConstraint("method NOT IN ('pos', 'terminal') OR reference <> ''",
                       name=op.f('ck_counter_sale_reference_given')),
    sa.CheckConstraint("(method = 'terminal') = (terminal_app IS NOT NULL)",
                       name=op.f('ck_counter_sale_terminal_app_given')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_counter_sale_chain_id_chain')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_counter_sale_station_id_station')),
    sa.ForeignKeyConstraint(['order_id'], ['fuel_order.id'], name=op.f('fk_counter_sale_order_id_fuel_order')),
    sa.ForeignKeyConstraint(['cashier_id'], ['staff.id'], name=op.f('fk_counter_sale_cashier_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_sale')),
    sa.UniqueConstraint('sale_key', name=op.f('uq_counter_sale_sale_key')),
    sa.UniqueConstraint('order_id', name=op.f('uq_counter_sale_order_id'))
    )
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('ck_fuel_order_method_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_fuel_order_method_valid'), _one_of('payment_method', NEW_METHODS)
        )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_account_known'), _one_of('account', NEW_ACCOUNTS)
        )


def downgrade():
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_account_known'), _one_of('account', OLD_ACCOUNTS)
        )
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fuel_order_method_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_fuel_order_method_valid'), _one_of('payment_method', OLD_METHODS)
        )
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
    op.drop_table('counter_sale')
