"""The coupon templates' console pages: the menu, roles and stations refused (with nothing
changed), CSRF on every form, the form with its preview and Chinese errors, activate and stop,
gifts, and the Excel export."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, CouponGift, CouponTemplate
from app.models.base import utcnow
from app.services.marketing import templates
from app.services.platform.clock import to_local
from tests.console.conftest import page
from tests.marketing.helpers import active_template, fields
from tests.money.topup_helpers import make_package

URL = "/console/coupons"
FORM = {
    "name": "周末满减",
    "kind": "amount_off",
    "off": "10",
    "min_spend": "100",
    "validity": "relative",
    "valid_days": "7",
    "stock_total": "500",
    "per_member_limit": "2",
    "claimable": "y",
}


def stored() -> list[tuple]:
    db.session.expire_all()
    query = select(CouponTemplate.name, CouponTemplate.status, CouponTemplate.station_id)
    return db.session.execute(query.order_by(CouponTemplate.id)).all()


def sidebar(html: str) -> str:
    return html.split('class="sidebar"')[1].split("</nav>")[0]


def test_the_menu_links_the_coupons_for_managers_and_admins_only(as_staff, console, world):
    for username in ("manager_a", "admin"):
        assert f'href="{URL}"' in sidebar(page(as_staff(username).get("/console/")))
    for username in ("cashier_a", "attendant_a"):
        console.client.delete_cookie("session")
        console.login(username)
        home = console.get("/console/")
        assert f'href="{URL}"' not in page(home)


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashiers_and_attendants_are_refused_every_page_and_form(as_staff, world, username):
    template = active_template(world.manager_a, world.station_a)
    console = as_staff(username)
    gets = ["", "/new", "/export.xlsx", f"/{template.id}/edit", "/issued", "/issued/export.xlsx"]
    for path in gets:
        assert console.get(URL + path).status_code == 403, path
    posts = ["", "/preview", f"/{template.id}", f"/{template.id}/stop", f"/{template.id}/gifts"]
    for path in posts:
        assert console.post(URL + path, FORM).status_code == 403, path
    assert stored() == [("满100减10", "active", world.station_a.id)]


def test_a_manager_creates_a_draft_for_the_station_and_activates_it(as_staff, world):
    manager = as_staff("manager_a")
    form = page(manager.get(URL + "/new"))
    assert "全部油站（总部通用）" not in form and "昆明北京路加油站" in form
    preview = manager.post(URL + "/preview", FORM, htmx=True)
    assert preview.status_code == 200 and "满100减10" in page(preview)
    assert "领取后7天内有效" in page(preview) and "每人限领 2 张" in page(preview)
    assert manager.post(URL, FORM).status_code == 403  # no station: the chain's
    created = manager.post(URL, FORM | {"station_id": str(world.station_a.id)})
    assert created.status_code == 303
    assert stored() == [("周末满减", "draft", world.station_a.id)]
    template_id = db.session.scalar(select(CouponTemplate.id))
    edit = page(manager.get(created.headers["Location"]))
    assert "保存发放设置" in edit and "由总部设置" in edit
    assert manager.post(f"{URL}/{template_id}/activate", {"back": "edit"}).status_code == 303
    assert stored() == [("周末满减", "active", world.station_a.id)]
    listed = page(manager.get(URL))
    assert "周末满减" in listed and "满100减10" in listed and "剩 500 / 500" in listed


def test_the_form_tells_what_is_wrong_in_chinese(as_staff, world):
    manager = as_staff("admin")
    answer = manager.post(URL, FORM | {"name": "", "kind": "percent_off", "zhe": "十折"})
    assert answer.status_code == 400
    html = page(answer)
    assert "请填写优惠券名称" in html and "折扣请填写 1 到 9.9 之间的折数" in html
    answer = manager.post(URL, FORM | {"kind": "percent_off", "zhe": "9"})
    assert answer.status_code == 400 and "请填写最高优惠金额" in page(answer)
    answer = manager.post(URL, FORM | {"min_spend": "5"})
    assert "使用门槛应高于减免金额" in page(answer)
    answer = manager.post(URL, FORM | {"note": "限本人\x00使用"})
    assert answer.status_code == 400 and "含有无效字符" in page(answer)
    assert stored() == []
    assert manager.post(URL, FORM | {"note": "限本人使用\r\n不找零"}).status_code == 303
    assert db.session.scalar(select(CouponTemplate.note)) == "限本人使用\r\n不找零"


def test_manager_of_a_cannot_touch_b_s_or_the_chain_s_templates(as_staff, world):
    theirs = active_template(world.manager_b, world.station_b, name="大理券")
    chain = active_template(world.admin, name="总部券")
    manager = as_staff("manager_a")
    assert manager.get(f"{URL}/{theirs.id}/edit").status_code == 404
    assert manager.get(f"{URL}/{chain.id}/edit").status_code == 403
    for template, status in ((theirs, 404), (chain, 403)):
        for path in ("", "/stop", "/activate", "/gifts"):
            response = manager.post(f"{URL}/{template.id}{path}", FORM | {"join_quantity": "1"})
            assert response.status_code == status, (template.name, path)
    answer = manager.post(URL, FORM | {"station_id": str(world.station_b.id)})
    assert answer.status_code == 403
    listed = page(manager.get(URL))
    assert "总部券" in listed and "仅总部可改" in listed and "大理券" not in listed
    assert stored() == [("大理券", "active", world.station_b.id), ("总部券", "active", None)]
    assert db.session.scalars(select(CouponGift)).all() == []


def test_forms_without_the_csrf_token_change_nothing(as_staff, world):
    template = active_template(world.admin)
    draft = templates.create_template(world.admin, None, **fields(name="草稿"))
    admin = as_staff("admin")
    audited = db.session.scalars(select(AuditLog.id)).all()
    posts = [
        (URL, FORM),
        (f"{URL}/{template.id}", FORM),
        (f"{URL}/{template.id}/stop", {}),
        (f"{URL}/{draft.id}/activate", {}),
        (f"{URL}/{template.id}/gifts", {"join_quantity": "1"}),
    ]
    for url, data in posts:
        for htmx in (False, True):
            response = admin.post(url, data, csrf=False, htmx=htmx)
            assert response.status_code in (303, 204), url
            location = response.headers.get("Location") or response.headers["HX-Redirect"]
            assert "页面已过期，请重新操作" in page(admin.get(location))
    assert stored() == [("满100减10", "active", None), ("草稿", "draft", None)]
    assert db.session.scalars(select(AuditLog.id)).all() == audited
    assert db.session.scalars(select(CouponGift)).all() == []


def test_an_activated_template_keeps_its_rule(as_staff, world):
    template = active_template(world.admin, stock_total=100)
    admin = as_staff("admin")
    edit = page(admin.get(f"{URL}/{template.id}/edit"))
    assert "优惠内容、有效期和适用范围已固定" in edit
    same = {"name": "改名了", "kind": "amount_off", "off": "10.00", "min_spend": "100.00"}
    same |= {"validity": "relative", "valid_days": "30", "stock_total": "200"}
    same |= {"per_member_limit": "1", "claimable": "y"}
    assert admin.post(f"{URL}/{template.id}", same).status_code == 303
    db.session.expire_all()
    saved = db.session.get(CouponTemplate, template.id)
    assert (saved.name, saved.stock_total, saved.stock_left) == ("改名了", 200, 200)
    answer = admin.post(f"{URL}/{template.id}", same | {"off": "20"})
    assert answer.status_code == 400 and "不能修改优惠规则" in page(answer)


def test_gifts_are_set_on_the_template_page(as_staff, world):
    package = make_package(world.chain)
    template = active_template(world.admin, claimable=False)
    admin = as_staff("admin")
    edit = page(admin.get(f"{URL}/{template.id}/edit"))
    assert "充500送30" in edit and "新会员注册时赠送" in edit
    data = {"join_quantity": "2", f"package_{package.id}": "1"}
    assert admin.post(f"{URL}/{template.id}/gifts", data).status_code == 303
    db.session.expire_all()
    gifts = db.session.execute(select(CouponGift.event, CouponGift.quantity)).all()
    assert sorted(gifts) == [("join", 2), ("topup", 1)]
    audit = page(admin.get("/console/audit"))
    assert "设置优惠券发放" in audit and "新会员礼" in audit and "充500送30 1 张" in audit
    assert "新建优惠券" in audit and "满100减10" in audit
    text = " ".join(re.sub(r"<[^>]+>", " ", audit).split())
    assert "启用优惠券 优惠券「满100减10」 状态： 草稿 → 发放中" in text
    response = admin.post(f"{URL}/{template.id}/gifts", {"join_quantity": "99"})
    assert "赠送张数应为 0 到 10 的整数" in page(admin.get(response.headers["Location"]))


def test_the_list_pages_filters_and_exports(as_staff, world):
    for n in range(23):
        active_template(world.admin, name=f"券{n:02d}")
    templates.stop_template(world.admin, 1)
    admin = as_staff("admin")
    first = page(admin.get(URL))
    assert "券22" in first and "券02" not in first and "下一页" in first
    assert "券02" in page(admin.get(URL + "?page=2"))
    stopped = page(admin.get(URL + "?status=stopped", htmx=True))
    assert "券00" in stopped and "券01" not in stopped
    assert admin.get(URL + "?status=lost").status_code == 400
    sheet = load_workbook(io.BytesIO(admin.get(URL + "/export.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("编号", "名称", "所属", "优惠方式", "优惠内容")
    assert len(rows) == 24 and rows[1][1] == "券22" and rows[1][4] == "满100减10"


@pytest.mark.travel(hour=23)
def test_a_template_past_its_last_day_reads_ended(as_staff, world, travel):
    today = to_local(utcnow()).date()
    made = active_template(
        world.admin, name="限时满减", validity="fixed", first_day=today, last_day=today
    )
    admin = as_staff("admin")

    def state() -> str:
        row = page(admin.get(URL)).split(f'id="coupon-{made.id}"')[1].split("</tr>")[0]
        return re.search(r'<span class="badge [^"]*">([^<]+)</span>', row).group(1)

    assert state() == "发放中"
    travel.shift(timedelta(hours=2))  # past midnight: its last day is over
    assert state() == "已结束"
