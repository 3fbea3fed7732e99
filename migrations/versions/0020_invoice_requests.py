"""invoice requests: a driver asks for the invoice of a settled order from its receipt's QR, the
station issues or rejects it; one open request per order (a rejected one may be asked again)

Revision ID: 0020
Revises: 0019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'rejected'")


def upgrade():
    op.create_table('invoice_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('buyer_type', sa.String(length=10), nullable=False),
    sa.Column('buyer_name', sa.String(length=100), nullable=False),
    sa.Column('tax_number', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('invoice_no', sa.String(length=40), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("buyer_type IN ('personal', 'company')",
                       name=op.f('ck_invoice_request_buyer_type_valid')),
    sa.CheckConstraint("status IN ('requested', 'issued', 'rejected')",
                       name=op.f('ck_invoice_request_status_valid')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_invoice_request_amount_positive')),
    sa.CheckConstraint("buyer_name <> '' AND email <> ''",
                       name=op.f('ck_invoice_request_buyer_given')),
    sa.CheckConstraint(
        "(buyer_type = 'company' AND length(tax_number) BETWEEN 15 AND 20)"
        " OR (buyer_type = 'personal' AND tax_number = '')",
        name=op.f('ck_invoice_request_tax_number_given')),
    sa.CheckConstraint(
        "status <> 'issued' OR (invoice_no <> '' AND issued_on IS NOT NULL"
        " AND handled_by_id IS NOT NULL)",
        name=op.f('ck_invoice_request_issued_has_number')),
    sa.CheckConstraint(
        "status <> 'rejected' OR (reject_reason <> '' AND handled_by_id IS NOT NULL)",
        name=op.f('ck_invoice_request_rejected_why')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_invoice_request_chain_id_chain')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_invoice_request_station_id_station')),
    sa.ForeignKeyConstraint(['order_id'], ['fuel_order.id'], name=op.f('fk_invoice_request_order_id_fuel_order')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['staff.id'], name=op.f('fk_invoice_request_handled_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_request'))
    )
    with op.batch_alter_table('invoice_request', schema=None) as batch_op:
        batch_op.create_index(
            'uq_invoice_request_open_order', ['order_id'], unique=True,
            postgresql_where=OPEN, sqlite_where=OPEN,
        )
        batch_op.create_index('ix_invoice_request_order_id', ['order_id'], unique=False)
        batch_op.create_index(
            'ix_invoice_request_station_requested', ['station_id', 'requested_at'], unique=False
        )


def downgrade():
    op.drop_table('invoice_request')
