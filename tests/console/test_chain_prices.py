"""Head office's chain-wide price change: preview every station's old and new price, then one
audited, all-or-nothing batch of scheduled prices; refusals, repeats and cancelling."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Chain, FuelPrice
from app.models.base import utcnow
from app.services.catalogue import chain_prices, pricing
from app.services.platform import clock
from tests.console.conftest import page
from tests.factories import StationFactory

URL = "/console/chain-prices"
# Every test travels to 10:00 in Beijing: the coming 24:00 is 14 hours away.
pytestmark = pytest.mark.travel(hour=10)


@pytest.fixture
def admin(as_staff, world):
    console = as_staff("admin")
    console.get(URL)
    return console


def midnight():
    return chain_prices.coming_midnight()


def local(moment) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def form(world, **changes) -> dict:
    data = {
        "fuel_id": world.fuels["92"].id,
        "list_price": "8.00",
        "member_price": "7.80",
        "effective_at": local(midnight()),
        "scope": "all",
    }
    return {**data, **changes}


def batch_rows(world, moment=None):
    query = select(FuelPrice).where(
        FuelPrice.fuel_id == world.fuels["92"].id,
        FuelPrice.effective_at == (moment or midnight()),
        FuelPrice.cancelled_at.is_(None),
    )
    db.session.expire_all()
    return list(db.session.scalars(query.order_by(FuelPrice.station_id)))


def audit_count(action=chain_prices.ACTION) -> int:
    return db.session.scalar(select(func.count()).where(AuditLog.action == action))


def price_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FuelPrice))


def row_html(html: str, station) -> str:
    start = html.index(f'id="preview-{station.id}"')
    return html[start : html.index("</tr>", start)]


def test_page_is_in_the_menu_and_defaults_to_the_coming_midnight(admin, world):
    html = page(admin.get(URL))
    assert "统一调价" in html
    tomorrow = (clock.to_local(utcnow()) + timedelta(days=1)).strftime("%Y-%m-%d")
    assert f'value="{tomorrow}T00:00"' in html
    assert "昆明北京路加油站（昆明）" in html and "大理" in html


def test_preview_shows_old_and_new_prices_including_a_change_scheduled_before(admin, world):
    # Station A's manager already moved 92# to 7.90 / 7.70 from 20:00 today.
    evening = utcnow() + timedelta(hours=10)
    pricing.schedule_price(
        world.manager_a, world.station_a.id, world.fuels["92"].id, 790, 770, evening
    )
    count = price_count()
    response = admin.post(URL + "/preview", form(world), htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert 'id="chain-price-work"' in html and "<html" not in html
    a_row, b_row = row_html(html, world.station_a), row_html(html, world.station_b)
    for text in ("7.90", "7.70", "8.00", "7.80", "+0.10", "已排定的调价", "将调价"):
        assert text in a_row
    for text in ("7.68", "7.48", "+0.32", "将调价"):
        assert text in b_row
    assert "已排定的调价" not in b_row
    assert "确认调价（2 个油站）" in html
    assert price_count() == count  # a preview saves nothing


def test_preview_of_a_price_cut_shows_negative_differences(admin, world):
    html = page(admin.post(URL + "/preview", form(world, list_price="7.50", member_price="7.30")))
    assert "-0.18" in row_html(html, world.station_b)


def test_apply_schedules_one_row_per_station_and_one_audit_entry(admin, world):
    version = db.session.get(Chain, world.chain.id).catalogue_version
    response = admin.post(URL + "/apply", form(world))
    assert response.status_code == 303 and response.headers["Location"] == URL
    rows = batch_rows(world)
    assert [r.station_id for r in rows] == [world.station_a.id, world.station_b.id]
    assert {(r.list_price_fen, r.member_price_fen, r.created_by_id) for r in rows} == {
        (800, 780, world.admin.id)
    }
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == chain_prices.ACTION))
    assert entry.actor_staff_id == world.admin.id and entry.station_id is None
    assert entry.after["list_price_fen"] == 800 and entry.after["member_price_fen"] == 780
    stations = {s["station_id"]: s for s in entry.after["stations"]}
    assert {k: s["price_id"] for k, s in stations.items()} == {r.station_id: r.id for r in rows}
    assert stations[world.station_b.id]["station"] == "大理古城加油站"
    assert {s["before_list_fen"] for s in stations.values()} == {768}
    db.session.expire_all()
    assert db.session.get(Chain, world.chain.id).catalogue_version == version + 1
    html = page(admin.get(URL))
    assert "已为 2 个油站排定调价" in html and "整批取消" in html
    assert "总部统一调价" in page(admin.get("/console/audit"))


def test_stations_not_selling_the_fuel_are_skipped(admin, world):
    station_c = StationFactory(chain=world.chain, name="昆明新站", code="KM009")
    db.session.commit()
    html = page(admin.post(URL + "/preview", form(world)))
    assert "跳过" in row_html(html, station_c) and "不销售92#汽油" in row_html(html, station_c)
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    assert [r.station_id for r in batch_rows(world)] == [world.station_a.id, world.station_b.id]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == chain_prices.ACTION))
    assert entry.after["skipped"] == ["昆明新站"]


def test_by_city_and_by_chosen_list(admin, world):
    assert admin.post(URL + "/apply", form(world, scope="city", city="大理")).status_code == 303
    assert [r.station_id for r in batch_rows(world)] == [world.station_b.id]
    later = midnight() + timedelta(days=1)
    data = form(world, scope="list", station_ids=[world.station_a.id], effective_at=local(later))
    assert admin.post(URL + "/apply", data).status_code == 303
    assert [r.station_id for r in batch_rows(world, later)] == [world.station_a.id]


@pytest.mark.parametrize("who", ["manager_a", "cashier_a"])
def test_only_head_office_may_change_prices_chain_wide(as_staff, world, who):
    console = as_staff(who)
    html = page(console.get("/console/"))
    assert "统一调价" not in html
    assert console.get(URL).status_code == 403
    assert console.post(URL + "/preview", form(world)).status_code == 403
    assert console.post(URL + "/apply", form(world)).status_code == 403
    assert batch_rows(world) == [] and audit_count() == 0


def test_a_post_without_csrf_token_is_refused(admin, world):
    response = admin.post(URL + "/apply", form(world), csrf=False)
    assert response.status_code == 303  # back to the page with "页面已过期"
    assert batch_rows(world) == [] and audit_count() == 0
    assert "页面已过期" in page(admin.get(URL))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"list_price": "0"}, "挂牌价：每升价格应在 1 到 50 元之间"),
        ({"member_price": "8.10"}, "会员价：会员价不能高于挂牌价"),
        ({"effective_at": "past"}, "生效时间：必须晚于现在"),
        ({"effective_at": ""}, "生效时间：请选择日期和时间"),
        ({"scope": "list"}, "油站：请至少选择一个油站"),
        ({"scope": "city"}, "城市：请选择一个城市"),
    ],
)
@pytest.mark.parametrize("step", ["preview", "apply"])
def test_bad_input_names_the_field_and_saves_nothing(admin, world, changes, message, step):
    if changes.get("effective_at") == "past":
        changes = {"effective_at": local(utcnow() - timedelta(minutes=1))}
    count = price_count()
    response = admin.post(f"{URL}/{step}", form(world, **changes))
    assert response.status_code == 400
    assert message in page(response)
    assert price_count() == count and audit_count() == 0


def test_double_submit_creates_no_duplicate(admin, world):
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    response = admin.post(URL + "/apply", form(world))
    assert response.status_code == 303
    assert len(batch_rows(world)) == 2 and audit_count() == 1
    assert "该批调价已保存过，未重复创建" in page(admin.get(URL))


def test_a_racing_twin_is_caught_by_the_unique_index(admin, world, monkeypatch):
    """Two submits at once: the second read no rows yet, so its insert hits the index; it
    rolls back, looks again and finds the batch saved."""
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    real, calls = chain_prices.preview, []

    def stale_preview(*args):
        plan = real(*args)
        calls.append(plan)
        if len(calls) == 1:
            for line in plan.lines:
                line.status = "change" if line.status == "same" else line.status
        return plan

    monkeypatch.setattr(chain_prices, "preview", stale_preview)
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    assert len(calls) == 2
    assert len(batch_rows(world)) == 2 and audit_count() == 1


def test_a_different_price_already_at_that_moment_blocks_the_whole_batch(admin, world):
    fuel = world.fuels["92"]
    pricing.schedule_price(world.manager_b, world.station_b.id, fuel.id, 790, 770, midnight())
    html = page(admin.post(URL + "/preview", form(world)))
    assert "该时间已有其他调价" in row_html(html, world.station_b) and "确认调价" not in html
    response = admin.post(URL + "/apply", form(world))
    assert response.status_code == 409
    assert "大理古城加油站 在该生效时间已有其他调价" in page(response)
    assert [(r.station_id, r.list_price_fen) for r in batch_rows(world)] == [
        (world.station_b.id, 790)
    ]
    assert audit_count() == 0


def test_station_manager_sees_it_and_drivers_see_the_next_price(admin, world, as_staff):
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    manager = as_staff("manager_a")
    html = page(manager.get(f"/console/stations/{world.station_a.id}/prices"))
    row = html[html.index(f'id="fuel-{world.fuels["92"].id}"') :]
    row = row[: row.index("</tr>")]
    assert "8.00 / 7.80" in row and "总部调价" in row
    assert clock.to_local(midnight()).strftime("%Y-%m-%d %H:%M") in row
    detail = manager.client.get(f"/api/v1/stations/{world.station_a.id}").get_json()
    fuel = next(f for f in detail["fuels"] if f["code"] == "92")
    assert (fuel["list_price_fen"], fuel["member_price_fen"]) == (768, 748)
    assert fuel["next_price"]["list_price_fen"] == 800
    assert fuel["next_price"]["member_price_fen"] == 780
    assert fuel["next_price"]["effective_at"] == f"{local(midnight())}:00+08:00"


def test_cancel_a_batch_before_it_takes_effect(admin, world, travel):
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    entry_id = db.session.scalar(select(AuditLog.id).where(AuditLog.action == chain_prices.ACTION))
    response = admin.post(f"{URL}/batches/{entry_id}/cancel")
    assert response.status_code == 303
    assert batch_rows(world) == [] and audit_count(chain_prices.CANCEL_ACTION) == 1
    html = page(admin.get(URL))
    assert "已取消该批调价（2 个油站）" in html and "整批取消" not in html
    admin.post(f"{URL}/batches/{entry_id}/cancel")
    assert "已生效或已取消" in page(admin.get(URL))


@pytest.mark.travel(hour=23, minute=50)  # the staff session outlives the 10 minutes to 24:00
def test_a_batch_that_took_effect_cannot_be_cancelled(admin, world, travel):
    assert admin.post(URL + "/apply", form(world)).status_code == 303
    entry_id = db.session.scalar(select(AuditLog.id).where(AuditLog.action == chain_prices.ACTION))
    moment = midnight()
    travel.move_to(moment + timedelta(minutes=1))
    assert "整批取消" not in page(admin.get(URL))
    admin.post(f"{URL}/batches/{entry_id}/cancel")
    assert "已生效或已取消" in page(admin.get(URL))
    assert len(batch_rows(world, moment)) == 2
