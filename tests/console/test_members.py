"""会员 in the console: search, the member's page, who sees what, freezing, the counter form,
Excel exports."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Member, Topup, Wallet
from app.services import ledger, payments
from app.services.ledger import Leg, WalletFrozen
from app.services.members import counter_topups, lookup, member_code
from app.services.members.privacy import mask_phone
from app.services.platform.errors import Invalid
from tests.console.conftest import page
from tests.console.member_helpers import driver, package, pending
from tests.factories import ChainFactory
from tests.money.helpers import credit_wallet, place
from tests.money.topup_helpers import credited_topup

SEARCH = "/console/members"


@pytest.fixture
def zhang(world):
    return driver(world, "张师傅", "13812345678", ("云A12345", "云AD54321"))


@pytest.fixture
def li(world):
    return driver(world, "李姐", "13987655678", ("云B88888",))


def url(member, suffix=""):
    return f"{SEARCH}/{member.id}{suffix}"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_phone("12345") == "*2345"


@pytest.mark.parametrize(
    ("typed", "kind", "how", "value"),
    [
        ("138 1234 5678", "auto", "phone", "13812345678"),
        ("5678", "auto", "phone4", "5678"),
        ("云a·12345", "auto", "plate", "云A12345"),
        ("A12345", "auto", "plate", "A12345"),
        ("张师傅", "auto", "name", "张师傅"),
        ("Tommy", "auto", "name", "Tommy"),
        ("88888", "plate", "plate", "88888"),
    ],
)
def test_what_the_box_is_read_as(typed, kind, how, value):
    assert lookup.classify(typed, kind) == (how, value)


@pytest.mark.parametrize("typed", ["", "   ", "123456", "x" * 31, "a\x00b"])
def test_what_cannot_be_searched_names_the_box(typed):
    with pytest.raises(Invalid) as err:
        lookup.classify(typed)
    assert set(err.value.fields) == {"q"}


def test_search_by_phone_plate_and_name_with_masked_phones(as_staff, zhang, li):
    console = as_staff("cashier_a")
    for typed in ("13812345678", "云A12345", "AD543", "张"):
        html = page(console.get(SEARCH, query_string={"q": typed}))
        rows = html.split("<tbody>")[1]
        assert "张师傅" in rows and "李姐" not in rows, typed
        assert '<td data-label="手机号" class="mono">138****5678</td>' in rows
        assert "13812345678" not in rows
    both = page(console.get(SEARCH, query_string={"q": "5678"}))
    assert "张师傅" in both and "李姐" in both
    none = page(console.get(SEARCH, query_string={"q": "云C00000"}))
    assert "没有找到会员" in none
    bad = console.get(SEARCH, query_string={"q": "123"})
    assert bad.status_code == 400 and "手机号请输入完整的 11 位或后 4 位" in page(bad)
    fragment = page(console.get(SEARCH, query_string={"q": "李"}, htmx=True))
    assert 'id="member-results"' in fragment and "<html" not in fragment and "李姐" in fragment


def test_search_never_finds_another_chains_members(as_staff, world, zhang):
    other = ChainFactory()
    db.session.add(Member(chain_id=other.id, openid="o-x", nickname="张三", phone="13812340000"))
    db.session.commit()
    html = page(as_staff("admin").get(SEARCH, query_string={"q": "张"}))
    assert "张师傅" in html and "张三" not in html
    stranger = db.session.scalars(select(Member).where(Member.chain_id == other.id)).one()
    assert as_staff("admin").get(url(stranger)).status_code == 404


def test_search_pages_through_many_members(as_staff, world):
    for n in range(23):
        driver(world, f"车队{n:02d}", f"139000000{n:02d}")
    console = as_staff("cashier_a")
    first = page(console.get(SEARCH, query_string={"q": "车队"}))
    assert first.count('<td data-label="会员">') == 20 and "下一页" in first
    second = page(console.get(SEARCH, query_string={"q": "车队", "page": 2}))
    assert second.count('<td data-label="会员">') == 3 and "上一页" in second
    assert "车队00" in second and "车队22" in first


def test_phone_searches_stay_out_of_the_browser_history(as_staff, world):
    for n in range(21):
        driver(world, f"车队{n:02d}", f"139000000{n:02d}")
    console = as_staff("cashier_a")
    for args in ({}, {"q": "13900000001"}, {"q": "车队"}, {"q": "车队", "page": 2}):
        html = page(console.get(SEARCH, query_string=args))
        assert "hx-push-url" not in html, args


def test_attendant_gets_no_member_pages(as_staff, zhang):
    console = as_staff("attendant_a")
    assert console.get(SEARCH).status_code == 403
    assert console.get(url(zhang)).status_code == 403
    assert console.get(f"{SEARCH}/export.xlsx?q=5678").status_code == 403


def test_cashier_of_station_a_gets_403_on_station_b(as_staff, world, zhang):
    console = as_staff("cashier_a")
    b = world.station_b.id
    paths = (SEARCH, url(zhang), url(zhang, "/topups"), url(zhang, "/ledger"))
    for path in (*paths, url(zhang, "/topups.xlsx"), url(zhang, "/ledger.xlsx")):
        assert console.get(f"{path}?station_id={b}").status_code == 403, path
    assert console.get(f"{SEARCH}/export.xlsx?q=5678&station_id={b}").status_code == 403
    form = {"station_id": b, "channel": "cash", "amount": "100"}
    assert console.post(url(zhang, "/topups"), form).status_code == 403
    assert db.session.scalar(select(func.count(Topup.id))) == 0


def test_station_staff_see_the_member_but_only_their_stations_records(as_staff, world, zhang):
    """A station's cashier or manager sees who the member is and the whole balance, but only
    the top-ups, orders and wallet lines of their own stations; a chain admin sees them all."""
    at_a = counter_topups.approve_counter_topup(world.manager_a, pending(world, zhang, 30000).id)
    asked_at_b = pending(world, zhang, 40000, by=world.manager_b, station_id=world.station_b.id)
    at_b = counter_topups.approve_counter_topup(world.admin, asked_at_b.id)
    chain_wide = credited_topup(zhang, None, principal_fen=10000, bonus_fen=0)
    order_a = payments.pay_with_wallet(zhang, place(zhang, world.station_a, amount_fen=5000).id)
    order_b = payments.pay_with_wallet(zhang, place(zhang, world.station_b, amount_fen=6000).id)
    everything = {at_a.topup_no, at_b.topup_no, chain_wide.topup_no, order_a.order_no}
    everything |= {order_b.order_no}
    seen_by = {
        "cashier_a": {at_a.topup_no, order_a.order_no},
        "manager_b": {at_b.topup_no, order_b.order_no},
        "admin": everything,
    }
    for who, seen in seen_by.items():
        console = as_staff(who)
        html = page(console.get(url(zhang)))
        assert "¥690.00" in html and "云A12345" in html, who  # 300 + 400 + 100 - 50 - 60
        assert {n for n in everything if n in html} == seen, who
        assert ("只列出您所在油站的记录" in html) == (who != "admin"), who
        for panel in ("/topups", "/orders", "/ledger"):
            listed = page(console.get(url(zhang, panel)))
            assert {n for n in everything if n in listed} <= seen, (who, panel)
        for sheet in ("/topups.xlsx", "/ledger.xlsx"):
            book = load_workbook(io.BytesIO(console.get(url(zhang, sheet)).data)).active
            cells = {str(c) for row in book.iter_rows(values_only=True) for c in row}
            assert {n for n in everything if n in cells} <= seen, (who, sheet)
    cashier = as_staff("cashier_a")
    topups_sheet = load_workbook(io.BytesIO(cashier.get(url(zhang, "/topups.xlsx")).data)).active
    assert [row[0] for row in topups_sheet.iter_rows(min_row=2, values_only=True)] == [
        at_a.topup_no
    ]
    assert ledger.check() == []


def test_member_page_shows_balances_tier_vehicles_and_lists(as_staff, world, zhang):
    credit_wallet(zhang, 12345)
    offer = package(world, 50000, 3000)
    counter_topups.approve_counter_topup(
        world.manager_a, pending(world, zhang, None, package_id=offer.id).id
    )
    pending(world, zhang, 20000, "pos")
    html = page(as_staff("cashier_a").get(url(zhang)))
    assert "¥623.45" in html and "¥30.00" in html and "¥653.45" in html
    assert "云A12345" in html and "云AD54321" in html and "默认车辆" in html
    assert "138****5678" in html and "13812345678" not in html
    assert "已到账" in html and "待审核" in html and "POS-889901" in html
    assert "柜台充值（现金）" in html and "+500.00" in html and "+30.00" in html
    assert "冻结钱包" not in html  # a cashier neither freezes nor sees the form
    assert 'id="topup-form"' in html
    manager = page(as_staff("manager_a").get(url(zhang)))
    assert "13812345678" in manager and "冻结钱包" in manager
    assert ledger.check() == []


def test_member_lists_page_on_their_own(as_staff, world, zhang):
    for n in range(22):
        pending(world, zhang, 1000 + n)
    console = as_staff("cashier_a")
    html = page(console.get(url(zhang)))
    assert html.count('<tr id="topup-') == 20
    second = console.get(url(zhang, "/topups?page=2"), htmx=True)
    body = page(second)
    assert 'id="member-topups"' in body and "<html" not in body and "10.00" in body
    full = page(console.get(url(zhang, "/topups?page=2")))
    assert "<html" in full and "充值记录" in full and "上一页" in full
    assert console.get(url(zhang, "/orders")).status_code == 200
    assert ledger.check() == []


def test_manager_freezes_with_a_reason_and_the_wallet_pays_nothing(as_staff, world, zhang):
    credit_wallet(zhang, 10000)
    console = as_staff("manager_a")
    missing = console.post(url(zhang, "/wallet/freeze"), {"reason": "  "})
    assert missing.status_code == 400 and "请填写冻结原因" in page(missing)
    response = console.post(url(zhang, "/wallet/freeze"), {"reason": "车主挂失手机"})
    assert response.status_code == 303
    html = page(console.get(response.headers["Location"]))
    assert "已冻结钱包" in html and "车主挂失手机" in html and "解冻钱包" in html
    with pytest.raises(WalletFrozen):
        ledger.post(
            world.chain.id,
            "test.spend",
            [Leg("member_wallet", 100, member_id=zhang.id), Leg("fuel_revenue", -100)],
        )
    db.session.rollback()
    again = console.post(url(zhang, "/wallet/freeze"), {"reason": "再冻结"}, htmx=True)
    assert "该钱包已经冻结" in page(again)
    done = console.post(url(zhang, "/wallet/unfreeze"), {"reason": "本人到站核实"}, htmx=True)
    assert "已解冻钱包" in page(done) and 'id="wallet"' in page(done)
    db.session.expire_all()
    wallet = db.session.scalars(select(Wallet).where(Wallet.member_id == zhang.id)).one()
    assert (wallet.frozen_at, wallet.frozen_reason) == (None, None)
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.action, e.station_id) for e in entries] == [
        ("wallet.freeze", world.station_a.id),
        ("wallet.unfreeze", world.station_a.id),
    ]
    assert entries[1].before["frozen_reason"] == "车主挂失手机"
    assert ledger.check() == []


def test_cashier_cannot_freeze_and_csrf_is_required(as_staff, world, zhang):
    cashier = as_staff("cashier_a")
    assert cashier.post(url(zhang, "/wallet/freeze"), {"reason": "x"}).status_code == 403
    manager = as_staff("manager_a")
    response = manager.post(url(zhang, "/wallet/freeze"), {"reason": "x"}, csrf=False)
    assert response.status_code == 303
    response = manager.post(url(zhang, "/topups"), {"channel": "cash", "amount": "100"}, csrf=False)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Wallet.id))) == 0
    assert db.session.scalar(select(func.count(Topup.id))) == 0


def test_cashier_records_a_counter_topup_from_the_member_page(as_staff, world, zhang):
    console = as_staff("cashier_a")
    html = page(console.get(url(zhang)))
    number = html.split('name="request_no" type="hidden" value="')[1].split('"')[0]
    form = {"request_no": number, "station_id": world.station_a.id, "channel": "pos"}
    bad = console.post(url(zhang, "/topups"), form | {"amount": "5o0"}, htmx=True)
    assert bad.status_code == 400 and 'id="topup-form"' in page(bad)
    assert "请输入金额" in page(bad)
    bad = console.post(url(zhang, "/topups"), form | {"amount": "500"}, htmx=True)
    assert bad.status_code == 400 and "POS 签购单上的参考号" in page(bad)
    good = form | {"amount": "500", "pos_reference": "889901", "note": "车队月充"}
    sent = console.post(url(zhang, "/topups"), good, htmx=True)
    body = page(sent)
    assert sent.status_code == 200 and "已提交柜台充值 500.00 元，站长审核通过后到账" in body
    assert (
        'id="member-topups" class="card flush" aria-labelledby="topups-title" hx-swap-oob="true"'
        in body
    )
    assert "待审核" in body
    assert console.post(url(zhang, "/topups"), good).status_code == 303  # the resend
    topup = db.session.scalars(select(Topup)).one()
    assert (topup.principal_fen, topup.pos_reference, topup.note) == (50000, "889901", "车队月充")
    assert ledger.check() == []


def test_a_member_code_opens_the_members_page_once(as_staff, world, zhang):
    console = as_staff("cashier_a")
    response = console.post(f"{SEARCH}/identify", {"code": ""})
    assert response.status_code == 400 and "请扫描或输入会员码" in page(response)
    code, _ = member_code.issue(zhang)
    response = console.post(f"{SEARCH}/identify", {"code": code})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/console/members/{zhang.id}")
    replay = console.post(f"{SEARCH}/identify", {"code": code})
    assert replay.status_code == 400 and "会员码" in page(replay)


def test_exports_are_excel_with_masked_phones_and_text_kept_as_text(as_staff, world, zhang, li):
    evil = driver(world, '=HYPERLINK("x")', "13600005678")
    pending(world, zhang, 50000)
    counter_topups.approve_counter_topup(world.manager_a, pending(world, zhang, 20000, "pos").id)
    console = as_staff("manager_a")
    response = console.get(f"{SEARCH}/export.xlsx", query_string={"q": "5678"})
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("会员号", "昵称", "手机号")
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {zhang.id, li.id, evil.id}
    assert by_id[zhang.id][2] == "138****5678" and by_id[zhang.id][4] == "云A12345、云AD54321"
    assert by_id[evil.id][1] == '=HYPERLINK("x")'
    cell = next(c for c in sheet.iter_rows(min_row=2) if c[0].value == evil.id)[1]
    assert cell.data_type == "s"
    for path in ("/topups.xlsx", "/ledger.xlsx"):
        assert console.get(url(zhang, path)).headers["Cache-Control"] == "no-store", path
    topups = load_workbook(io.BytesIO(console.get(url(zhang, "/topups.xlsx")).data)).active
    lines = list(topups.iter_rows(values_only=True))
    assert len(lines) == 3 and {line[6] for line in lines[1:]} == {"待审核", "已到账"}
    ledger_sheet = load_workbook(io.BytesIO(console.get(url(zhang, "/ledger.xlsx")).data)).active
    lines = list(ledger_sheet.iter_rows(values_only=True))
    assert lines[1][1] == "柜台充值（银行卡）" and float(lines[1][4]) == 200.0
    assert ledger.check() == []
