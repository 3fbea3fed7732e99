"""The orders export past the 10,000 rows that other lists stop at: every order of a busy
station's month comes out, with its totals row, and the sheet's cap is Excel's own."""

import io

from flask import current_app
from openpyxl import load_workbook
from sqlalchemy import text

from app.console import xlsx
from app.extensions import db
from tests.factories import make_member

ORDERS = 10_050

# Unpaid, expired orders: no money moved, so the books (checked after each test) still balance.
INSERT = text(
    """
    INSERT INTO fuel_order (chain_id, station_id, member_id, order_no, fuel_id, mode,
        price_id, list_price_fen, unit_price_fen, member_price_applied, amount_fen, status,
        paid_fen, refunded_fen, created_at, expires_at, channel)
    SELECT p.chain_id, p.station_id, :member, 'JY' || lpad(g::text, 22, '0'), p.fuel_id,
        'amount', p.id, p.list_price_fen, p.list_price_fen, false, 10000, 'expired', 0, 0,
        now() - make_interval(secs => g), now() - make_interval(secs => g) + interval '15 min',
        'online'
    FROM fuel_price p, generate_series(1, :count) g
    WHERE p.station_id = :station AND p.fuel_id = :fuel
    """
)


def test_an_export_of_more_than_10000_orders_holds_them_all(as_staff, world):
    member = make_member(world.chain)
    values = {"member": member.id, "count": ORDERS, "station": world.station_a.id}
    db.session.execute(INSERT, {**values, "fuel": world.fuels["92"].id})
    db.session.commit()
    console = as_staff("manager_a")
    response = console.get("/console/orders/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[1] == "订单号" and len(body) == ORDERS
    assert body[0][1] == "JY" + "1".zfill(22)  # newest first
    assert body[-1][1] == "JY" + str(ORDERS).zfill(22)
    assert len({row[1] for row in body}) == ORDERS
    assert total[0] == f"合计 {ORDERS} 笔"
    assert xlsx.SHEET_MAX_ROWS + 2 <= 1_048_576  # header, rows and totals fit one Excel sheet


def test_the_cap_row_says_where_the_sheet_stopped(app_ctx):
    """Past max_rows the sheet ends with a line saying so (the orders' cap is Excel's limit)."""
    with current_app.test_request_context():
        response = xlsx.download("t", "t", ["n"], ([n] for n in range(5)), max_rows=3)
        response.direct_passthrough = False
        sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [
        "n",
        0,
        1,
        2,
        "（只导出前 3 行）",
    ]
