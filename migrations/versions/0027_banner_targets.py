"""banners may open 领券中心, 我的优惠券 and 积分商城 (issue 14, point 6)

Revision ID: 0027
Revises: 0026

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

OLD = ('none', 'station', 'order', 'wallet', 'card', 'member_code', 'vehicles', 'orders')
NEW = OLD + ('coupon_centre', 'coupons', 'points_mall')


def _one_of(targets) -> str:
    return "target IN (" + ", ".join(f"'{t}'" for t in targets) + ")"


def _targets(targets) -> None:
    with op.batch_alter_table('banner', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_banner_target_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_banner_target_valid'), _one_of(targets))


def upgrade():
    _targets(NEW)


def downgrade():
    op.execute("UPDATE banner SET target = 'none' WHERE " + _one_of(NEW[len(OLD):]))
    _targets(OLD)
