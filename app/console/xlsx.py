"""Lists as Excel sheets: a write-only workbook (rows go to a temporary file as they come, not
held in memory) sent as a download. Text cells are always text: a nickname starting with "="
is shown, never run as a formula."""

import tempfile
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from app.services.platform.clock import to_local

MAX_ROWS = 10_000  # lists read page by page
# Lists streamed from a server-side cursor (the orders): as many as one Excel sheet holds.
SHEET_MAX_ROWS = 1_048_000
# A finished sheet up to this size is kept in memory until sent, a bigger one on disk.
SPOOL_BYTES = 256 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Yuan(int):
    """An amount in fen that the sheet shows as 元 with two decimals."""


def _cell(sheet, value):
    if isinstance(value, Yuan):
        cell = WriteOnlyCell(sheet, Decimal(int(value)) / 100)
        cell.number_format = "0.00"
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, to_local(value).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif value is None:
        cell = WriteOnlyCell(sheet, None)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value)
    else:
        cell = WriteOnlyCell(sheet, str(value))
        cell.data_type = "s"  # never a formula
    return cell


def download(
    filename: str, title: str, header: list[str], rows: Iterable[list], max_rows: int = MAX_ROWS
):
    """The sheet as an attachment named filename (.xlsx), max_rows rows at most. Each row goes
    to the workbook's temporary file as it comes, so memory stays flat however many."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    heads = []
    for name in header:
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        heads.append(cell)
    sheet.append(heads)
    for count, row in enumerate(rows):
        if count >= max_rows:
            sheet.append([_cell(sheet, f"（只导出前 {max_rows} 行）")])
            break
        sheet.append([_cell(sheet, value) for value in row])
    # Closed by the response once sent, not here.
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    book.save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{filename}.xlsx")
