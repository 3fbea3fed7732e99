"""a WeChat refund of a chain-wide top-up's principal has no station: its follow-up neither

Revision ID: 0011
Revises: 0010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refund_followup', schema=None) as batch_op:
        batch_op.alter_column('station_id', existing_type=sa.INTEGER(), nullable=True)


def downgrade():
    # Follow-ups of chain-wide top-up refunds cannot keep a NULL station: they go to the
    # chain's first station, as they must belong to one.
    op.execute(
        'UPDATE refund_followup SET station_id = (SELECT MIN(id) FROM station'
        ' WHERE station.chain_id = refund_followup.chain_id) WHERE station_id IS NULL'
    )
    with op.batch_alter_table('refund_followup', schema=None) as batch_op:
        batch_op.alter_column('station_id', existing_type=sa.INTEGER(), nullable=False)
