"""each credited top-up is a lot of principal: what of it was spent (first in, first out)

Revision ID: 0012
Revises: 0011

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UNSPENT = 'spent_principal_fen >= 0 AND spent_principal_fen + refunded_principal_fen <= principal_fen'


def upgrade():
    with op.batch_alter_table('topup', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('spent_principal_fen', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
    _spend_existing_lots()
    with op.batch_alter_table('topup', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_topup_unspent_range'), UNSPENT)


def _spend_existing_lots():
    """Top-ups credited before this revision: each member's lots hold no more than the wallet's
    principal, the oldest counted as spent first (the rule of members.wallet_split)."""
    bind = op.get_bind()
    wallets = dict(bind.execute(sa.text('SELECT member_id, principal_fen FROM wallet')).all())
    lots = bind.execute(
        sa.text(
            "SELECT id, member_id, principal_fen - refunded_principal_fen FROM topup"
            " WHERE status = 'credited' ORDER BY member_id, credited_at, id"
        )
    ).all()
    left_in = {}
    for _, member_id, unspent in lots:
        left_in[member_id] = left_in.get(member_id, 0) + unspent
    to_spend = {m: max(0, total - wallets.get(m, 0)) for m, total in left_in.items()}
    for lot_id, member_id, unspent in lots:
        spent = min(unspent, to_spend[member_id])
        if spent:
            to_spend[member_id] -= spent
            bind.execute(
                sa.text('UPDATE topup SET spent_principal_fen = :spent WHERE id = :id'),
                {'spent': spent, 'id': lot_id},
            )


def downgrade():
    with op.batch_alter_table('topup', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_topup_unspent_range'), type_='check')
        batch_op.drop_column('spent_principal_fen')
