"""campaigns (issue 14, point 5): time-boxed pricing rules (会员日, 首单立减, 满额立减) with
their stations or cities, the first-order discounts taken (UNIQUE member: once per member, the
database decides), and on each order the campaigns it got and what they took off (CHECKs: never
negative, only with their campaign)

Revision ID: 0029
Revises: 0028

"""

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

RULE_FITS_KIND = (
    "(kind = 'members_day' AND per_litre_fen BETWEEN 1 AND 500 AND off_fen IS NULL"
    " AND max_off_fen IS NULL AND threshold_fen = 0 AND NOT repeating)"
    " OR (kind = 'first_order' AND NOT repeating AND threshold_fen >= 0"
    " AND ((off_fen > 0 AND per_litre_fen IS NULL AND max_off_fen IS NULL)"
    " OR (per_litre_fen BETWEEN 1 AND 500 AND off_fen IS NULL"
    " AND (max_off_fen IS NULL OR max_off_fen > 0))))"
    " OR (kind = 'spend_off' AND per_litre_fen IS NULL AND threshold_fen > 0"
    " AND off_fen > 0 AND off_fen < threshold_fen"
    " AND ((NOT repeating AND max_off_fen IS NULL) OR (repeating AND max_off_fen >= off_fen)))"
)
WITH_CAMPAIGN = sa.text("campaign_id IS NOT NULL")
WITH_DAY_CAMPAIGN = sa.text("day_campaign_id IS NOT NULL")


def _order_shift_guard_sqlite() -> str | None:
    """0016's SQLite guard on fuel_order: rebuilding the table in batch mode drops it."""
    for statement in context.script.get_revision("0016").module._sqlite_guard():
        if statement.split()[2] == "fuel_order_shift_fixed":
            return statement
    return None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("fuel_ids", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("stacks_with_coupon", sa.Boolean(), nullable=False),
        sa.Column("per_litre_fen", sa.Integer(), nullable=True),
        sa.Column("off_fen", sa.Integer(), nullable=True),
        sa.Column("threshold_fen", sa.Integer(), nullable=False),
        sa.Column("repeating", sa.Boolean(), nullable=False),
        sa.Column("max_off_fen", sa.Integer(), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("month_days", sa.JSON(), nullable=False),
        sa.Column("day_starts_min", sa.Integer(), nullable=False),
        sa.Column("day_ends_min", sa.Integer(), nullable=False),
        sa.Column("tier_ids", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('members_day', 'first_order', 'spend_off')",
            name=op.f("ck_campaign_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'ended', 'cancelled')",
            name=op.f("ck_campaign_status_valid"),
        ),
        sa.CheckConstraint(
            "scope IN ('chain', 'cities', 'stations')", name=op.f("ck_campaign_scope_valid")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_campaign_period")),
        sa.CheckConstraint(RULE_FITS_KIND, name=op.f("ck_campaign_rule_fits_kind")),
        sa.CheckConstraint(
            "day_starts_min >= 0 AND day_ends_min <= 1440 AND day_ends_min > day_starts_min",
            name=op.f("ck_campaign_day_window"),
        ),
        _fk("campaign", "chain_id", "chain"),
        _fk("campaign", "created_by_id", "staff"),
        _fk("campaign", "ended_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_live", ["chain_id", "status", "starts_at"], unique=False)
        batch_op.create_index("ix_campaign_chain", ["chain_id", "id"], unique=False)

    op.create_table(
        "campaign_station",
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        _fk("campaign_station", "chain_id", "chain"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_station_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        _fk("campaign_station", "station_id", "station"),
        sa.PrimaryKeyConstraint("campaign_id", "station_id", name=op.f("pk_campaign_station")),
    )
    with op.batch_alter_table("campaign_station", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_station_station", ["station_id"], unique=False)

    op.create_table(
        "campaign_city",
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        _fk("campaign_city", "chain_id", "chain"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_city_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "city", name=op.f("pk_campaign_city")),
    )

    with op.batch_alter_table("fuel_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("day_campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("day_cut_fen", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("campaign_fen", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("dispensed_day_fen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dispensed_campaign_fen", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_fuel_order_day_campaign_id_campaign"), "campaign", ["day_campaign_id"], ["id"]
        )
        batch_op.create_foreign_key(
            op.f("fk_fuel_order_campaign_id_campaign"), "campaign", ["campaign_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_fuel_order_day_cut"),
            "day_cut_fen >= 0 AND (day_campaign_id IS NOT NULL OR day_cut_fen = 0)",
        )
        batch_op.create_check_constraint(
            op.f("ck_fuel_order_campaign_saving"),
            "campaign_fen >= 0 AND (campaign_id IS NOT NULL OR campaign_fen = 0)",
        )
        batch_op.create_check_constraint(
            op.f("ck_fuel_order_dispensed_campaign"),
            "(dispensed_day_fen IS NULL OR (dispensed_day_fen >= 0"
            " AND day_campaign_id IS NOT NULL AND dispensed_fen IS NOT NULL))"
            " AND (dispensed_campaign_fen IS NULL OR (dispensed_campaign_fen >= 0"
            " AND campaign_id IS NOT NULL AND dispensed_fen IS NOT NULL))",
        )
        batch_op.create_index(
            "ix_fuel_order_campaign",
            ["campaign_id"],
            unique=False,
            postgresql_where=WITH_CAMPAIGN,
            sqlite_where=WITH_CAMPAIGN,
        )
        batch_op.create_index(
            "ix_fuel_order_day_campaign",
            ["day_campaign_id"],
            unique=False,
            postgresql_where=WITH_DAY_CAMPAIGN,
            sqlite_where=WITH_DAY_CAMPAIGN,
        )

    op.create_table(
        "first_order_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('held', 'used')", name=op.f("ck_first_order_claim_status_valid")
        ),
        sa.CheckConstraint(
            "status <> 'used' OR used_at IS NOT NULL", name=op.f("ck_first_order_claim_used_when")
        ),
        _fk("first_order_claim", "chain_id", "chain"),
        _fk("first_order_claim", "member_id", "member"),
        _fk("first_order_claim", "campaign_id", "campaign"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["fuel_order.id"], name=op.f("fk_first_order_claim_order_id_fuel_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_first_order_claim")),
        sa.UniqueConstraint("member_id", name=op.f("uq_first_order_claim_member_id")),
        sa.UniqueConstraint("order_id", name=op.f("uq_first_order_claim_order_id")),
    )
    with op.batch_alter_table("first_order_claim", schema=None) as batch_op:
        batch_op.create_index("ix_first_order_claim_campaign", ["campaign_id"], unique=False)

    if sqlite:
        guard = _order_shift_guard_sqlite()
        op.execute("DROP TRIGGER IF EXISTS fuel_order_shift_fixed")
        if guard:
            op.execute(guard)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("first_order_claim")
    with op.batch_alter_table("fuel_order", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_fuel_order_day_campaign",
            postgresql_where=WITH_DAY_CAMPAIGN,
            sqlite_where=WITH_DAY_CAMPAIGN,
        )
        batch_op.drop_index(
            "ix_fuel_order_campaign", postgresql_where=WITH_CAMPAIGN, sqlite_where=WITH_CAMPAIGN
        )
        batch_op.drop_constraint(op.f("ck_fuel_order_dispensed_campaign"), type_="check")
        batch_op.drop_constraint(op.f("ck_fuel_order_campaign_saving"), type_="check")
        batch_op.drop_constraint(op.f("ck_fuel_order_day_cut"), type_="check")
        batch_op.drop_constraint(op.f("fk_fuel_order_campaign_id_campaign"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_fuel_order_day_campaign_id_campaign"), type_="foreignkey")
        for column in (
            "dispensed_campaign_fen",
            "dispensed_day_fen",
            "campaign_fen",
            "campaign_id",
            "day_cut_fen",
            "day_campaign_id",
        ):
            batch_op.drop_column(column)
    op.drop_table("campaign_city")
    with op.batch_alter_table("campaign_station", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_station_station")
    op.drop_table("campaign_station")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_chain")
        batch_op.drop_index("ix_campaign_live")
    op.drop_table("campaign")
    if sqlite:
        guard = _order_shift_guard_sqlite()
        op.execute("DROP TRIGGER IF EXISTS fuel_order_shift_fixed")
        if guard:
            op.execute(guard)
