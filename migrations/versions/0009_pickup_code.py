"""the short pickup code typed when the camera fails, and its lock-out counter

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:40:48.127899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pickup_code_guard',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('misses', sa.Integer(), nullable=False),
    sa.Column('last_miss_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_pickup_code_guard_chain_id_chain')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_pickup_code_guard_staff_id_staff')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_pickup_code_guard'))
    )
    # Tokens issued before this revision get no code (NULL): their QR still works.
    with op.batch_alter_table('pickup_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_pickup_token_station_code', ['station_id', 'code_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('pickup_token', schema=None) as batch_op:
        batch_op.drop_index('uq_pickup_token_station_code')
        batch_op.drop_column('code_hash')

    op.drop_table('pickup_code_guard')
