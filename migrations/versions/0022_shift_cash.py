"""every counter ledger entry in one shift; over/short to the ledger; counter refunds of walk-in
sales back to cash, card or terminal

- ledger_entry.shift_id: the shift whose drawer or clearing a cash_drawer / card_clearing /
  terminal_clearing entry moved, set once (NULL while it waits for the next shift to open): the
  append-only guard lets exactly that one change through, nothing else.
- the cash_over_short account (长短款); a shift may expect less than nothing (refunds paid out).
- refund.method may be cash, pos or terminal, with the POS or terminal reversal's reference;
  a counter refund request keeps the reference typed with it.
- existing data: counter entries of orders that have a shift get that shift; other counter
  entries made while a shift is open get it; closed shifts' over/short and cash corrections are
  posted as the new code posts them, so `flask ledger check` holds on old books too.

Revision ID: 0022
Revises: 0021

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OLD_ACCOUNTS = (
    'member_wallet', 'wechat_clearing', 'prepaid_orders', 'fuel_revenue', 'promotion_expense',
    'refunds_payable', 'refunds_owed', 'topup_clearing',
    'member_bonus', 'bonus_expense', 'cash_drawer', 'card_clearing', 'recharge_cards',
    'terminal_clearing',
)
NEW_ACCOUNTS = OLD_ACCOUNTS + ('cash_over_short',)
SHIFT_ACCOUNTS = ('cash_drawer', 'card_clearing', 'terminal_clearing')
OLD_REFUND_METHODS = ('wechat', 'wallet')
NEW_REFUND_METHODS = OLD_REFUND_METHODS + ('cash', 'pos', 'terminal')
CLOSE_KINDS = ('shift.over_short', 'shift.correction')


def _one_of(column, values):
    return f"{column} IN (" + ', '.join(f"'{v}'" for v in values) + ')'


ON_COUNTER = _one_of('account', SHIFT_ACCOUNTS)
UNSHIFTED = sa.text(f"shift_id IS NULL AND {ON_COUNTER}")
SHIFTED = sa.text("shift_id IS NOT NULL")

# PostgreSQL: deletes stay refused; an update only gives a waiting entry its shift, once.
SHIFT_ONCE_PG = """
CREATE FUNCTION ledger_entry_shift_once() RETURNS trigger AS $$
BEGIN
    IF OLD.shift_id IS NULL AND NEW.shift_id IS NOT NULL
        AND (to_jsonb(OLD) - 'shift_id') = (to_jsonb(NEW) - 'shift_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger_entry is append-only (a waiting counter entry gets its shift, once)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER ledger_entry_append_only ON ledger_entry;
CREATE TRIGGER ledger_entry_append_only BEFORE DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_entry_shift_once BEFORE UPDATE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_shift_once();
"""
UNDO_SHIFT_ONCE_PG = """
DROP TRIGGER IF EXISTS ledger_entry_shift_once ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_entry_shift_once();
DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry;
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
"""
_SAME = " AND ".join(
    f"NEW.{c} IS OLD.{c}"
    for c in ('id', 'chain_id', 'transaction_id', 'account', 'member_id', 'station_id',
              'order_id', 'amount_fen')
)
SQLITE_LEDGER_ENTRY = (
    "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry FOR EACH ROW"
    f" WHEN NOT (OLD.shift_id IS NULL AND NEW.shift_id IS NOT NULL AND {_SAME})"
    " BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END",
    "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry"
    " BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END",
)

# Existing counter entries: the shift of their order, or the shift open when they were made.
BACKFILL = (
    f"""UPDATE ledger_entry SET shift_id = (
        SELECT o.shift_id FROM fuel_order o WHERE o.id = ledger_entry.order_id)
    WHERE shift_id IS NULL AND {ON_COUNTER} AND EXISTS (
        SELECT 1 FROM fuel_order o WHERE o.id = ledger_entry.order_id AND o.shift_id IS NOT NULL)""",
    f"""UPDATE ledger_entry SET shift_id = (
        SELECT s.id FROM shift s WHERE s.station_id = ledger_entry.station_id AND s.status = 'open')
    WHERE shift_id IS NULL AND {ON_COUNTER} AND order_id IS NULL AND EXISTS (
        SELECT 1 FROM shift s JOIN ledger_transaction t ON t.id = ledger_entry.transaction_id
        WHERE s.station_id = ledger_entry.station_id AND s.status = 'open'
        AND t.created_at >= s.opened_at)""",
)
# Closed shifts' over/short and cash corrections, posted as close_shift and add_correction post
# them (the memo ties each transaction to its shift or correction).
OVER_SHORT_MEMO = "'交接班 #' || s.id || ' 长短款'"
CORRECTION_MEMO = "'交接班 #' || c.shift_id || ' 更正 #' || c.id"
POST_CLOSES = (
    f"""INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
    SELECT s.chain_id, s.station_id, NULL, 'shift.over_short', {OVER_SHORT_MEMO}, s.closed_at
    FROM shift s WHERE s.status <> 'open' AND s.over_short_fen <> 0""",
    f"""INSERT INTO ledger_entry
        (chain_id, transaction_id, account, station_id, amount_fen, shift_id)
    SELECT s.chain_id, t.id, 'cash_drawer', s.station_id, s.over_short_fen, s.id
    FROM shift s JOIN ledger_transaction t ON t.kind = 'shift.over_short'
        AND t.station_id = s.station_id AND t.memo = {OVER_SHORT_MEMO}
    WHERE s.status <> 'open' AND s.over_short_fen <> 0""",
    f"""INSERT INTO ledger_entry (chain_id, transaction_id, account, station_id, amount_fen)
    SELECT s.chain_id, t.id, 'cash_over_short', s.station_id, -s.over_short_fen
    FROM shift s JOIN ledger_transaction t ON t.kind = 'shift.over_short'
        AND t.station_id = s.station_id AND t.memo = {OVER_SHORT_MEMO}
    WHERE s.status <> 'open' AND s.over_short_fen <> 0""",
    f"""INSERT INTO ledger_transaction (chain_id, station_id, order_id, kind, memo, created_at)
    SELECT c.chain_id, c.station_id, NULL, 'shift.correction', {CORRECTION_MEMO}, c.created_at
    FROM shift_correction c WHERE c.kind = 'cash'""",
    f"""INSERT INTO ledger_entry
        (chain_id, transaction_id, account, station_id, amount_fen, shift_id)
    SELECT c.chain_id, t.id, 'cash_drawer', c.station_id, c.delta_fen, c.shift_id
    FROM shift_correction c JOIN ledger_transaction t ON t.kind = 'shift.correction'
        AND t.station_id = c.station_id AND t.memo = {CORRECTION_MEMO}
    WHERE c.kind = 'cash'""",
    f"""INSERT INTO ledger_entry (chain_id, transaction_id, account, station_id, amount_fen)
    SELECT c.chain_id, t.id, 'cash_over_short', c.station_id, -c.delta_fen
    FROM shift_correction c JOIN ledger_transaction t ON t.kind = 'shift.correction'
        AND t.station_id = c.station_id AND t.memo = {CORRECTION_MEMO}
    WHERE c.kind = 'cash'""",
)


def _sqlite_guards_of_0016() -> list[tuple[str, str]]:
    """0016's SQLite guards, by trigger name: rebuilding a table in batch mode drops its
    triggers, so they are made again after the shift table is rebuilt here (the fuel_order
    one went with an earlier rebuild of that table)."""
    statements = context.script.get_revision('0016').module._sqlite_guard()
    return [(statement.split()[2], statement) for statement in statements]


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:  # they name the shift table, which is rebuilt below
        for name, _ in _sqlite_guards_of_0016():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shift_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_ledger_entry_shift_id_shift'), 'shift', ['shift_id'], ['id']
        )
        batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_account_known'), _one_of('account', NEW_ACCOUNTS)
        )
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_shift_on_counter'), f"shift_id IS NULL OR {ON_COUNTER}"
        )
        batch_op.create_index(
            'ix_ledger_entry_shift', ['shift_id'], unique=False,
            postgresql_where=SHIFTED, sqlite_where=SHIFTED,
        )
        batch_op.create_index(
            'ix_ledger_entry_unshifted', ['station_id'], unique=False,
            postgresql_where=UNSHIFTED, sqlite_where=UNSHIFTED,
        )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reference', sa.String(length=64), server_default='', nullable=False)
        )
        batch_op.drop_constraint(op.f('ck_refund_method_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_refund_method_valid'), _one_of('method', NEW_REFUND_METHODS)
        )
        batch_op.create_check_constraint(
            op.f('ck_refund_reference_given'), "method NOT IN ('pos', 'terminal') OR reference <> ''"
        )
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reference', sa.String(length=64), server_default='', nullable=False)
        )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shift_expected_not_negative'), type_='check')

    if sqlite:
        for statement in SQLITE_LEDGER_ENTRY:
            name = statement.split()[2]
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(statement)
        for _, statement in _sqlite_guards_of_0016():
            op.execute(statement)
    else:
        op.execute(SHIFT_ONCE_PG)
    for statement in BACKFILL + POST_CLOSES:
        op.execute(statement)


def downgrade():
    # Counter refunds of walk-in sales (method cash, pos, terminal) must be dealt with by hand
    # first: the narrower CHECK refuses them. The over/short postings go with their account.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    closes = _one_of('kind', CLOSE_KINDS)
    if sqlite:
        for statement in SQLITE_LEDGER_ENTRY:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
        for name, _ in _sqlite_guards_of_0016():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS ledger_transaction_no_delete")
    else:
        op.execute(UNDO_SHIFT_ONCE_PG)
        op.execute("ALTER TABLE ledger_entry DISABLE TRIGGER USER")
        op.execute("ALTER TABLE ledger_transaction DISABLE TRIGGER USER")
    op.execute(
        "DELETE FROM ledger_entry WHERE transaction_id IN"
        f" (SELECT id FROM ledger_transaction WHERE {closes})"
    )
    op.execute(f"DELETE FROM ledger_transaction WHERE {closes}")
    if sqlite:
        op.execute(
            "CREATE TRIGGER ledger_transaction_no_delete BEFORE DELETE ON ledger_transaction"
            " BEGIN SELECT RAISE(ABORT, 'ledger_transaction is append-only'); END"
        )
    else:
        op.execute("ALTER TABLE ledger_entry ENABLE TRIGGER USER")
        op.execute("ALTER TABLE ledger_transaction ENABLE TRIGGER USER")

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_shift_expected_not_negative'), 'expected_cash_fen >= 0'
        )
    with op.batch_alter_table('counter_refund_request', schema=None) as batch_op:
        batch_op.drop_column('reference')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refund_reference_given'), type_='check')
        batch_op.drop_constraint(op.f('ck_refund_method_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_refund_method_valid'), _one_of('method', OLD_REFUND_METHODS)
        )
        batch_op.drop_column('reference')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_ledger_entry_unshifted', postgresql_where=UNSHIFTED, sqlite_where=UNSHIFTED
        )
        batch_op.drop_index('ix_ledger_entry_shift', postgresql_where=SHIFTED, sqlite_where=SHIFTED)
        batch_op.drop_constraint(op.f('ck_ledger_entry_shift_on_counter'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_entry_account_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_ledger_entry_account_known'), _one_of('account', OLD_ACCOUNTS)
        )
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_shift_id_shift'), type_='foreignkey')
        batch_op.drop_column('shift_id')
    if sqlite:
        for statement in SQLITE_LEDGER_ENTRY:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
        for verb in ('update', 'delete'):
            op.execute(
                f"CREATE TRIGGER ledger_entry_no_{verb} BEFORE {verb.upper()} ON ledger_entry"
                " BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END"
            )
        for _, statement in _sqlite_guards_of_0016():
            op.execute(statement)
