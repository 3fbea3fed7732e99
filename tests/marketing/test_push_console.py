"""定向发放's console pages: the tab and the template's link; a manager previews the count, confirms
and watches the progress page through queued, running and done (polling every 2 s, then not);
failed; the list paged, filtered and exported; roles, stations and CSRF refused on every page
and form with nothing changed; Chinese 400s for bad input."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AuditLog, Coupon, CouponPush, OutboxJob
from app.services.marketing import pushes, templates
from app.services.platform.unit_of_work import unit_of_work
from tests.console.conftest import page
from tests.marketing.helpers import active_template
from tests.marketing.push_helpers import (
    driver,
    make_tier,
    push_to,
    reloaded,
    tier_members,
    visit,
)
from tests.money.helpers import assert_ledger_ok, run_jobs

URL = "/console/coupons/pushes"
POLLING = 'hx-trigger="every 2s"'


def pushes_stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(CouponPush.id)))


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


@pytest.fixture
def customers(world) -> list:
    """Two drivers fuelled at station A today, one at station B."""
    found = [driver(world, f"o-a{n}") for n in range(2)]
    for member in found:
        visit(world, member, world.station_a)
    visit(world, driver(world, "o-b"), world.station_b)
    return found


def test_the_tab_and_the_template_s_link_lead_to_pushes(as_staff, world):
    template = active_template(world.manager_a, world.station_a)
    manager = as_staff("manager_a")
    listed = page(manager.get("/console/coupons"))
    assert f'href="{URL}"' in listed and "定向发放</a>" in listed
    new = f"{URL}/new?template_id={template.id}"
    assert new in page(manager.get(f"/console/coupons/{template.id}/edit"))
    form = page(manager.get(new))
    assert f'<option selected value="{template.id}">' in form
    assert "近 90 天到过本站的会员" in form and "30 天未到店的会员" in form
    assert "全连锁" not in form and "油站：昆明北京路加油站" in form


def test_a_manager_previews_confirms_and_watches_it_done(as_staff, world, customers):
    template = active_template(world.manager_a, world.station_a, name="满200减10")
    manager = as_staff("manager_a")
    form = {"template_id": str(template.id), "segment": "station_recent"}
    form["station_id"] = str(world.station_a.id)
    preview = manager.post(f"{URL}/preview", form, htmx=True)
    assert preview.status_code == 200 and "将发给 2 位会员" in page(preview)
    assert 'value="confirm"' in page(preview)
    stepped = manager.post(URL, form | {"step": "preview"})
    assert stepped.status_code == 200 and "将发给 2 位会员" in page(stepped)
    assert pushes_stored() == 0
    confirmed = manager.post(URL, form | {"step": "confirm"})
    assert confirmed.status_code == 303
    push_url = confirmed.headers["Location"]
    queued = manager.get(push_url)
    assert "排队中" in page(queued) and POLLING in page(queued)
    assert "已开始定向发放" in page(queued) and "近 90 天到过昆明北京路加油站的会员" in page(queued)
    run_jobs()
    done = manager.get(push_url, htmx=True)
    assert done.status_code == 200 and POLLING not in page(done)
    assert 'id="push-progress"' in page(done) and "<html" not in page(done)
    assert "已完成" in text(done) and "目标会员 2 已发放 2 未发放 0" in text(done)
    assert 'value="100"' in page(done)
    listed = page(manager.get(URL))
    assert "满200减10" in listed and "2 / 2 / 0" in listed
    issued = page(manager.get(f"/console/coupons/issued?template_id={template.id}"))
    assert issued.count('<td data-label="来源 / 领取时间">定向发放<br>') == 2
    assert "定向发放优惠券" in page(manager.get("/console/audit"))
    assert_ledger_ok()


def test_the_progress_page_while_queued_running_done_and_failed(as_staff, world):
    gold = make_tier(world)
    tier_members(world, 250, gold)
    template = active_template(world.admin, stock_total=1_000)
    push = push_to(world.admin, template, "tier", tier_id=gold.id)
    admin = as_staff("admin")
    url = f"{URL}/{push.id}"
    queued = admin.get(url, htmx=True)
    assert POLLING in page(queued) and "排队中" in text(queued) and "目标会员 —" in text(queued)
    with unit_of_work():
        pushes.start(push.id)
    with unit_of_work():
        pushes.issue_batch(push.id)
    running = admin.get(url, htmx=True)
    assert POLLING in page(running) and "发放中" in text(running)
    assert "目标会员 250 已发放 100" in text(running) and 'value="40"' in page(running)
    pushes.run_push(push.id)
    done = admin.get(url, htmx=True)
    assert POLLING not in page(done) and "已完成" in text(done) and 'value="100"' in page(done)
    stopped = active_template(world.admin, name="停发券")
    failing = push_to(world.admin, stopped, "tier", tier_id=gold.id)
    templates.stop_template(world.admin, stopped.id)
    run_jobs()
    failed = admin.get(f"{URL}/{failing.id}")
    assert POLLING not in page(failed)
    assert "未能发放：优惠券「停发券」不在发放中，请先启用" in text(failed)


def test_a_push_the_job_runner_gave_up_on_carries_on_from_where_it_stopped(as_staff, world):
    gold = make_tier(world)
    tier_members(world, 150, gold)
    template = active_template(world.admin, stock_total=1_000)
    push = push_to(world.admin, template, "tier", tier_id=gold.id)
    with unit_of_work():
        pushes.start(push.id)
    with unit_of_work():
        pushes.issue_batch(push.id)
    job = OutboxJob.dedupe_key == pushes.job_key(push.id)
    with unit_of_work():  # the state the runner leaves after its last attempt failed
        error = "OperationalError: server closed the connection"
        db.session.execute(update(OutboxJob).where(job).values(status="failed", last_error=error))
    url = f"{URL}/{push.id}"
    assert as_staff("manager_b").post(url + "/resume", {}).status_code == 404
    assert as_staff("cashier_a").post(url + "/resume", {}).status_code == 403
    admin = as_staff("admin")
    assert f"发放多次出错，已暂停：{error} 继续发放" in text(admin.get(url))
    refused = admin.post(url + "/resume", {}, csrf=False)
    assert "页面已过期，请重新操作" in page(admin.get(refused.headers["Location"]))
    assert db.session.scalar(select(OutboxJob.status).where(job)) == "failed"
    resumed = admin.post(url + "/resume", {})
    assert "已继续发放，已发的券不会重发" in page(admin.get(resumed.headers["Location"]))
    run_jobs()
    assert (reloaded(push).status, reloaded(push).issued) == ("done", 150)
    assert db.session.scalar(select(func.count(Coupon.id))) == 150
    again = admin.post(url + "/resume", {})
    assert "这次发放没有中断，不用继续发放" in page(admin.get(again.headers["Location"]))
    audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "coupon_push.resume"))
    assert [entry.before["error"] for entry in audited] == [error]


@pytest.mark.parametrize("username", ["cashier_a", "attendant_a"])
def test_cashiers_and_attendants_are_refused_every_page_and_form(as_staff, world, username):
    template = active_template(world.manager_a, world.station_a)
    push = push_to(world.manager_a, template, "lapsed", station_id=world.station_a.id)
    console = as_staff(username)
    for path in ("", "/new", "/export.xlsx", f"/{push.id}"):
        assert console.get(URL + path).status_code == 403, path
    assert console.get(f"{URL}/{push.id}", htmx=True).status_code == 403
    form = {"template_id": str(template.id), "segment": "lapsed", "step": "confirm"}
    form["station_id"] = str(world.station_a.id)
    for path in ("", "/preview"):
        assert console.post(URL + path, form).status_code == 403, path
    assert pushes_stored() == 1


def test_a_manager_sees_and_pushes_to_their_stations_only(as_staff, world):
    own = active_template(world.manager_a, world.station_a, name="北京路券")
    theirs = active_template(world.manager_b, world.station_b, name="大理券")
    chain = active_template(world.admin, name="总部券")
    b_push = push_to(world.manager_b, theirs, "lapsed", station_id=world.station_b.id)
    chain_push = push_to(world.admin, chain, "lapsed")
    manager = as_staff("manager_a")
    for push in (b_push, chain_push):
        assert manager.get(f"{URL}/{push.id}").status_code == 404
        assert manager.get(f"{URL}/{push.id}", htmx=True).status_code == 404
    listed = page(manager.get(URL)).split("<tbody>")[1]
    assert "大理券" not in listed and "总部券" not in listed and "还没有定向发放记录" in listed
    form = page(manager.get(f"{URL}/new"))
    assert "北京路券" in form and "大理券" not in form and "总部券" not in form
    to_b = {"template_id": str(own.id), "segment": "lapsed", "station_id": str(world.station_b.id)}
    assert manager.post(f"{URL}/preview", to_b, htmx=True).status_code == 403
    assert manager.post(URL, to_b | {"step": "confirm"}).status_code == 403
    assert pushes_stored() == 2


def test_forms_without_the_csrf_token_change_nothing(as_staff, world):
    template = active_template(world.manager_a, world.station_a)
    manager = as_staff("manager_a")
    form = {"template_id": str(template.id), "segment": "lapsed", "step": "confirm"}
    form["station_id"] = str(world.station_a.id)
    for url in (URL, f"{URL}/preview"):
        for htmx in (False, True):
            response = manager.post(url, form, csrf=False, htmx=htmx)
            assert response.status_code in (303, 204), url
            location = response.headers.get("Location") or response.headers["HX-Redirect"]
            assert "页面已过期，请重新操作" in page(manager.get(location))
    assert pushes_stored() == 0
    assert db.session.scalar(select(func.count(OutboxJob.id))) == 0


def test_bad_input_is_a_400_that_says_which_field_in_chinese(as_staff, world):
    template = active_template(world.admin)
    admin = as_staff("admin")
    answer = admin.post(URL, {"segment": "lapsed", "step": "confirm"})
    assert answer.status_code == 400 and "请选择优惠券" in page(answer)
    answer = admin.post(URL, {"template_id": str(template.id), "segment": "all", "step": "confirm"})
    assert answer.status_code == 400 and "请选择发放人群" in page(answer)
    answer = admin.post(URL, {"template_id": str(template.id), "segment": "tier"})
    assert answer.status_code == 400 and "请选择会员等级" in page(answer)
    answer = admin.post(f"{URL}/preview", {"template_id": "9x"}, htmx=True)
    assert answer.status_code == 400 and "请选择优惠券" in page(answer)
    assert 'value="confirm"' not in page(answer)
    for bad in ("?status=lost", "?template_id=abc", "?page=0"):
        assert admin.get(URL + bad).status_code == 400, bad
    assert "请选择状态" in page(admin.get(URL + "?status=lost"))
    assert admin.get(URL + "/export.xlsx?status=lost").status_code == 400
    assert admin.get(f"{URL}/999").status_code == 404
    assert pushes_stored() == 0


def test_the_list_pages_filters_and_exports(as_staff, world):
    template = active_template(world.admin, name="周末券")
    for _ in range(23):
        push_to(world.admin, template, "lapsed")
    first = reloaded(db.session.get(CouponPush, 1))
    templates.stop_template(world.admin, template.id)
    run_jobs()
    admin = as_staff("admin")
    listed = page(admin.get(URL))
    assert "下一页" in listed and listed.count('id="push-') == 20
    assert page(admin.get(URL + "?page=2")).count('id="push-') == 3
    failed = page(admin.get(URL + "?status=failed", htmx=True))
    assert failed.count('id="push-') == 20 and "<html" not in failed
    assert page(admin.get(URL + "?status=done")).count('id="push-') == 0
    sheet = load_workbook(io.BytesIO(admin.get(URL + "/export.xlsx").data)).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("编号", "优惠券", "优惠内容", "发放人群", "范围", "状态")
    assert len(rows) == 24 and rows[-1][0] == first.id and rows[1][5] == "未能发放"
    assert rows[1][3] == "以前到过本连锁任一油站、近 30 天没来的会员" and rows[1][4] == "全连锁"
