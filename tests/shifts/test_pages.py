"""The 交接班 and 日结 pages: open, preview, close, slip, Excel, accept; access by station and
role, CSRF, bad input answered with the field named and nothing saved."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Nozzle, Shift, ShiftCorrection
from app.services.counter import shifts
from app.services.platform.clock import to_local
from tests.console.conftest import page
from tests.factories import make_staff
from tests.shifts.conftest import L

pytestmark = pytest.mark.travel(hour=8)


def login(console, username):
    assert console.login(username).status_code == 303
    console.get("/console/shifts")
    return console


def open_form(pumps, n1="100000", n2="50000.00", n5="20000"):
    ids = pumps.ids
    return {
        "station_id": pumps.world.station_a.id,
        f"opening_{ids[1]}": n1,
        f"opening_{ids[2]}": n2,
        f"opening_{ids[5]}": n5,
    }


def close_form(pumps, n2="50041", **extra):
    ids = pumps.ids
    return {
        f"closing_{ids[1]}": "100021",
        f"test_pour_{ids[1]}": "1",
        f"closing_{ids[5]}": "20",
        f"jump_before_{ids[5]}": "20010.50",
        f"jump_after_{ids[5]}": "0",
        f"jump_reason_{ids[5]}": "主板更换",
        f"closing_{ids[2]}": n2,
        "counted_cash": "50.00",
        "note": "钱箱多出 50 元",
        **extra,
    }


def the_shift() -> Shift:
    db.session.expire_all()
    return db.session.scalar(select(Shift).order_by(Shift.id.desc()))


def test_a_cashier_opens_previews_closes_and_prints(console, pumps, travel):
    login(console, "cashier_a")
    html = page(console.get("/console/shifts"))
    assert "开班" in html and "1号枪" in html and "交接班" in html
    assert console.post("/console/shifts/open", open_form(pumps)).status_code == 303
    shift = the_shift()
    assert shift.status == "open"
    pumps.sell(1, 20 * L)
    pumps.sell(5, 30_500)
    pumps.sell(2, 40 * L)
    html = page(console.get("/console/shifts"))
    assert "本班实时数据" in html and "698.14" in html  # sales so far, live
    station_id = pumps.world.station_a.id
    live = console.get(f"/console/shifts?station_id={station_id}&part=live", htmx=True)
    assert live.status_code == 200 and "698.14" in page(live)  # the panel polls itself
    assert "<html" not in page(live) and 'hx-trigger="every 30s"' in page(live)
    travel.shift(timedelta(hours=8))

    preview = console.post(f"/console/shifts/{shift.id}/close", close_form(pumps))
    html = page(preview)
    assert preview.status_code == 200 and "确认交班" in html
    assert "超出误差" in html and "长款 ¥50.00" in html  # 95#: 41.00 L metered, 40.00 L sold
    assert the_shift().status == "open"  # a preview saves nothing

    confirmed = console.post(f"/console/shifts/{shift.id}/close", close_form(pumps, confirm="1"))
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"].endswith(f"/console/shifts/{shift.id}")
    assert (the_shift().status, the_shift().over_short_fen) == ("closed", 5000)
    slip = page(console.get(f"/console/shifts/{shift.id}"))
    assert "交接班单" in slip and "20010.50 → 0.00（主板更换）" in slip and "交班人签字" in slip
    sheet = console.get(f"/console/shifts/{shift.id}.xlsx")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    # The closer cannot accept; the page says so and the POST is refused.
    assert "交班人不能自己接班" in page(console.get("/console/shifts"))
    assert console.post(f"/console/shifts/{shift.id}/accept").status_code == 403
    assert the_shift().status == "closed"


def test_the_next_cashier_accepts(client, console, pumps, world):
    make_staff(world.chain, "cashier", [world.station_a], "cashier_a2")
    db.session.commit()
    shift = pumps.open()
    closings = {
        pumps.ids[1]: shifts.Closing(100_000 * L),
        pumps.ids[2]: shifts.Closing(50_000 * L),
        pumps.ids[5]: shifts.Closing(20_000 * L),
    }
    shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    login(console, "cashier_a2")
    assert "核对无误，接班" in page(console.get("/console/shifts"))
    assert console.post(f"/console/shifts/{shift.id}/accept").status_code == 303
    assert (the_shift().status, the_shift().previous_shift_id) == ("open", shift.id)


def test_bad_input_names_the_field_and_saves_nothing(console, pumps):
    login(console, "cashier_a")
    refused = console.post("/console/shifts/open", open_form(pumps, n2="-5"))
    assert refused.status_code == 400 and "2号枪 接班泵码 不能为负数" in page(refused)
    assert the_shift() is None
    console.post("/console/shifts/open", open_form(pumps))
    shift = the_shift()
    for form, message in [
        (close_form(pumps, n2="49999"), "2号枪 交班泵码 小于 接班泵码"),
        (close_form(pumps, n2="abc"), "2号枪 交班泵码 请输入升数"),
        (close_form(pumps, counted_cash="5.001"), "实点现金 金额最多两位小数"),
        (close_form(pumps, note=""), "请填写长短款说明"),
    ]:
        refused = console.post(f"/console/shifts/{shift.id}/close", {**form, "confirm": "1"})
        assert refused.status_code == 400 and message in page(refused), message
        assert the_shift().status == "open"


def test_csrf_token_missing_is_refused(console, pumps):
    login(console, "cashier_a")
    refused = console.post("/console/shifts/open", open_form(pumps), csrf=False)
    assert refused.status_code in (302, 303)
    assert the_shift() is None
    console.post("/console/shifts/open", open_form(pumps))
    shift = the_shift()
    form = close_form(pumps, confirm="1")
    assert console.post(f"/console/shifts/{shift.id}/close", form, csrf=False).status_code in (
        302,
        303,
    )
    assert the_shift().status == "open"
    assert "页面已过期" in page(console.get("/console/shifts"))


def test_a_cashier_of_station_a_cannot_see_station_b(console, pumps, world):
    station_b = world.station_b
    query = select(Nozzle.id).where(Nozzle.station_id == station_b.id)
    b_nozzles = {nozzle_id: 1000 * L for nozzle_id in db.session.scalars(query)}
    shift_b = shifts.open_shift(world.manager_b, station_b.id, b_nozzles)
    login(console, "cashier_a")
    assert console.get(f"/console/shifts?station_id={station_b.id}").status_code == 403
    assert console.get(f"/console/shifts/{shift_b.id}").status_code == 403
    assert console.get(f"/console/shifts/{shift_b.id}.xlsx").status_code == 403
    closing = {f"closing_{n}": "1000" for n in b_nozzles} | {"counted_cash": "0", "confirm": "1"}
    assert console.post(f"/console/shifts/{shift_b.id}/close", closing).status_code == 403
    assert the_shift().status == "open"
    assert console.get("/console/daily-close").status_code == 403  # managers only


def test_the_manager_closes_the_day(console, pumps, world, travel):
    shift = pumps.open()
    pumps.sell(1, 20 * L)
    closings = {
        pumps.ids[1]: shifts.Closing(100_020 * L),
        pumps.ids[2]: shifts.Closing(50_000 * L),
        pumps.ids[5]: shifts.Closing(20_000 * L),
    }
    shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    shifts.accept_handover(world.manager_a, shift.id)
    travel.shift(timedelta(days=1))
    day = the_shift().opened_at  # the next shift opened on the same date
    login(console, "manager_a")
    date = to_local(day).date().isoformat()
    html = page(console.get(f"/console/daily-close?station_id={world.station_a.id}&date={date}"))
    assert "日结 " + date in html and "149.60" in html
    done = console.post("/console/daily-close", {"station_id": world.station_a.id, "date": date})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).daily_close_id is not None
    assert "已日结" in page(
        console.get(f"/console/daily-close?station_id={world.station_a.id}&date={date}")
    )


def test_a_manager_records_a_correction_on_the_slip(console, pumps, world):
    shift = pumps.open()
    closings = {
        pumps.ids[1]: shifts.Closing(100_000 * L),
        pumps.ids[2]: shifts.Closing(50_000 * L),
        pumps.ids[5]: shifts.Closing(20_000 * L),
    }
    shifts.close_shift(world.cashier_a, shift.id, closings, 0, "")
    login(console, "cashier_a")
    url = f"/console/shifts/{shift.id}/corrections"
    form = {"kind": "cash", "delta": "-10", "reason": "少点 10 元"}
    assert "登记更正" not in page(console.get(f"/console/shifts/{shift.id}"))
    assert console.post(url, form).status_code == 403
    console.post("/console/logout")
    login(console, "manager_a")
    assert "登记更正" in page(console.get(f"/console/shifts/{shift.id}"))
    assert console.post(url, {**form, "reason": ""}).status_code == 303
    assert db.session.scalar(select(ShiftCorrection.id)) is None
    assert console.post(url, form).status_code == 303
    slip = page(console.get(f"/console/shifts/{shift.id}"))
    assert "已登记更正" in slip and "-10.00 元：少点 10 元" in slip
    assert db.session.scalar(select(ShiftCorrection.delta_fen)) == -1000
