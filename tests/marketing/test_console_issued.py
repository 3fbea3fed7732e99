"""The issued coupons' console page: found by phone, template and status, paged and exported with
masked phones; voided with a reason by who manages the template, CSRF required, nothing changed
when refused."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Coupon
from app.services.marketing import issuing
from tests.console.conftest import page
from tests.factories import make_member
from tests.marketing.helpers import active_template

URL = "/console/coupons/issued"


def member(world, openid, phone, nickname):
    made = make_member(world.chain, openid)
    made.phone, made.nickname = phone, nickname
    db.session.commit()
    return made


def statuses() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(Coupon.status).order_by(Coupon.id)).all()


def test_staff_find_coupons_by_phone_template_and_status(as_staff, world):
    own = active_template(world.manager_a, world.station_a, name="北京路满减")
    chain = active_template(world.admin, name="总部直降", kind="per_litre", per_litre_fen=30)
    zhang = member(world, "o-zhang", "13800001234", "张师傅")
    li = member(world, "o-li", "13900005678", "李师傅")
    for who, template in ((zhang, own), (zhang, chain), (li, chain)):
        issuing.issue_coupon(who, template, "claim")
    db.session.commit()
    manager = as_staff("manager_a")
    html = page(manager.get(URL + "?phone=1234"))
    assert "张师傅" in html and "李师傅" not in html and "138****1234" in html
    assert "13800001234" not in html
    html = page(manager.get(f"{URL}?template_id={chain.id}", htmx=True))
    assert "李师傅" in html and "北京路满减" not in html.split("<tbody>")[1]
    answer = manager.get(URL + "?phone=12&status=lost")
    assert answer.status_code == 400
    assert "手机号请输入完整的 11 位或后 4 位" in page(answer) and "请选择状态" in page(answer)
    sheet = load_workbook(io.BytesIO(manager.get(URL + "/export.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("券号", "优惠券", "优惠内容", "会员", "手机号")
    assert {row[4] for row in rows[1:]} == {"138****1234", "139****5678"}
    assert manager.get(URL + "/export.xlsx?phone=1").status_code == 400


def test_a_manager_voids_their_station_s_coupon_with_a_reason(as_staff, world):
    own = active_template(world.manager_a, world.station_a)
    coupon = issuing.issue_coupon(member(world, "o-zhang", "13800001234", "张师傅"), own, "claim")
    db.session.commit()
    manager = as_staff("manager_a")
    back = f"{URL}?phone=1234"
    assert 'name="reason"' in page(manager.get(back))
    answer = manager.post(f"{URL}/{coupon.id}/void", {"reason": "", "back": back})
    assert answer.status_code == 303 and answer.headers["Location"] == back
    assert "请填写作废原因" in page(manager.get(back))
    assert statuses() == ["available"]
    answer = manager.post(f"{URL}/{coupon.id}/void", {"reason": "车主要求作废", "back": back})
    assert "已作废这张券" in page(manager.get(answer.headers["Location"]))
    assert statuses() == ["voided"]
    again = manager.post(
        f"{URL}/{coupon.id}/void", {"reason": "再来", "back": "https://evil.example/"}
    )
    assert again.headers["Location"] == URL
    assert "这张券已作废，不能作废" in page(manager.get(URL))
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "coupon.void")).one()
    assert entry.after["reason"] == "车主要求作废"
    audit = page(manager.get("/console/audit"))
    assert "作废优惠券" in audit and "张师傅 的优惠券「满100减10」" in audit


def test_void_is_refused_for_other_stations_the_chain_cashiers_and_without_csrf(as_staff, world):
    theirs = active_template(world.manager_b, world.station_b)
    chain = active_template(world.admin)
    own = active_template(world.manager_a, world.station_a)
    zhang = member(world, "o-zhang", "13800001234", "张师傅")
    coupons = [issuing.issue_coupon(zhang, t, "claim") for t in (theirs, chain, own)]
    db.session.commit()
    manager = as_staff("manager_a")
    assert manager.post(f"{URL}/{coupons[0].id}/void", {"reason": "x"}).status_code == 404
    assert manager.post(f"{URL}/{coupons[1].id}/void", {"reason": "x"}).status_code == 403
    listed = page(manager.get(URL))
    assert listed.count('name="reason"') == 1  # only their own station's coupon
    response = manager.post(f"{URL}/{coupons[2].id}/void", {"reason": "x"}, csrf=False)
    assert "页面已过期，请重新操作" in page(manager.get(response.headers["Location"]))
    cashier = as_staff("cashier_a")
    assert cashier.post(f"{URL}/{coupons[2].id}/void", {"reason": "x"}).status_code == 403
    assert statuses() == ["available"] * 3
    assert db.session.scalars(select(AuditLog).where(AuditLog.action == "coupon.void")).all() == []
