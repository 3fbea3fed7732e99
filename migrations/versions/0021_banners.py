"""banners and announcements for the mini-program (with their images), and the content version
the driver reads' caches are keyed by

Revision ID: 0021
Revises: 0020

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('banner_image',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_banner_image_chain_id_chain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banner_image'))
    )
    op.create_table('content_version',
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_content_version_chain_id_chain')),
    sa.PrimaryKeyConstraint('chain_id', name=op.f('pk_content_version'))
    )
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('live_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('live_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(scope = 'city') = (city IS NOT NULL)", name=op.f('ck_announcement_city_given')),
    sa.CheckConstraint("(scope = 'station') = (station_id IS NOT NULL)", name=op.f('ck_announcement_station_given')),
    sa.CheckConstraint("scope IN ('chain', 'city', 'station')", name=op.f('ck_announcement_scope_valid')),
    sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name=op.f('ck_announcement_status_valid')),
    sa.CheckConstraint('live_until IS NULL OR live_until > live_from', name=op.f('ck_announcement_live_span')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_announcement_chain_id_chain')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_announcement_created_by_id_staff')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_announcement_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_chain_status', ['chain_id', 'status', 'live_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_station_id'), ['station_id'], unique=False)

    op.create_table('banner',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('image_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=20), server_default=sa.text("'none'"), nullable=False),
    sa.Column('target_station_id', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('live_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('live_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(scope = 'city') = (city IS NOT NULL)", name=op.f('ck_banner_city_given')),
    sa.CheckConstraint("(scope = 'station') = (station_id IS NOT NULL)", name=op.f('ck_banner_station_given')),
    sa.CheckConstraint("(target IN ('station', 'order')) = (target_station_id IS NOT NULL)", name=op.f('ck_banner_target_station_given')),
    sa.CheckConstraint("scope IN ('chain', 'city', 'station')", name=op.f('ck_banner_scope_valid')),
    sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name=op.f('ck_banner_status_valid')),
    sa.CheckConstraint("target IN ('none', 'station', 'order', 'wallet', 'card', 'member_code', 'vehicles', 'orders')", name=op.f('ck_banner_target_valid')),
    sa.CheckConstraint('live_until IS NULL OR live_until > live_from', name=op.f('ck_banner_live_span')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_banner_chain_id_chain')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_banner_created_by_id_staff')),
    sa.ForeignKeyConstraint(['image_id'], ['banner_image.id'], name=op.f('fk_banner_image_id_banner_image')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_banner_station_id_station')),
    sa.ForeignKeyConstraint(['target_station_id'], ['station.id'], name=op.f('fk_banner_target_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_banner'))
    )
    with op.batch_alter_table('banner', schema=None) as batch_op:
        batch_op.create_index('ix_banner_chain_status', ['chain_id', 'status', 'live_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_banner_station_id'), ['station_id'], unique=False)


def downgrade():
    with op.batch_alter_table('banner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_banner_station_id'))
        batch_op.drop_index('ix_banner_chain_status')

    op.drop_table('banner')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_station_id'))
        batch_op.drop_index('ix_announcement_chain_status')

    op.drop_table('announcement')
    op.drop_table('content_version')
    op.drop_table('banner_image')
