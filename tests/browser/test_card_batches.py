"""充值卡 in Chromium: a manager creates a batch, downloads its secret sheet once, finds the batch
and its cards, and voids one card; a cashier then sells a card at the counter."""

import io
import re
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from app.extensions import db
from app.models import CardBatch, RechargeCard
from app.models.base import utcnow
from app.services.members import card_secrets
from app.services.platform.clock import to_local
from tests.browser.conftest import login, shot
from tests.money.helpers import assert_ledger_ok

SHOTS = Path("/tmp")  # noqa: S108  (where the reviewer asked for them)


def snap(page, name: str) -> None:
    """A full-page screenshot in test-artifacts/ and, for reviewers, /tmp/cards-<name>.png."""
    path = shot(page, f"cards-{name}")
    (SHOTS / path.name).write_bytes(path.read_bytes())


def test_manager_creates_a_batch_downloads_its_sheet_and_voids_a_card(page, world):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login(page, "manager_a")
    page.locator(".sidebar").get_by_role("link", name="充值卡").click()
    expect(page.locator("h1")).to_have_text("充值卡批次")
    expect(page.locator("#batch-list")).to_contain_text("还没有充值卡批次")

    page.get_by_role("link", name="＋ 新建批次").click()
    expect(page.locator("h1")).to_have_text("新建充值卡批次")
    page.get_by_label("批次名称").fill("春节 100 元卡")
    page.get_by_label("面值（元）").fill("100")
    page.get_by_label("张数").fill("6")
    last_day = (to_local(utcnow()) + timedelta(days=90)).strftime("%Y-%m-%d")
    page.get_by_label("有效期至").fill(last_day)
    snap(page, "new")
    page.get_by_role("button", name="创建批次").click()
    expect(page.locator("h1")).to_contain_text("春节 100 元卡")
    expect(page.locator("#flash")).to_contain_text("已创建批次「春节 100 元卡」：6 张 × 100.00 元")
    expect(page.locator("#card-table tbody tr")).to_have_count(6)
    snap(page, "created")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载卡密表（Excel，仅一次）").click()
    download = download_info.value
    assert download.suggested_filename.endswith("卡密.xlsx")
    rows = list(
        load_workbook(io.BytesIO(download.path().read_bytes())).active.iter_rows(values_only=True)
    )
    assert rows[0] == ("卡号", "卡密", "面值（元）", "有效期至") and len(rows) == 7
    assert {row[3] for row in rows[1:]} == {last_day}
    db.session.expire_all()
    for number, secret, *_ in rows[1:]:
        number, secret = number.replace(" ", ""), secret.replace(" ", "")
        stored = db.session.scalars(select_card(number)).one()
        assert stored.secret_hash == card_secrets.hash_secret(number, secret)

    page.reload()
    expect(page.get_by_role("button", name="下载卡密表（Excel，仅一次）")).to_have_count(0)
    expect(page.locator(".facts")).to_contain_text("已于")

    first = page.locator("#card-table tbody tr").first
    number = first.locator("td").first.inner_text().strip()
    first.get_by_text("作废…").click()
    first.get_by_label("作废原因").fill("卡面印刷错误")
    snap(page, "void-form")
    first.get_by_role("button", name="确认作废").click()
    expect(page.locator("#flash")).to_contain_text(f"已作废卡 {number}")
    assert dialogs[-1].startswith(f"确认作废卡 {number}")
    row = page.locator("#card-table tbody tr", has_text=number)
    expect(row).to_contain_text("已作废")
    expect(row).to_contain_text("卡面印刷错误")
    expect(page.locator(".facts")).to_contain_text("未售 5，已激活 0，已兑换 0，已作废 1")

    page.get_by_label("状态").select_option("void")
    expect(page.locator("#card-table tbody tr")).to_have_count(1)
    assert "status=void" in page.url
    snap(page, "batch")

    page.get_by_role("link", name="充值卡批次").first.click()
    batch_row = page.locator("#batch-list tbody tr", has_text="春节 100 元卡")
    expect(batch_row).to_contain_text("100.00")
    expect(batch_row).to_contain_text("昆明北京路加油站")
    snap(page, "list")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than it
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    snap(page, "list-390")

    db.session.expire_all()
    assert db.session.scalars(select_batch()).one().secrets_taken_at is not None
    assert_ledger_ok()


def test_cashier_sells_a_card_at_the_counter(page, world):
    from tests.money.card_helpers import new_batch

    made = new_batch(world.manager_a, world.station_a, count=2, face_fen=20_000)
    number = made.cards[0][0]
    login(page, "cashier_a")
    page.locator(".sidebar").get_by_role("link", name="售卡激活").click()
    expect(page.locator("h1")).to_have_text("售卡激活")
    page.get_by_label("卡号").fill(card_secrets.grouped(number))
    page.get_by_label("银行卡（POS）").check()
    page.get_by_role("button", name="收款并激活").click()
    expect(page.locator(".field-error")).to_contain_text("POS 签购单参考号")
    page.get_by_label("POS 参考号").fill("POS-20260308-0042")
    page.get_by_role("button", name="收款并激活").click()
    expect(page.locator("#flash")).to_contain_text(re.compile(f"卡 {number} 已激活：收银行卡"))
    expect(page.locator("table")).to_contain_text(number)
    snap(page, "sell")
    db.session.expire_all()
    assert db.session.scalars(select_card(number)).one().status == "active"
    assert_ledger_ok()


def select_card(number: str):
    return db.select(RechargeCard).where(RechargeCard.number == number)


def select_batch():
    return db.select(CardBatch)


def test_card_pages_pass_the_accessibility_checks(page, world):
    from tests.browser import axe
    from tests.browser.screens import check
    from tests.money.card_helpers import new_batch, sold_card

    made = new_batch(world.manager_a, world.station_a, count=3)
    sold_card(world.cashier_a, world.station_a, made, 0, "pos", "POS-1")
    axe.enable(page)
    login(page, "manager_a")
    page.goto("/console/cards")
    check(page, "cards-batches")
    page.goto("/console/cards/new")
    page.get_by_role("button", name="创建批次").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "cards-new-errors")
    page.goto(f"/console/cards/{made.batch.id}")
    page.locator("#card-table tbody tr").first.get_by_text("作废…").click()
    check(page, "cards-batch")
    page.goto("/console/cards/sell")
    page.get_by_role("button", name="收款并激活").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "cards-sell-errors")
