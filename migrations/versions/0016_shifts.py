"""shifts (交接班): readings, corrections, daily close; each fuelled order's shift

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:04:43.541692

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# A closed shift's figures, a closed shift's readings, corrections and daily closes never change.
FIXED = (
    "chain_id", "station_id", "previous_shift_id", "opened_by_id", "opened_at", "closed_by_id",
    "closed_at", "business_date", "sold_ml", "sold_fen", "metered_ml", "expected_cash_fen",
    "counted_cash_fen", "over_short_fen", "note",
)
INSERT_ONLY = ("shift_correction", "daily_close")


def _changed(names, old="OLD", new="NEW") -> str:
    return " OR ".join(f"{new}.{n} IS DISTINCT FROM {old}.{n}" for n in names)


# Once closed: only closed -> accepted (with who and when) and the daily close's lock, once.
SHIFT_CHANGE_REFUSED = f"""OLD.status <> 'open' AND (
    NEW.status = 'open' OR (OLD.status = 'accepted' AND NEW.status <> 'accepted')
    OR {_changed(FIXED)}
    OR (OLD.accepted_by_id IS NOT NULL AND ({_changed(("accepted_by_id", "accepted_at"))}))
    OR (OLD.daily_close_id IS NOT NULL AND NEW.daily_close_id IS DISTINCT FROM OLD.daily_close_id)
)"""

GUARD_PG = f"""
CREATE FUNCTION shift_is_fixed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'open' THEN
            RAISE EXCEPTION 'shift % is closed: it cannot be deleted', OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF {SHIFT_CHANGE_REFUSED} THEN
        RAISE EXCEPTION 'shift % is closed: its figures cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER shift_fixed BEFORE UPDATE OR DELETE ON shift
    FOR EACH ROW EXECUTE FUNCTION shift_is_fixed();

CREATE FUNCTION shift_reading_is_fixed() RETURNS trigger AS $$
BEGIN
    IF (SELECT status FROM shift WHERE id = OLD.shift_id) <> 'open'
        OR (TG_OP = 'UPDATE' AND NEW.shift_id <> OLD.shift_id) THEN
        RAISE EXCEPTION 'shift % is closed: its readings cannot change', OLD.shift_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER shift_reading_fixed BEFORE UPDATE OR DELETE ON shift_reading
    FOR EACH ROW EXECUTE FUNCTION shift_reading_is_fixed();

CREATE FUNCTION shift_record_is_insert_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is insert-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER shift_correction_insert_only BEFORE UPDATE OR DELETE ON shift_correction
    FOR EACH ROW EXECUTE FUNCTION shift_record_is_insert_only();
CREATE TRIGGER daily_close_insert_only BEFORE UPDATE OR DELETE ON daily_close
    FOR EACH ROW EXECUTE FUNCTION shift_record_is_insert_only();

-- An order's shift, once set, is never moved to another.
CREATE FUNCTION order_shift_is_fixed() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'order % already belongs to shift %', OLD.id, OLD.shift_id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fuel_order_shift_fixed BEFORE UPDATE OF shift_id ON fuel_order
    FOR EACH ROW WHEN (OLD.shift_id IS NOT NULL AND NEW.shift_id IS DISTINCT FROM OLD.shift_id)
    EXECUTE FUNCTION order_shift_is_fixed();
"""


def _sqlite_guard() -> list[str]:
    def refuse(name, when_on, when, message):
        condition = f" WHEN {when}" if when else ""
        return f"CREATE TRIGGER {name} BEFORE {when_on}{condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"

    shift_change = SHIFT_CHANGE_REFUSED.replace("IS DISTINCT FROM", "IS NOT")
    reading_closed = "(SELECT status FROM shift WHERE id = OLD.shift_id) <> 'open'"
    statements = [
        refuse("shift_no_update", "UPDATE ON shift FOR EACH ROW", shift_change, "shift is closed"),
        refuse("shift_no_delete", "DELETE ON shift FOR EACH ROW", "OLD.status <> 'open'", "shift is closed"),
        refuse("shift_reading_no_update", "UPDATE ON shift_reading FOR EACH ROW", reading_closed, "shift is closed"),
        refuse("shift_reading_no_delete", "DELETE ON shift_reading FOR EACH ROW", reading_closed, "shift is closed"),
        refuse(
            "fuel_order_shift_fixed", "UPDATE OF shift_id ON fuel_order FOR EACH ROW",
            "OLD.shift_id IS NOT NULL AND NEW.shift_id IS NOT OLD.shift_id", "order shift fixed",
        ),
    ]
    for table in INSERT_ONLY:
        for verb in ("UPDATE", "DELETE"):
            statements.append(refuse(f"{table}_no_{verb.lower()}", f"{verb} ON {table}", None, f"{table} is insert-only"))
    return statements


SQLITE_TRIGGERS = (
    "shift_no_update", "shift_no_delete", "shift_reading_no_update", "shift_reading_no_delete",
    "fuel_order_shift_fixed", "shift_correction_no_update", "shift_correction_no_delete",
    "daily_close_no_update", "daily_close_no_delete",
)


def guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_PG)
        return
    for statement in _sqlite_guard():
        op.execute(statement)


def drop_guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fuel_order_shift_fixed ON fuel_order")
        op.execute("DROP FUNCTION IF EXISTS order_shift_is_fixed()")
        for table in INSERT_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS shift_record_is_insert_only()")
        op.execute("DROP TRIGGER IF EXISTS shift_reading_fixed ON shift_reading")
        op.execute("DROP FUNCTION IF EXISTS shift_reading_is_fixed()")
        op.execute("DROP TRIGGER IF EXISTS shift_fixed ON shift")
        op.execute("DROP FUNCTION IF EXISTS shift_is_fixed()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('daily_close',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('shift_count', sa.Integer(), nullable=False),
    sa.Column('sold_ml', sa.Integer(), nullable=False),
    sa.Column('sold_fen', sa.Integer(), nullable=False),
    sa.Column('metered_ml', sa.Integer(), nullable=False),
    sa.Column('expected_cash_fen', sa.Integer(), nullable=False),
    sa.Column('counted_cash_fen', sa.Integer(), nullable=False),
    sa.Column('over_short_fen', sa.Integer(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('over_short_fen = counted_cash_fen - expected_cash_fen', name=op.f('ck_daily_close_over_short')),
    sa.CheckConstraint('shift_count > 0', name=op.f('ck_daily_close_has_shifts')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_daily_close_chain_id_chain')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['staff.id'], name=op.f('fk_daily_close_closed_by_id_staff')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_daily_close_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_close')),
    sa.UniqueConstraint('station_id', 'business_date', name=op.f('uq_daily_close_station_id_business_date'))
    )
    op.create_table('shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('previous_shift_id', sa.Integer(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=True),
    sa.Column('sold_ml', sa.Integer(), nullable=True),
    sa.Column('sold_fen', sa.Integer(), nullable=True),
    sa.Column('metered_ml', sa.Integer(), nullable=True),
    sa.Column('expected_cash_fen', sa.Integer(), nullable=True),
    sa.Column('counted_cash_fen', sa.Integer(), nullable=True),
    sa.Column('over_short_fen', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('daily_close_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status <> 'accepted' OR (accepted_by_id IS NOT NULL AND accepted_at IS NOT NULL AND accepted_by_id <> closed_by_id)", name=op.f('ck_shift_accepted_by_other')),
    sa.CheckConstraint("status = 'open' OR (closed_at IS NOT NULL AND closed_by_id IS NOT NULL AND business_date IS NOT NULL AND counted_cash_fen IS NOT NULL AND expected_cash_fen IS NOT NULL AND sold_ml IS NOT NULL AND sold_fen IS NOT NULL)", name=op.f('ck_shift_closed_complete')),
    sa.CheckConstraint("status IN ('open', 'closed', 'accepted')", name=op.f('ck_shift_status_valid')),
    sa.CheckConstraint('closed_at IS NULL OR closed_at >= opened_at', name=op.f('ck_shift_closed_after_open')),
    sa.CheckConstraint('counted_cash_fen >= 0', name=op.f('ck_shift_counted_not_negative')),
    sa.CheckConstraint('expected_cash_fen >= 0', name=op.f('ck_shift_expected_not_negative')),
    sa.CheckConstraint('over_short_fen = counted_cash_fen - expected_cash_fen', name=op.f('ck_shift_over_short')),
    sa.CheckConstraint('sold_ml >= 0 AND metered_ml >= 0', name=op.f('ck_shift_litres_not_negative')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['staff.id'], name=op.f('fk_shift_accepted_by_id_staff')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_shift_chain_id_chain')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['staff.id'], name=op.f('fk_shift_closed_by_id_staff')),
    sa.ForeignKeyConstraint(['daily_close_id'], ['daily_close.id'], name=op.f('fk_shift_daily_close_id_daily_close')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['staff.id'], name=op.f('fk_shift_opened_by_id_staff')),
    sa.ForeignKeyConstraint(['previous_shift_id'], ['shift.id'], name=op.f('fk_shift_previous_shift_id_shift')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_shift_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift')),
    sa.UniqueConstraint('previous_shift_id', name=op.f('uq_shift_previous_shift_id'))
    )
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_station_date', ['station_id', 'business_date'], unique=False)
        batch_op.create_index('uq_shift_open_station', ['station_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('shift_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('nozzle_id', sa.Integer(), nullable=True),
    sa.Column('delta_fen', sa.Integer(), nullable=True),
    sa.Column('delta_ml', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'cash' AND delta_fen IS NOT NULL AND delta_fen <> 0 AND delta_ml IS NULL) OR (kind = 'reading' AND delta_ml IS NOT NULL AND delta_ml <> 0 AND nozzle_id IS NOT NULL AND delta_fen IS NULL) OR (kind = 'note' AND delta_fen IS NULL AND delta_ml IS NULL)", name=op.f('ck_shift_correction_delta_fits_kind')),
    sa.CheckConstraint("kind IN ('cash', 'reading', 'note')", name=op.f('ck_shift_correction_kind_valid')),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_shift_correction_reason_given')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_shift_correction_chain_id_chain')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_shift_correction_created_by_id_staff')),
    sa.ForeignKeyConstraint(['nozzle_id'], ['nozzle.id'], name=op.f('fk_shift_correction_nozzle_id_nozzle')),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_shift_correction_shift_id_shift')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_shift_correction_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_correction'))
    )
    with op.batch_alter_table('shift_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_correction_shift_id'), ['shift_id'], unique=False)

    op.create_table('shift_reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=False),
    sa.Column('nozzle_id', sa.Integer(), nullable=False),
    sa.Column('nozzle_number', sa.Integer(), nullable=False),
    sa.Column('fuel_id', sa.Integer(), nullable=False),
    sa.Column('opening_ml', sa.BigInteger(), nullable=False),
    sa.Column('closing_ml', sa.BigInteger(), nullable=True),
    sa.Column('test_pour_ml', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('jump_before_ml', sa.BigInteger(), nullable=True),
    sa.Column('jump_after_ml', sa.BigInteger(), nullable=True),
    sa.Column('jump_reason', sa.String(length=200), server_default='', nullable=False),
    sa.Column('metered_ml', sa.Integer(), nullable=True),
    sa.Column('sold_ml', sa.Integer(), nullable=True),
    sa.CheckConstraint("(jump_before_ml IS NULL) = (jump_after_ml IS NULL) AND (jump_before_ml IS NULL OR jump_reason <> '')", name=op.f('ck_shift_reading_jump_complete')),
    sa.CheckConstraint('closing_ml IS NULL OR (jump_before_ml IS NULL AND closing_ml >= opening_ml) OR (jump_before_ml IS NOT NULL AND jump_before_ml >= opening_ml AND closing_ml >= jump_after_ml)', name=op.f('ck_shift_reading_closing_not_below')),
    sa.CheckConstraint('closing_ml IS NULL OR test_pour_ml <= CASE WHEN jump_before_ml IS NULL THEN closing_ml - opening_ml ELSE (jump_before_ml - opening_ml) + (closing_ml - jump_after_ml) END', name=op.f('ck_shift_reading_pour_within')),
    sa.CheckConstraint('metered_ml IS NULL OR metered_ml = CASE WHEN jump_before_ml IS NULL THEN closing_ml - opening_ml ELSE (jump_before_ml - opening_ml) + (closing_ml - jump_after_ml) END - test_pour_ml', name=op.f('ck_shift_reading_metered')),
    sa.CheckConstraint('opening_ml >= 0 AND (closing_ml IS NULL OR closing_ml >= 0) AND test_pour_ml >= 0 AND (jump_before_ml IS NULL OR jump_before_ml >= 0) AND (jump_after_ml IS NULL OR jump_after_ml >= 0)', name=op.f('ck_shift_reading_readings_not_negative')),
    sa.ForeignKeyConstraint(['chain_id'], ['chain.id'], name=op.f('fk_shift_reading_chain_id_chain')),
    sa.ForeignKeyConstraint(['fuel_id'], ['fuel.id'], name=op.f('fk_shift_reading_fuel_id_fuel')),
    sa.ForeignKeyConstraint(['nozzle_id'], ['nozzle.id'], name=op.f('fk_shift_reading_nozzle_id_nozzle')),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_shift_reading_shift_id_shift')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_shift_reading_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_reading')),
    sa.UniqueConstraint('shift_id', 'nozzle_id', name=op.f('uq_shift_reading_shift_id_nozzle_id'))
    )
    with op.batch_alter_table('shift_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_reading_shift_id'), ['shift_id'], unique=False)

    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shift_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_fuel_order_shift_id'), ['shift_id'], unique=False)
        batch_op.create_index('ix_fuel_order_unshifted', ['station_id'], unique=False, postgresql_where=sa.text('shift_id IS NULL AND fueled_at IS NOT NULL'), sqlite_where=sa.text('shift_id IS NULL AND fueled_at IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_fuel_order_shift_id_shift'), 'shift', ['shift_id'], ['id'])

    # ### end Alembic commands ###
    guard()


def downgrade():
    drop_guard()
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('fuel_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_fuel_order_shift_id_shift'), type_='foreignkey')
        batch_op.drop_index('ix_fuel_order_unshifted', postgresql_where=sa.text('shift_id IS NULL AND fueled_at IS NOT NULL'), sqlite_where=sa.text('shift_id IS NULL AND fueled_at IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_fuel_order_shift_id'))
        batch_op.drop_column('shift_id')

    with op.batch_alter_table('shift_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_reading_shift_id'))

    op.drop_table('shift_reading')
    with op.batch_alter_table('shift_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_correction_shift_id'))

    op.drop_table('shift_correction')
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('uq_shift_open_station', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_shift_station_date')

    op.drop_table('shift')
    op.drop_table('daily_close')
    # ### end Alembic commands ###
