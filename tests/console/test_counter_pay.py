"""会员码付款 at the counter: the driver shows the member code, the cashier picks the nozzle and
the amount, and the order is placed and paid from the wallet (member price, principal first,
ledger, the station's live event), once per code; refusals pay nothing."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, MemberCode, MissGuard, Order, StationEvent, Wallet
from app.services import ledger
from app.services.members import member_code, wallet_admin
from app.services.platform.money import amount_for_volume
from tests.console.conftest import page
from tests.console.member_helpers import driver
from tests.factories import make_staff
from tests.money.topup_helpers import credited_topup

PAY = "/console/members/counter-pay"


@pytest.fixture
def zhang(world):
    member = driver(world, "张师傅", "13812345678", ("云A12345",))
    credited_topup(member, world.station_a, principal_fen=20000, bonus_fen=5000)
    return member


def form(world, code, **more):
    """220 元 at nozzle 1 (92#) of station A unless told otherwise."""
    data = {"station_id": world.station_a.id, "code": code, "nozzle": 1, "mode": "amount"}
    return data | {"amount": "220"} | more


def orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order).order_by(Order.id)))


def wallet(member) -> Wallet:
    db.session.expire_all()
    return db.session.scalar(select(Wallet).where(Wallet.member_id == member.id))


def used(code: str) -> bool:
    db.session.expire_all()
    digest = hashlib.sha256(code.encode()).hexdigest()
    row = db.session.scalar(select(MemberCode).where(MemberCode.code_hash == digest))
    return row.used_at is not None


def test_the_card_lists_the_stations_nozzles(as_staff, world):
    html = page(as_staff("cashier_a").get("/console/members"))
    assert "会员码付款（车主在场）" in html and "1 号枪 · 92#汽油" in html
    assert "4 号枪 · 0#柴油" in html
    admin = page(as_staff("admin").get("/console/members"))  # no working station yet
    assert "请先选择您所在的油站" in admin and "大理古城加油站" in admin


def test_pays_from_the_wallet_at_member_price_principal_first(as_staff, world, zhang):
    console = as_staff("cashier_a")
    code, _ = member_code.issue(zhang)
    response = console.post(PAY, form(world, code))
    assert response.status_code == 303, page(response)
    member_page = f"/console/members/{zhang.id}?station_id={world.station_a.id}"
    assert response.headers["Location"].endswith(member_page)
    [order] = orders()
    html = page(console.get(response.headers["Location"]))
    assert f"已从会员钱包付款 ¥220.00（订单 {order.order_no}，1 号枪）" in html
    assert (order.status, order.payment_method, order.paid_fen) == ("paid", "wallet", 22000)
    assert (order.unit_price_fen, order.list_price_fen, order.member_price_applied) == (
        748,
        768,
        True,
    )
    assert order.bonus_paid_fen == 2000  # 200 principal first, then 20 of the bonus
    assert (wallet(zhang).principal_fen, wallet(zhang).bonus_fen) == (0, 3000)
    events = db.session.scalars(select(StationEvent).where(StationEvent.order_id == order.id))
    assert [(e.kind, e.station_id) for e in events] == [("order.paid", world.station_a.id)]
    entry = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "order")).one()
    assert entry.action == "order.counter_wallet_pay" and entry.actor_staff_id == world.cashier_a.id
    assert entry.after == {
        "order_no": order.order_no,
        "amount_fen": 22000,
        "member": "张师傅",
        "nozzle": 1,
    }
    audit_page = page(as_staff("admin").get("/console/audit"))
    assert "会员码钱包付款（柜台）" in audit_page
    replay = as_staff("cashier_a").post(PAY, form(world, code, amount="10"))
    assert replay.status_code == 400 and "会员码无效或已失效" in page(replay)
    assert len(orders()) == 1 and wallet(zhang).bonus_fen == 3000
    assert ledger.check() == []


def test_pays_by_litres_at_the_member_price(as_staff, world, zhang):
    code, _ = member_code.issue(zhang)
    response = as_staff("cashier_a").post(PAY, form(world, code, mode="volume", litres="20.5"))
    assert response.status_code == 303, page(response)
    [order] = orders()
    assert (order.preset_volume_ml, order.amount_fen) == (20500, amount_for_volume(748, 20500))
    assert order.status == "paid"
    assert ledger.check() == []


@pytest.mark.travel
def test_an_expired_or_unknown_code_pays_nothing(as_staff, world, zhang, travel):
    console = as_staff("cashier_a")
    code, _ = member_code.issue(zhang)
    travel.shift(timedelta(seconds=60))
    late = console.post(PAY, form(world, code))
    assert late.status_code == 400 and "会员码无效或已失效" in page(late)
    unknown = console.post(PAY, form(world, "88" + "0" * 16))
    assert unknown.status_code == 400 and "再错 4 次将暂停识别会员码" in page(unknown)
    db.session.expire_all()
    assert db.session.get(MissGuard, f"member-code-staff:{world.cashier_a.id}").misses == 1
    for n in range(1, 5):  # misses count on this path too, up to the lockout
        console.post(PAY, form(world, f"88{n:016d}"))
    locked = console.post(PAY, form(world, member_code.issue(zhang)[0]))
    assert locked.status_code == 400 and "已暂停识别会员码" in page(locked)
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "member_code.lockout"))
    assert orders() == [] and wallet(zhang).principal_fen == 20000
    assert ledger.check() == []


def test_a_short_wallet_pays_nothing_and_the_code_still_works(as_staff, world, zhang):
    console = as_staff("cashier_a")
    code, _ = member_code.issue(zhang)
    short = console.post(PAY, form(world, code, amount="300"))
    assert short.status_code == 400 and "钱包余额不足" in page(short)
    assert orders() == [] and not used(code)
    assert (wallet(zhang).principal_fen, wallet(zhang).bonus_fen) == (20000, 5000)
    again = console.post(PAY, form(world, code, amount="250"))
    assert again.status_code == 303 and used(code)
    assert (wallet(zhang).principal_fen, wallet(zhang).bonus_fen) == (0, 0)
    assert ledger.check() == []


def test_a_frozen_wallet_pays_nothing(as_staff, world, zhang):
    wallet_admin.freeze_wallet(world.manager_a, zhang.id, "车主挂失手机", world.station_a.id)
    code, _ = member_code.issue(zhang)
    response = as_staff("cashier_a").post(PAY, form(world, code))
    assert response.status_code == 400 and "钱包已冻结" in page(response)
    assert orders() == [] and not used(code)
    assert ledger.check() == []


def test_the_fields_say_what_is_wrong(as_staff, world, zhang):
    console = as_staff("cashier_a")
    code, _ = member_code.issue(zhang)
    cases = [
        ({"code": ""}, "请扫描或输入会员码"),
        ({"amount": ""}, "请输入金额"),
        ({"amount": "1.234"}, "金额最多两位小数"),
        ({"amount": "0.5"}, "金额应在 1 元到"),
        ({"mode": "volume", "litres": "abc"}, "请输入升数"),
        ({"mode": "volume", "litres": "0.5"}, "加油量应不少于 1 升"),
        ({"nozzle": "9"}, "本站没有9号枪"),
        ({"nozzle": ""}, "请选择油枪"),
    ]
    for change, message in cases:
        response = console.post(PAY, form(world, code) | change)
        assert response.status_code == 400 and message in page(response), change
    assert orders() == [] and not used(code)
    assert ledger.check() == []


def test_only_counter_staff_of_that_station_may_pay(as_staff, world, zhang):
    make_staff(world.chain, "cashier", [world.station_b], "cashier_b")
    db.session.commit()
    code, _ = member_code.issue(zhang)
    assert as_staff("cashier_b").post(PAY, form(world, code)).status_code == 403
    assert as_staff("attendant_a").post(PAY, form(world, code)).status_code == 403
    assert orders() == [] and not used(code)
    assert ledger.check() == []


def test_a_post_without_the_csrf_token_pays_nothing(as_staff, world, zhang):
    console = as_staff("cashier_a")
    code, _ = member_code.issue(zhang)
    response = console.post(PAY, form(world, code), csrf=False)
    assert response.status_code == 303 and "counter-pay" not in response.headers["Location"]
    assert orders() == [] and not used(code)
    assert db.session.scalar(select(func.count(StationEvent.id))) == 0
    assert ledger.check() == []
