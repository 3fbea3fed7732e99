"""Head office's chain-wide price change in a real browser: HTMX preview, then confirm."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import FuelPrice
from app.services.catalogue import chain_prices
from tests.browser import axe
from tests.browser.conftest import login
from tests.browser.screens import check


@pytest.mark.travel(hour=10)
def test_head_office_previews_and_confirms_a_chain_wide_price(page, world):
    axe.enable(page)
    login(page, "admin")
    page.locator(".sidebar").get_by_role("link", name="统一调价").click()
    expect(page.locator("h1")).to_have_text("统一调价")
    page.get_by_role("button", name="预览调价").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check(page, "chain-prices-errors")
    page.get_by_label("油品", exact=True).select_option(label="95#汽油")
    page.get_by_label("新挂牌价（元/升）").fill("8.40")
    page.get_by_label("新会员价（元/升）").fill("8.20")
    page.get_by_role("button", name="预览调价").click()

    preview = page.locator("#chain-price-preview")
    expect(preview).to_contain_text("+0.19")
    expect(preview.locator("tbody tr")).to_have_count(2)
    check(page, "chain-prices-preview")
    page.get_by_role("button", name="确认调价（2 个油站）").click()

    expect(page.locator("#flash")).to_contain_text("已为 2 个油站排定调价")
    expect(page.locator("#chain-price-batches")).to_contain_text("8.40")
    check(page, "chain-prices-saved")
    moment = chain_prices.coming_midnight()
    db.session.expire_all()
    count = db.session.scalar(
        select(func.count()).where(
            FuelPrice.effective_at == moment, FuelPrice.list_price_fen == 840
        )
    )
    assert count == 2
