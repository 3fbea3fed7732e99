"""Excel sheets of recharge cards: the one-time sheet with the secrets, for printing, and the
export of a batch's cards (never their secrets)."""

import io
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.models import CARD_STATUSES, CardBatch
from app.services.members.card_queries import CardLine
from app.services.members.card_secrets import grouped
from app.services.members.recharge_cards import PAYMENT_NAMES
from app.services.platform.clock import to_local
from app.services.platform.money import fen_to_yuan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECRET_HEADER = ["卡号", "卡密", "面值（元）", "有效期至"]
EXPORT_HEADER = [
    "卡号",
    "状态",
    "面值（元）",
    "有效期至",
    "售出油站",
    "售出时间",
    "收款方式",
    "POS 参考号",
    "兑换时间",
    "作废时间",
    "作废原因",
]


def _when(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _last_day(batch: CardBatch) -> str:
    """The last day a card is valid: expires_at is the midnight that ends it."""
    return (to_local(batch.expires_at) - timedelta(seconds=1)).strftime("%Y-%m-%d")


def _workbook(title: str, header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, name in enumerate(header, start=1):
        width = max([len(name) * 2, *(len(str(r[index - 1])) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 40)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def secrets_sheet(batch: CardBatch, cards: list[tuple[str, str]]) -> bytes:
    """Number, secret, face value and last valid day of each card; numbers and secrets as
    text in groups of four, as printed."""
    face, day = fen_to_yuan(batch.face_fen), _last_day(batch)
    rows = [[grouped(number), grouped(secret), face, day] for number, secret in cards]
    return _workbook("卡密", SECRET_HEADER, rows)


def export_sheet(batch: CardBatch, lines: list[CardLine]) -> bytes:
    day = _last_day(batch)
    rows = [
        [
            line.card.number,
            CARD_STATUSES[line.card.status],
            fen_to_yuan(line.card.face_fen),
            day,
            line.sold_station,
            _when(line.card.activated_at),
            PAYMENT_NAMES.get(line.card.sold_payment or "", ""),
            line.card.pos_reference,
            _when(line.card.redeemed_at),
            _when(line.card.voided_at),
            line.card.void_reason,
        ]
        for line in lines
    ]
    return _workbook("充值卡", EXPORT_HEADER, rows)


def file_name(batch: CardBatch, what: str) -> str:
    return f"充值卡-{batch.id}-{what}.xlsx"
