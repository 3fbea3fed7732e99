"""Top-up packages: who may manage which, their rules, their time window, and the amounts a
top-up may be started with (all refused before WeChat is asked)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Topup
from app.models.base import utcnow
from app.services.members import packages, top_ups
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.money.topup_helpers import make_package

FIXED = {"name": "充500送30", "kind": "fixed", "pay_fen": 50_000, "bonus_fen": 3_000}
FREE = {"name": "自定义金额", "kind": "free", "min_fen": 1_000, "max_fen": 200_000}


@pytest.fixture
def member(world):
    return make_member(world.chain)


def test_each_scope_is_managed_by_its_own_staff_and_audited(world):
    mine = packages.create_package(world.manager_a, world.station_a.id, **FIXED)
    assert (mine.station_id, mine.created_by_id, mine.enabled) == (
        world.station_a.id,
        world.manager_a.id,
        True,
    )
    with pytest.raises(PermissionDenied):
        packages.create_package(world.manager_a, None, **FIXED)  # chain-wide: admins only
    with pytest.raises(PermissionDenied):
        packages.create_package(world.manager_b, world.station_a.id, **FIXED)
    with pytest.raises(PermissionDenied):
        packages.create_package(world.cashier_a, world.station_a.id, **FIXED)
    with pytest.raises(PermissionDenied):
        packages.update_package(world.manager_b, mine.id, **FIXED)
    with pytest.raises(PermissionDenied):
        packages.disable_package(world.cashier_a, mine.id)
    chain_wide = packages.create_package(world.admin, None, **FREE)
    with pytest.raises(PermissionDenied):
        packages.disable_package(world.manager_a, chain_wide.id)
    with pytest.raises(NotFound):
        packages.get_package(world.admin, 999_999)

    packages.update_package(world.manager_a, mine.id, **(FIXED | {"bonus_fen": 5_000}))
    packages.disable_package(world.manager_a, mine.id)
    packages.disable_package(world.manager_a, mine.id)  # again: nothing more to record
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_id == mine.id).order_by(AuditLog.id)
    ).all()
    assert actions == ["topup_package.create", "topup_package.update", "topup_package.disable"]
    update = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "topup_package.update")
    ).one()
    assert (update.before, update.after) == ({"bonus_fen": 3_000}, {"bonus_fen": 5_000})

    rows = {row.package.id: row for row in packages.list_packages(world.manager_a)}
    assert (rows[mine.id].state, rows[mine.id].may_edit) == ("disabled", True)
    assert (rows[chain_wide.id].state, rows[chain_wide.id].may_edit) == ("live", False)
    assert rows[chain_wide.id].station_name == "全部油站"
    assert [r.package.id for r in packages.list_packages(world.manager_b)] == [chain_wide.id]


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        (FIXED | {"bonus_fen": 50_001}, "bonus_fen"),
        (FIXED | {"pay_fen": 50}, "pay_fen"),
        (FIXED | {"name": " "}, "name"),
        (FREE | {"max_fen": 500}, "max_fen"),
        (FREE | {"bonus_fen": 100}, "bonus_fen"),
        (FIXED | {"kind": "gift"}, "kind"),
        (FIXED | {"starts_at": utcnow(), "ends_at": utcnow() - timedelta(hours=1)}, "ends_at"),
    ],
)
def test_wrong_packages_name_the_field(world, fields, wrong):
    with pytest.raises(Invalid) as refused:
        packages.create_package(world.admin, None, **fields)
    assert wrong in refused.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


@pytest.mark.travel(hour=9)
def test_the_window_is_honoured_to_the_second(world, travel, member):
    now = utcnow()
    timed = make_package(
        world.chain,
        name="国庆充值",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    always = make_package(world.chain, world.station_a, name="本站常驻", bonus_fen=1_000)
    make_package(world.chain, world.station_b, name="大理专享")
    make_package(world.chain, name="已停用", enabled=False)

    def names(station=None):
        return [p.name for p in packages.live_packages(world.chain.id, station)]

    assert names() == []
    assert names(world.station_a.id) == ["本站常驻"]
    with pytest.raises(Invalid, match="已结束或尚未开始"):
        top_ups.start_topup(member, timed.id)
    travel.move_to(now + timedelta(hours=1))
    assert names() == ["国庆充值"]
    assert set(names(world.station_a.id)) == {"国庆充值", "本站常驻"}
    travel.move_to(now + timedelta(hours=2) - timedelta(seconds=1))
    assert names() == ["国庆充值"]
    travel.move_to(now + timedelta(hours=2))
    assert names() == []
    with pytest.raises(Invalid, match="已结束或尚未开始"):
        top_ups.start_topup(member, timed.id)
    with pytest.raises(Invalid, match="只适用于其所属油站"):
        top_ups.start_topup(member, always.id, station_id=world.station_b.id)
    assert db.session.scalar(select(func.count(Topup.id))) == 0


def test_free_amounts_stay_within_the_limits(world, member):
    with pytest.raises(Invalid, match="暂不支持自定义金额"):
        top_ups.start_topup(member, amount_fen=20_000)
    fixed = make_package(world.chain)
    free = make_package(world.chain, kind="free", min_fen=1_000, max_fen=200_000)
    with pytest.raises(Invalid, match=r"10\.00 元到 2000\.00 元之间"):
        top_ups.start_topup(member, amount_fen=999)
    with pytest.raises(Invalid, match=r"10\.00 元到 2000\.00 元之间"):
        top_ups.start_topup(member, free.id, amount_fen=200_001)
    with pytest.raises(Invalid, match="请填写充值金额"):
        top_ups.start_topup(member, free.id)
    with pytest.raises(Invalid, match="不能修改金额"):
        top_ups.start_topup(member, fixed.id, amount_fen=60_000)
    with pytest.raises(Invalid, match="请选择充值套餐"):
        top_ups.start_topup(member)
    with pytest.raises(NotFound):
        top_ups.start_topup(member, 999_999)
    with pytest.raises(NotFound):
        top_ups.start_topup(member, fixed.id, station_id=999_999)
    assert db.session.scalar(select(func.count(Topup.id))) == 0
    assert_ledger_ok()
