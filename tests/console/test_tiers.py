"""会员等级 in the console: chain admins edit, managers only read, other roles are refused;
CSRF on every form; wrong input told next to its field."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Chain, Tier
from app.services.members import tiers
from tests.console.conftest import page
from tests.money.tier_helpers import add_tier

URL = "/console/tiers"


def cut_fields(world, **yuan) -> dict:
    return {f"cut_{world.fuels[code].id}": value for code, value in yuan.items()}


def stored(world) -> list[tuple]:
    db.session.expire_all()
    query = select(Tier.name, Tier.rank, Tier.threshold).where(Tier.chain_id == world.chain.id)
    return [tuple(row) for row in db.session.execute(query.order_by(Tier.rank))]


def test_admin_adds_a_tier_in_yuan(as_staff, world):
    admin = as_staff("admin")
    html = page(admin.get(URL))
    assert "还没有设置会员等级" in html and "新增等级" in html and "保存考核规则" in html
    data = {"name": "金卡", "threshold": "8000", **cut_fields(world, **{"92": "0.10", "95": ""})}
    response = admin.post(URL, data)
    assert (response.status_code, response.headers["Location"]) == (303, URL)
    assert stored(world) == [("金卡", 1, 800_000)]
    gold = db.session.scalars(select(Tier)).one()
    assert tiers.tier_cuts(gold.id) == {world.fuels["92"].id: 10}
    html = page(admin.get(URL))
    assert "已新增等级「金卡」" in html and "8000.00 元" in html and "0.10" in html
    assert "新增会员等级" in page(admin.get("/console/audit"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "threshold": "8000"}, "必填"),
        ({"name": "金卡", "threshold": "abc"}, "请输入数字"),
        ({"name": "金卡", "threshold": "0"}, "门槛应大于 0"),
        ({"name": "银卡", "threshold": "9000"}, "已有名为「银卡」的等级"),
        ({"name": "金卡", "threshold": "2000"}, "门槛与「银卡」相同"),
        ({"name": "金卡", "threshold": "8000", "cut": "5.01"}, "每升降价应在 0 到 5.00 元之间"),
        ({"name": "金卡", "threshold": "8000", "cut": "0.1x"}, "请输入金额"),
    ],
)
def test_wrong_input_is_shown_next_to_its_field(as_staff, world, data, message):
    add_tier(world, "银卡", 200_000)
    admin = as_staff("admin")
    data = dict(data)
    if "cut" in data:
        data.update(cut_fields(world, **{"92": data.pop("cut")}))
    response = admin.post(URL, data)
    assert response.status_code == 400
    assert message in page(response)
    assert stored(world) == [("银卡", 1, 200_000)]


def test_admin_edits_and_deletes(as_staff, world):
    gold = add_tier(world, "金卡", 800_000, {"92": 10})
    admin = as_staff("admin")
    html = page(admin.get(f"{URL}/{gold.id}/edit"))
    assert 'value="8000.00"' in html and 'value="0.10"' in html
    data = {"name": "黄金卡", "threshold": "9000", **cut_fields(world, **{"92": "0.20"})}
    response = admin.post(f"{URL}/{gold.id}", data)
    assert response.status_code == 303
    assert stored(world) == [("黄金卡", 1, 900_000)]
    assert tiers.tier_cuts(gold.id) == {world.fuels["92"].id: 20}
    bad = admin.post(f"{URL}/{gold.id}", {"name": "黄金卡", "threshold": "-1"})
    assert bad.status_code == 400 and "门槛应大于 0" in page(bad)
    response = admin.post(f"{URL}/{gold.id}/delete")
    assert response.status_code == 303
    assert stored(world) == []
    assert "已删除等级「黄金卡」" in page(admin.get(URL))


def test_admin_switches_the_metric_with_every_threshold(as_staff, world):
    silver = add_tier(world, "银卡", 200_000)
    admin = as_staff("admin")
    missing = admin.post(f"{URL}/rules", {"metric": "litres", "window_days": "180"})
    assert missing.status_code == 400
    assert "更换考核指标时，请重新填写每个等级的门槛" in page(missing)
    data = {"metric": "litres", "window_days": "180", f"threshold_{silver.id}": "1500"}
    assert admin.post(f"{URL}/rules", data).status_code == 303
    chain = db.session.get(Chain, world.chain.id)
    db.session.refresh(chain)
    assert (chain.tier_metric, chain.tier_window_days) == ("litres", 180)
    assert stored(world) == [("银卡", 1, 1_500_000)]
    html = page(admin.get(URL))
    assert "1500 升" in html and "最近 180 天" in html
    short = admin.post(f"{URL}/rules", {"metric": "litres", "window_days": "7"})
    assert short.status_code == 400 and "考核周期应为 30 到 730 天" in page(short)


def test_managers_read_but_cannot_change(as_staff, world):
    gold = add_tier(world, "金卡", 800_000, {"92": 10})
    manager = as_staff("manager_a")
    html = page(manager.get(URL))
    assert "金卡" in html and "8000.00 元" in html and "会员等级由总部管理员设置" in html
    assert "新增等级" not in html and "保存考核规则" not in html and "删除" not in html
    for url, data in (
        (URL, {"name": "钻石卡", "threshold": "20000"}),
        (f"{URL}/{gold.id}", {"name": "金卡", "threshold": "1"}),
        (f"{URL}/{gold.id}/delete", {}),
        (f"{URL}/rules", {"metric": "litres", "window_days": "90"}),
    ):
        response = manager.post(url, data)
        assert response.status_code == 403, url
    assert manager.get(f"{URL}/{gold.id}/edit").status_code == 403  # the list is for reading
    assert stored(world) == [("金卡", 1, 800_000)]
    assert db.session.scalar(select(func.count(AuditLog.id))) == 1  # the admin's creation


@pytest.mark.parametrize("who", ["cashier_a", "attendant_a"])
def test_other_roles_are_refused(console, world, who):
    gold = add_tier(world, "金卡", 800_000)
    assert console.login(who).status_code == 303
    for url in (URL, f"{URL}/{gold.id}/edit"):
        assert console.get(url).status_code == 403
    assert console.post(URL, {"name": "钻石卡", "threshold": "20000"}).status_code == 403
    assert stored(world) == [("金卡", 1, 800_000)]


def test_a_tier_of_another_chain_is_not_found(as_staff, world):
    from tests.factories import ChainFactory, make_staff

    other = ChainFactory()
    other_admin = make_staff(other, "chain_admin", [], "other_admin")
    db.session.commit()
    theirs = tiers.create_tier(other_admin, "金卡", 800_000, {})
    admin = as_staff("admin")
    assert admin.get(f"{URL}/{theirs.id}/edit").status_code == 404
    assert admin.post(f"{URL}/{theirs.id}/delete").status_code == 404
    assert db.session.get(Tier, theirs.id) is not None


def test_forms_without_the_csrf_token_change_nothing(as_staff, world):
    gold = add_tier(world, "金卡", 800_000)
    admin = as_staff("admin")
    admin.get(URL)
    for url, data in (
        (URL, {"name": "钻石卡", "threshold": "20000"}),
        (f"{URL}/{gold.id}/delete", {}),
        (f"{URL}/rules", {"metric": "spend", "window_days": "90"}),
    ):
        response = admin.post(url, data, csrf=False)
        assert response.status_code == 303, url
        assert "页面已过期，请重新操作" in page(admin.get(response.headers["Location"]))
    assert stored(world) == [("金卡", 1, 800_000)]
    assert db.session.get(Chain, world.chain.id).tier_window_days == 365


def test_the_menu_links_the_page_for_managers_and_admins(as_staff, world):
    assert 'href="/console/tiers"' in page(as_staff("manager_a").get("/console/"))


def test_the_menu_has_no_link_for_cashiers(console, world):
    console.login("cashier_a")
    assert 'href="/console/tiers"' not in page(console.get("/console/"))
