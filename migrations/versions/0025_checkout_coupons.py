"""coupons at checkout (issue 14, point 3): an order holds a coupon (fuel_order.coupon_id, what
it takes off as placed and off the fuel dispensed); a coupon is on one live order at most and an
order holds one coupon at most (two partial unique indexes), a held or used coupon has its
discount (CHECK)

Revision ID: 0025
Revises: 0024

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

LIVE_COUPON = sa.text("coupon_id IS NOT NULL AND status IN ('created', 'paid', 'fueled')")
ON_ORDER = sa.text("status IN ('held', 'used')")


def _order_shift_guard_sqlite() -> str | None:
    """0016's SQLite guard on fuel_order: rebuilding the table in batch mode drops it."""
    for statement in context.script.get_revision('0016').module._sqlite_guard():
        if statement.split()[2] == 'fuel_order_shift_fixed':
            return statement
    return None


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coupon_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('coupon_fen', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
        batch_op.add_column(sa.Column('dispensed_coupon_fen', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_fuel_order_coupon_id_coupon', 'coupon', ['coupon_id'], ['id']
        )
        batch_op.create_check_constraint(
            op.f('ck_fuel_order_coupon_saving'),
            'coupon_fen >= 0 AND (coupon_id IS NOT NULL OR coupon_fen = 0)',
        )
        batch_op.create_check_constraint(
            op.f('ck_fuel_order_dispensed_coupon'),
            'dispensed_coupon_fen IS NULL OR (dispensed_coupon_fen >= 0'
            ' AND coupon_id IS NOT NULL AND dispensed_fen IS NOT NULL)',
        )
        batch_op.create_index(
            'uq_fuel_order_live_coupon', ['coupon_id'], unique=True,
            postgresql_where=LIVE_COUPON, sqlite_where=LIVE_COUPON,
        )
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_coupon_discount_on_order'),
            "status NOT IN ('held', 'used') OR discount_fen IS NOT NULL",
        )
        batch_op.create_index(
            'uq_coupon_order', ['order_id'], unique=True,
            postgresql_where=ON_ORDER, sqlite_where=ON_ORDER,
        )
    if sqlite:
        guard = _order_shift_guard_sqlite()
        op.execute('DROP TRIGGER IF EXISTS fuel_order_shift_fixed')
        if guard:
            op.execute(guard)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.drop_index('uq_coupon_order', postgresql_where=ON_ORDER, sqlite_where=ON_ORDER)
        batch_op.drop_constraint(op.f('ck_coupon_discount_on_order'), type_='check')
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_fuel_order_live_coupon', postgresql_where=LIVE_COUPON, sqlite_where=LIVE_COUPON
        )
        batch_op.drop_constraint(op.f('ck_fuel_order_dispensed_coupon'), type_='check')
        batch_op.drop_constraint(op.f('ck_fuel_order_coupon_saving'), type_='check')
        batch_op.drop_constraint('fk_fuel_order_coupon_id_coupon', type_='foreignkey')
        batch_op.drop_column('dispensed_coupon_fen')
        batch_op.drop_column('coupon_fen')
        batch_op.drop_column('coupon_id')
    if sqlite:
        guard = _order_shift_guard_sqlite()
        op.execute('DROP TRIGGER IF EXISTS fuel_order_shift_fixed')
        if guard:
            op.execute(guard)
