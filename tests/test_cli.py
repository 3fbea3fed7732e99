"""flask seed-demo and create-admin."""

from sqlalchemy import func, select

from app import demo_data
from app.extensions import db
from app.models import Fuel, FuelPrice, Member, Nozzle, Staff, Station, StationPhoto
from app.models.base import utcnow
from app.services import ledger
from app.services.catalogue import pricing
from app.services.staff import passwords


def test_seed_demo_is_complete_and_idempotent(app, app_ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "km001.manager" in first.output and "demo1234" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "未重复加载" in second.output

    all_stations = db.session.scalars(select(Station)).all()
    assert len(all_stations) >= 6
    assert {"昆明", "大理", "丽江", "西双版纳"} <= {s.city for s in all_stations}
    for station in all_stations:
        count = db.session.scalar(
            select(func.count(Nozzle.id)).where(Nozzle.station_id == station.id)
        )
        assert 4 <= count <= 12
        assert (
            db.session.scalar(
                select(func.count(StationPhoto.id)).where(StationPhoto.station_id == station.id)
            )
            >= 1
        )
        rows = pricing.fuel_rows(station.id, utcnow())
        for row in rows:
            if row.enabled:
                assert 600 <= row.current.member_price_fen <= row.current.list_price_fen <= 1100
        roles = {s.role for s in db.session.scalars(select(Staff)) if station.id in s.station_ids}
        assert roles == {"manager", "cashier", "attendant"}
    assert {f.code for f in db.session.scalars(select(Fuel))} == {"92", "95", "98", "0"}
    assert db.session.scalar(select(func.count(Member.id))) >= 2
    assert db.session.scalar(select(func.count(Station.id))) == len(all_stations)
    closed_at_night = [s for s in all_stations if any(h.closes_min < 1440 for h in s.hours)]
    assert closed_at_night
    assert (
        db.session.scalar(select(func.count(FuelPrice.id)).where(FuelPrice.effective_at > utcnow()))
        > 0
    ), "a scheduled price change shows the feature in the demo"
    assert passwords.authenticate("km001.manager", "demo1234") is not None
    driver = db.session.scalar(select(Member).where(Member.openid == "demo-driver-1"))
    assert ledger.wallet_balance(driver.id) == demo_data.DEMO_WALLET_FEN
    assert ledger.check() == []


def test_create_admin_creates_chain_and_refuses_weak_password(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--username",
            "boss",
            "--chain-code",
            "dian",
            "--chain-name",
            "滇油",
            "--password",
            "Strong2026pw",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = passwords.authenticate("boss", "Strong2026pw")
    assert admin.role == "chain_admin"
    assert (
        db.session.scalar(select(func.count(Fuel.id)).where(Fuel.chain_id == admin.chain_id)) == 4
    )
    weak = runner.invoke(
        args=["create-admin", "--username", "boss2", "--chain-code", "dian", "--password", "123"]
    )
    assert weak.exit_code != 0
    assert db.session.scalar(select(Staff).where(Staff.username == "boss2")) is None
