"""The points console pages: rules (a new version by chain admins), the catalogue (made, changed,
stock, 上架/下架, exported), redemptions (searched by station, exported), verifying a code at
the counter and a member's points; each checked for role, station and CSRF, in Chinese, with
nothing changed when refused."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, PointsItem, PointsRedemption, PointsRule
from app.models.base import utcnow
from app.services.marketing.points import adjusting, codes, mine, redeeming
from tests.console.conftest import page
from tests.factories import make_member
from tests.marketing.conftest import local
from tests.marketing.points_helpers import assert_books_ok, entries, make_item, make_rule

pytestmark = pytest.mark.travel(hour=10)


def rule_form(world, **changes) -> dict:
    form = {
        "basis": "yuan",
        f"fuel_{world.fuels['92'].id}_points": "1",
        f"fuel_{world.fuels['92'].id}_per": "1",
        f"fuel_{world.fuels['0'].id}_points": "1",
        f"fuel_{world.fuels['0'].id}_per": "2",
        "daily_cap": "500",
        "expiry_months": "12",
        "effective_from": "",
        "note": "开业规则",
    }
    return form | changes


def member_with_code(world, openid="o-wash", phone="13800001234"):
    member = make_member(world.chain, openid)
    member.phone, member.nickname = phone, "张师傅"
    db.session.commit()
    adjusting.adjust(world.admin, member.id, 300, "开业赠送")
    redemption = redeeming.redeem(member, make_item(world, points=100).id)
    return member, mine.redemption(member, redemption.id).code


def rule_count() -> int:
    db.session.expire_all()
    return len(db.session.scalars(select(PointsRule)).all())


def test_a_chain_admin_makes_a_new_version_managers_only_read(as_staff, world):
    admin = as_staff("admin")
    html = page(admin.get("/console/points"))
    assert "目前没有生效的积分规则" in html and "新建规则版本" in html
    answer = admin.post("/console/points/rules", rule_form(world))
    assert answer.status_code == 303
    html = page(admin.get("/console/points"))
    assert "已保存第 1 版积分规则" in html and "0#柴油：每 2 元积 1 分" in html
    assert "每年获得的积分于次年年底" in html
    past = local(utcnow() - timedelta(days=2))
    answer = admin.post("/console/points/rules", rule_form(world, effective_from=past))
    assert answer.status_code == 400 and "生效时间不能早于现在" in page(answer)
    bad = {f"fuel_{world.fuels['92'].id}_points": "x", "expiry_months": "99"}
    answer = admin.post("/console/points/rules", rule_form(world, **bad))
    assert answer.status_code == 400 and "请填写整数" in page(answer)
    answer = admin.post("/console/points/rules", rule_form(world, expiry_months="99"))
    assert "过期时间应为 0 到 60 个月" in page(answer)
    answer = admin.post("/console/points/rules", rule_form(world), csrf=False)
    assert "页面已过期，请重新操作" in page(admin.get(answer.headers["Location"]))
    assert rule_count() == 1
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "points_rule.create"))
    assert entry.one().after["daily_cap"] == 500
    assert "新建积分规则版本" in page(admin.get("/console/audit"))


def test_rules_are_for_managers_to_read_and_not_for_cashiers(as_staff, world, console):
    make_rule(world)
    manager = as_staff("manager_a")
    html = page(manager.get("/console/points"))
    assert "92#汽油：每 1 元积 1 分" in html and "新建规则版本" not in html
    assert manager.post("/console/points/rules", rule_form(world)).status_code == 403
    assert rule_count() == 1
    cashier = as_staff("cashier_a")
    assert cashier.get("/console/points").status_code == 403
    assert cashier.get("/console/points/items").status_code == 403
    assert cashier.get("/console/points/redemptions").status_code == 403
    assert "积分核销" in page(cashier.get("/console/"))


def test_the_rules_page_shows_the_points_members_hold_by_expiry(as_staff, world):
    make_rule(world)
    manager = as_staff("manager_a")
    assert "会员目前没有持有积分" in page(manager.get("/console/points"))
    member_with_code(world)  # 300 given, 100 spent on a car wash
    other = make_member(world.chain, "o-other")
    adjusting.adjust(world.admin, other.id, 45, "开业赠送")
    html = page(manager.get("/console/points"))
    assert "<strong>245 分</strong> 尚未使用也未过期" in html
    assert html.count('<td class="num">245</td>') == 1  # one year's lot, one expiry line
    assert re.search(r"<td>\d{4}-12-31 24:00</td>", html)  # the end of next year
    assert_books_ok()


def item_form(**changes) -> dict:
    form = {"kind": "car_wash", "name": "精致洗车一次", "points": "300", "stock_total": "20"}
    return form | changes


def test_a_chain_admin_runs_the_catalogue(as_staff, world):
    admin = as_staff("admin")
    answer = admin.post("/console/points/items", item_form(stock_total="x"))
    assert answer.status_code == 400 and "请填写整数" in page(answer)
    answer = admin.post("/console/points/items", item_form(points="0"))
    assert answer.status_code == 400 and "所需积分应为 1 到" in page(answer)
    answer = admin.post("/console/points/items", item_form(kind="coupon"))
    assert "请选择要兑换的加油券" in page(answer)
    assert admin.post("/console/points/items", item_form()).status_code == 303
    item = db.session.scalars(select(PointsItem)).one()
    html = page(admin.get("/console/points/items"))
    assert "精致洗车一次" in html and "剩 20 / 20" in html
    edit = f"/console/points/items/{item.id}"
    assert "库存：剩 20 / 共 20" in page(admin.get(edit + "/edit"))
    answer = admin.post(edit, item_form(name="洗车一次", points="250"))
    assert answer.status_code == 303
    admin.post(edit + "/stock", {"change": "-25"})
    assert "剩余库存只有 20，不能减少 25" in page(admin.get(edit + "/edit"))
    admin.post(edit + "/stock", {"change": "-5"})
    admin.post(edit + "/stopped", {})
    db.session.expire_all()
    item = db.session.get(PointsItem, item.id)
    assert (item.name, item.points, item.stock_left, item.status) == (
        "洗车一次",
        250,
        15,
        "stopped",
    )
    html = page(admin.get("/console/points/items?status=stopped", htmx=True))
    assert "洗车一次" in html and "<html" not in html
    assert admin.get("/console/points/items?kind=boat").status_code == 400
    sheet = load_workbook(io.BytesIO(admin.get("/console/points/items/export.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("编号", "名称", "类型") and rows[1][1:3] == ("洗车一次", "洗车")
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == [
        "points_item.create",
        "points_item.update",
        "points_item.stock",
        "points_item.stop",
    ]


def test_managers_see_the_catalogue_but_do_not_change_it(as_staff, world):
    item = make_item(world, stock_total=5)
    manager = as_staff("manager_a")
    html = page(manager.get("/console/points/items"))
    assert "精致洗车一次" in html and ">下架</button>" not in html and "编辑" not in html
    assert manager.get("/console/points/items/new").status_code == 403
    assert manager.post("/console/points/items", item_form()).status_code == 403
    assert manager.post(f"/console/points/items/{item.id}/stopped", {}).status_code == 403
    assert (
        manager.post(f"/console/points/items/{item.id}/stock", {"change": "5"}).status_code == 403
    )
    admin = as_staff("admin")
    response = admin.post(f"/console/points/items/{item.id}/stopped", {}, csrf=False)
    assert "页面已过期" in page(admin.get(response.headers["Location"]))
    db.session.expire_all()
    assert (db.session.get(PointsItem, item.id).status, item.stock_left) == ("active", 5)


def test_a_cashier_verifies_a_code_once_at_their_station(as_staff, world):
    _, code = member_with_code(world)
    cashier = as_staff("cashier_a")
    html = page(cashier.get("/console/points/verify"))
    assert "核销油站：昆明北京路加油站" in html
    answer = cashier.post("/console/points/verify", {"station_id": world.station_a.id, "code": "1"})
    assert answer.status_code == 400 and "兑换码为 12 位数字" in page(answer)
    form = {"station_id": world.station_a.id, "code": codes.shown(code)}
    answer = cashier.post("/console/points/verify", form)
    assert answer.status_code == 200 and "已核销：精致洗车一次（100 积分）" in page(answer)
    again = cashier.post("/console/points/verify", form)
    assert again.status_code == 409 and "不能重复使用" in page(again)
    assert db.session.scalar(select(PointsRedemption.status)) == "used"
    assert_books_ok()


def test_verifying_is_refused_at_another_station_and_without_csrf(as_staff, world):
    _, code = member_with_code(world)
    cashier = as_staff("cashier_a")
    answer = cashier.post(
        "/console/points/verify", {"station_id": world.station_b.id, "code": code}
    )
    assert answer.status_code == 403
    answer = cashier.post(
        "/console/points/verify", {"station_id": world.station_a.id, "code": code}, csrf=False
    )
    assert "页面已过期" in page(cashier.get(answer.headers["Location"]))
    attendant = as_staff("attendant_a")
    assert attendant.get("/console/points/verify").status_code == 403
    form = {"station_id": world.station_a.id, "code": code}
    assert attendant.post("/console/points/verify", form).status_code == 403
    assert attendant.get("/console/points/members?phone=1234").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(PointsRedemption.status)) == "unused"


def test_redemptions_are_searched_by_station_and_exported(as_staff, world):
    _, code = member_with_code(world)
    _, other_code = member_with_code(world, "o-li", "13900005678")
    codes.verify(world.cashier_a, world.station_a.id, code)
    codes.verify(world.admin, world.station_b.id, other_code)
    manager = as_staff("manager_a")
    html = page(manager.get("/console/points/redemptions"))
    assert "138****1234" in html and "139****5678" not in html  # verified at their station only
    assert "13800001234" not in html
    station_b = f"/console/points/redemptions?station_id={world.station_b.id}"
    assert manager.get(station_b).status_code == 403
    assert manager.get("/console/points/redemptions?phone=12").status_code == 400
    admin = as_staff("admin")
    html = page(admin.get("/console/points/redemptions?status=used"))
    assert "138****1234" in html and "139****5678" in html
    sheet = load_workbook(
        io.BytesIO(admin.get("/console/points/redemptions/export.xlsx").data)
    ).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("编号", "商品", "类型", "积分") and len(rows) == 3
    assert {row[5] for row in rows[1:]} == {"138****1234", "139****5678"}


def test_a_members_points_are_found_by_phone_and_adjusted_by_a_chain_admin(as_staff, world):
    member, _ = member_with_code(world)
    cashier = as_staff("cashier_a")
    html = page(cashier.get("/console/points/members?phone=1234"))
    assert "张师傅" in html and "200" in html
    assert cashier.get("/console/points/members?phone=12").status_code == 400
    url = f"/console/points/members/{member.id}"
    html = page(cashier.get(url))
    assert "兑换「精致洗车一次」" in html and "调整积分" not in html
    assert cashier.post(url + "/adjust", {"delta": "50", "reason": "补偿"}).status_code == 403
    admin = as_staff("admin")
    answer = admin.post(url + "/adjust", {"delta": "-500", "reason": "扣错"})
    assert answer.status_code == 400 and "积分不足：会员现有 200 积分" in page(answer)
    answer = admin.post(url + "/adjust", {"delta": "abc", "reason": "x"})
    assert answer.status_code == 400 and "请填写整数" in page(answer)
    answer = admin.post(url + "/adjust", {"delta": "+50", "reason": "投诉补偿"})
    assert answer.status_code == 303
    assert "已调整 +50 积分，现有 250 积分" in page(admin.get(url))
    other_chain_member = 999_999
    assert admin.get(f"/console/points/members/{other_chain_member}").status_code == 404
    assert [delta for _, delta, _ in entries(member)] == [300, -100, 50]
    assert "调整会员积分" in page(admin.get("/console/audit"))
    assert_books_ok()


def test_every_form_of_the_points_pages_needs_its_csrf_token(as_staff, world):
    member, code = member_with_code(world)
    item = db.session.scalars(select(PointsItem)).one()
    admin = as_staff("admin")
    posts = [
        ("/console/points/rules", rule_form(world)),
        ("/console/points/items", item_form()),
        (f"/console/points/items/{item.id}", item_form(name="改名")),
        (f"/console/points/items/{item.id}/stock", {"change": "5"}),
        (f"/console/points/items/{item.id}/stopped", {}),
        ("/console/points/verify", {"station_id": world.station_a.id, "code": code}),
        (f"/console/points/members/{member.id}/adjust", {"delta": "5", "reason": "补偿"}),
    ]
    before = entries(member)
    for url, form in posts:
        answer = admin.post(url, form, csrf=False)
        assert answer.status_code == 303, url
        assert "页面已过期，请重新操作" in page(admin.get(answer.headers["Location"])), url
    db.session.expire_all()
    assert rule_count() == 0 and entries(member) == before
    assert [(i.name, i.status) for i in db.session.scalars(select(PointsItem))] == [
        ("精致洗车一次", "active")
    ]
    assert db.session.scalar(select(PointsRedemption.status)) == "unused"
    html = page(admin.get("/console/points/redemptions", htmx=True))
    assert "<html" not in html and "138****1234" in html
