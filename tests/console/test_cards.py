"""充值卡 in the console: creating a batch and its one-time secret sheet, the batch pages, the
export, voids, selling at the counter; who may do what at which station, and CSRF."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import CardBatch, RechargeCard
from app.models.base import utcnow
from app.services.members import card_secrets
from app.services.platform.clock import to_local
from tests.console.conftest import page
from tests.factories import make_staff
from tests.money.card_helpers import card, new_batch, sold_card
from tests.money.helpers import assert_ledger_ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def in_days(days: int) -> str:
    return (to_local(utcnow()) + timedelta(days=days)).strftime("%Y-%m-%d")


def batch_form(world, **changes) -> dict:
    form = {
        "station_id": str(world.station_a.id),
        "name": "春节 100 元卡",
        "face": "100",
        "count": "3",
        "expires_on": in_days(90),
    }
    return form | changes


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def cashier_b(world):
    person = make_staff(world.chain, "cashier", [world.station_b], "cashier_b")
    db.session.commit()
    return person


def test_a_manager_creates_a_batch_and_downloads_its_sheet_once(as_staff, world):
    console = as_staff("manager_a")
    form_page = page(console.get("/console/cards/new"))
    assert "昆明北京路加油站" in form_page and "全连锁通用（" not in form_page  # admins only
    created = console.post("/console/cards/new", batch_form(world))
    assert created.status_code == 303
    batch = db.session.scalars(select(CardBatch)).one()
    url = f"/console/cards/{batch.id}"
    assert created.headers["Location"] == url
    cookie = created.headers["Set-Cookie"]
    assert f"Path={url}/sheet" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    html = page(console.get(url))
    assert "已创建批次「春节 100 元卡」：3 张 × 100.00 元" in html
    assert "下载卡密表（Excel，仅一次）" in html and "卡密表</dt><dd>未下载" in html
    sheet = console.post(f"{url}/sheet")
    assert "attachment" in sheet.headers["Content-Disposition"]
    assert sheet.headers["Cache-Control"] == "no-store"
    rows = rows_of(sheet)
    assert rows[0] == ("卡号", "卡密", "面值（元）", "有效期至")
    assert len(rows) == 4 and {row[2] for row in rows[1:]} == {"100.00"}
    assert {row[3] for row in rows[1:]} == {in_days(90)}
    for number, secret, *_ in rows[1:]:
        number, secret = number.replace(" ", ""), secret.replace(" ", "")
        assert card(number).secret_hash == card_secrets.hash_secret(number, secret)
    assert "Max-Age=0" in sheet.headers["Set-Cookie"]  # the seed is dropped
    again = console.post(f"{url}/sheet")
    assert again.status_code == 303
    html = page(console.get(again.headers["Location"]))
    assert "只能下载一次" in html and "下载卡密表（Excel，仅一次）" not in html


def test_the_sheet_cannot_be_taken_from_another_browser(as_staff, world, client, app):
    made = new_batch(world.manager_a, world.station_a)
    console = as_staff("manager_a")  # logged in, but without the creating browser's seed
    refused = console.post(f"/console/cards/{made.batch.id}/sheet")
    assert refused.status_code == 303
    assert "只能在创建本批次的浏览器中下载" in page(console.get(refused.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(CardBatch, made.batch.id).secrets_taken_at is None


def test_create_form_names_what_is_wrong(as_staff, world):
    console = as_staff("manager_a")
    bad = batch_form(world, name="", face="0.5", count="0", expires_on=in_days(0))
    html = page(answer := console.post("/console/cards/new", bad))
    assert answer.status_code == 400
    assert "必填" in html and "面值应在 1 元到 10000 元之间" in html
    assert "张数应在 1 到 10000 之间" in html and "有效期应晚于明天" in html
    answer = console.post("/console/cards/new", batch_form(world, face="1.234", count="10001"))
    assert "金额最多两位小数" in page(answer) and "张数应在 1 到 10000 之间" in page(answer)
    chain_wide = console.post("/console/cards/new", batch_form(world, station_id=""))
    assert chain_wide.status_code == 403  # chain-wide batches are chain admins'
    assert db.session.scalar(select(func.count(CardBatch.id))) == 0


def test_a_chain_admin_creates_a_chain_wide_batch(as_staff, world):
    console = as_staff("admin")
    assert console.post("/console/cards/new", batch_form(world, station_id="")).status_code == 303
    assert db.session.scalars(select(CardBatch)).one().station_id is None
    assert "全连锁通用" in page(console.get("/console/cards"))


def test_the_batch_list_is_paged_and_counts_cards(as_staff, world):
    for n in range(21):
        new_batch(world.manager_a, world.station_a, count=1, name=f"批次{n:02d}")
    made = new_batch(world.manager_a, world.station_a, count=2, name="最新批次")
    sold_card(world.cashier_a, world.station_a, made)
    console = as_staff("manager_a")
    first = page(console.get("/console/cards"))
    assert first.count('<tr id="batch-') == 20 and "最新批次" in first
    assert "第 1 / 2 页，共 22 批" in first
    second = page(console.get("/console/cards?page=2", htmx=True))
    assert second.count('<tr id="batch-') == 2 and 'id="batch-list"' in second
    assert "<html" not in second
    assert "最新批次" not in page(as_staff("manager_b").get("/console/cards"))


def test_a_batch_page_searches_and_filters_its_cards(as_staff, world):
    made = new_batch(world.manager_a, world.station_a, count=4)
    sold, _ = sold_card(world.cashier_a, world.station_a, made, index=1)
    console = as_staff("manager_a")
    url = f"/console/cards/{made.batch.id}"
    html = page(console.get(url))
    assert html.count('<tr id="card-') == 4 and "未售 3，已激活 1" in html
    found = page(console.get(f"{url}?number={sold[3:9]}", htmx=True))
    assert sold in found and 'id="card-table"' in found and "<html" not in found
    active = page(console.get(f"{url}?status=active"))
    assert active.count('<tr id="card-') == 1 and sold in active
    assert console.get(f"{url}?number=abc").status_code == 400
    assert console.get(f"{url}?status=lost").status_code == 400


def test_the_export_lists_cards_without_their_secrets(as_staff, world):
    made = new_batch(world.manager_a, world.station_a, count=3)
    sold_card(world.cashier_a, world.station_a, made, 0, "pos", "POS-123")
    answer = as_staff("manager_a").get(f"/console/cards/{made.batch.id}/export.xlsx")
    assert answer.headers["Cache-Control"] == "no-store"
    rows = rows_of(answer)
    assert len(rows) == 4 and rows[0][:3] == ("卡号", "状态", "面值（元）")
    by_number = {row[0]: row for row in rows[1:]}
    number = made.cards[0][0]
    assert by_number[number][1] == "已激活" and by_number[number][4] == "昆明北京路加油站"
    assert by_number[number][6:8] == ("银行卡", "POS-123")
    text = " ".join(str(cell) for row in rows for cell in row if cell)
    assert not any(secret in text for _, secret in made.cards)


def test_voiding_a_card_and_a_batch_from_the_batch_page(as_staff, world):
    made = new_batch(world.manager_a, world.station_a, count=3, face_fen=5_000)
    sold, _ = sold_card(world.cashier_a, world.station_a, made, index=0)
    console = as_staff("manager_a")
    url = f"/console/cards/{made.batch.id}"
    sold_id = card(sold).id
    answer = console.post(f"{url}/cards/{sold_id}/void", {"reason": " ", "status": "active"})
    assert answer.headers["Location"] == f"{url}?status=active"
    assert "请填写作废原因" in page(console.get(answer.headers["Location"]))
    answer = console.post(f"{url}/cards/{sold_id}/void", {"reason": "顾客退卡"})
    html = page(console.get(answer.headers["Location"]))
    assert f"已作废卡 {sold}；已售出的 50.00 元请从钱箱退还给购卡人" in html
    assert card(sold).status == "void"
    answer = console.post(f"{url}/void", {"reason": "卡面印错"})
    html = page(console.get(answer.headers["Location"]))
    assert "已作废批次：未售出的 2 张作废" in html and "已作废</span>" in html
    assert (
        db.session.scalar(
            select(func.count()).select_from(RechargeCard).where(RechargeCard.status == "void")
        )
        == 3
    )
    assert_ledger_ok()


def test_a_cashier_sells_cards_at_the_counter(as_staff, world):
    made = new_batch(world.manager_a, world.station_a, count=3, face_fen=20_000)
    console = as_staff("cashier_a")
    assert "售卡激活" in page(console.get("/console/"))
    first, second = made.cards[0][0], made.cards[1][0]
    sale = {"station_id": str(world.station_a.id), "number": card_secrets.grouped(first)}
    answer = console.post("/console/cards/sell", sale | {"payment": "cash"})
    assert answer.status_code == 303
    html = page(console.get(answer.headers["Location"]))
    assert f"卡 {first} 已激活：收现金 200.00 元" in html and first in html  # in recent sales
    again = console.post("/console/cards/sell", sale | {"payment": "cash"})
    assert again.status_code == 409 and "不能重复销售" in page(again)
    no_slip = console.post("/console/cards/sell", sale | {"number": second, "payment": "pos"})
    assert no_slip.status_code == 400 and "POS 签购单参考号" in page(no_slip)
    assert card(second).status == "new"
    assert_ledger_ok()


def test_another_stations_staff_get_403(as_staff, world, cashier_b):
    made = new_batch(world.manager_a, world.station_a)
    number = made.cards[0][0]
    url = f"/console/cards/{made.batch.id}"
    card_id = card(number).id
    for username in ("cashier_a", "cashier_b", "attendant_a"):
        console = as_staff(username)
        assert console.get("/console/cards").status_code == 403
        assert console.get(url).status_code == 403
        assert console.get("/console/cards/new").status_code == 403
        assert console.post("/console/cards/new", batch_form(world)).status_code == 403
        assert console.post(f"{url}/cards/{card_id}/void", {"reason": "x"}).status_code == 403
    manager_b = as_staff("manager_b")
    assert manager_b.get(url).status_code == 403
    assert manager_b.get(f"{url}/export.xlsx").status_code == 403
    assert manager_b.post(f"{url}/sheet").status_code == 403
    assert manager_b.post(f"{url}/void", {"reason": "x"}).status_code == 403
    assert manager_b.get(f"/console/cards?station_id={world.station_a.id}").status_code == 403
    assert manager_b.post("/console/cards/new", batch_form(world)).status_code == 403
    assert as_staff("attendant_a").get("/console/cards/sell").status_code == 403
    # Station B's cashier cannot sell station A's card, nor sell at station A.
    console = as_staff("cashier_b")
    sale = {"station_id": str(world.station_b.id), "number": number, "payment": "cash"}
    refused = console.post("/console/cards/sell", sale)
    assert refused.status_code == 403 and "只能在该站销售" in page(refused)
    at_a = console.post("/console/cards/sell", sale | {"station_id": str(world.station_a.id)})
    assert at_a.status_code == 400
    assert card(number).status == "new"
    assert db.session.scalar(select(func.count(CardBatch.id))) == 1


def test_posts_without_csrf_token_change_nothing(as_staff, world):
    made = new_batch(world.manager_a, world.station_a)
    url = f"/console/cards/{made.batch.id}"
    number = made.cards[0][0]
    console = as_staff("manager_a")
    posts = [
        ("/console/cards/new", batch_form(world)),
        (f"{url}/sheet", {}),
        (f"{url}/cards/{card(number).id}/void", {"reason": "x"}),
        (f"{url}/void", {"reason": "x"}),
        (
            "/console/cards/sell",
            {"station_id": world.station_a.id, "number": number, "payment": "cash"},
        ),
    ]
    for target, data in posts:
        response = console.post(target, data, csrf=False)
        assert response.status_code == 303, target
        assert "页面已过期，请重新操作" in page(console.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CardBatch.id))) == 1
    assert card(number).status == "new"
    assert db.session.get(CardBatch, made.batch.id).voided_at is None


def test_the_audit_log_tells_card_actions_in_words(as_staff, world):
    made = new_batch(world.manager_a, world.station_a, face_fen=10_000)
    sold_card(world.cashier_a, world.station_a, made)
    html = page(as_staff("manager_a").get("/console/audit"))
    assert "新建充值卡批次" in html and "充值卡批次「春节充值卡」" in html
    assert "售卡激活" in html and f"充值卡 {made.cards[0][0]}" in html and "100.00 元" in html
