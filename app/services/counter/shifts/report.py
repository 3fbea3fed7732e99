"""A shift's figures: 走字 per nozzle, sales by fuel x payment method, totalizer vs sold litres
per fuel, the split at each price change inside the shift, the counter's money by kind of
movement (drawer.py) and expected vs counted cash.

Reads only; the same function serves the live figures of an open shift, the preview before a
close, the close itself (which stores the totals) and the slip of a closed shift. The sales and
the money of a closed shift never change (their shift_id and figures are fixed; only the
close's own postings join its drawer later, and they are kept apart), so the slip shows what
the close computed."""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Fuel, FuelPrice, Order, Shift, ShiftCorrection, ShiftReading
from app.models.order import PAYMENT_METHOD_NAMES as PAYMENT_METHODS
from app.services.counter.shifts.drawer import Drawer, drawer_of
from app.services.counter.shifts.readings import Closing, check_closing, gross_ml


@dataclass(frozen=True)
class Sale:
    fuel_id: int
    nozzle_id: int | None
    payment_method: str
    ml: int
    fen: int
    fueled_at: datetime


@dataclass
class Totals:
    count: int = 0
    ml: int = 0
    fen: int = 0

    def add(self, sale: Sale) -> None:
        self.count += 1
        self.ml += sale.ml
        self.fen += sale.fen


@dataclass
class NozzleLine:
    reading: ShiftReading
    fuel_name: str
    closing: Closing | None
    gross_ml: int | None = None  # 走字数
    metered_ml: int | None = None  # 走字数 less 回罐
    sold: Totals = field(default_factory=Totals)  # orders that named this nozzle


@dataclass
class FuelLine:
    fuel_id: int
    name: str
    metered_ml: int | None
    sold: Totals
    tolerance_ml: int

    @property
    def diff_ml(self) -> int | None:
        return None if self.metered_ml is None else self.metered_ml - self.sold.ml

    @property
    def flagged(self) -> bool:
        return self.diff_ml is not None and abs(self.diff_ml) > self.tolerance_ml


@dataclass
class Segment:
    """One fuel's sales between two price changes inside the shift."""

    fuel_name: str
    start: datetime
    end: datetime
    list_price_fen: int | None
    totals: Totals = field(default_factory=Totals)


@dataclass
class Report:
    shift: Shift
    end: datetime
    nozzles: list[NozzleLine]
    fuels: list[FuelLine]
    methods: list[tuple[str, str, Totals]]  # fuel name, payment method name, totals
    segments: list[Segment]
    sold: Totals
    drawer: Drawer
    counted_cash_fen: int | None
    corrections: list[ShiftCorrection]
    tolerance_ml: int

    @property
    def metered_ml(self) -> int | None:
        lines = [line.metered_ml for line in self.nozzles]
        return None if None in lines else sum(lines)

    @property
    def expected_cash_fen(self) -> int:
        return self.drawer.expected_cash_fen

    @property
    def over_short_fen(self) -> int | None:
        if self.counted_cash_fen is None:
            return None
        return self.counted_cash_fen - self.expected_cash_fen

    @property
    def flagged(self) -> list[FuelLine]:
        return [line for line in self.fuels if line.flagged]

    @property
    def has_price_change(self) -> bool:
        names = [segment.fuel_name for segment in self.segments]
        return len(names) != len(set(names))


def shift_sales(shift_id: int) -> list[Sale]:
    rows = db.session.execute(
        select(
            Order.fuel_id,
            Order.nozzle_id,
            Order.payment_method,
            Order.dispensed_ml,
            Order.dispensed_fen,
            Order.fueled_at,
        )
        .where(Order.shift_id == shift_id, Order.fueled_at.is_not(None))
        .order_by(Order.fueled_at, Order.id)
    )
    return [Sale(f, n, m or "", ml, fen, at) for f, n, m, ml, fen, at in rows]


def check(readings: list[ShiftReading], closings: dict[int, Closing]) -> dict:
    """Every nozzle's problems, {field key: message}; {} when the closing figures are sound."""
    errors = {}
    for reading in readings:
        closing = closings.get(reading.nozzle_id, Closing(None))
        errors |= check_closing(
            reading.nozzle_id, reading.nozzle_number, reading.opening_ml, closing
        )
    return errors


def compute(
    shift: Shift,
    readings: list[ShiftReading],
    closings: dict[int, Closing] | None,
    counted_cash_fen: int | None,
    end: datetime,
) -> Report:
    """The figures of the shift up to `end` with these closing readings (None: still open).
    The closings must have passed check()."""
    tolerance = current_app.config["SHIFT_METER_TOLERANCE_ML"]
    sales = shift_sales(shift.id)
    fuel_ids = sorted({r.fuel_id for r in readings} | {s.fuel_id for s in sales})
    fuels = {f.id: f for f in db.session.scalars(select(Fuel).where(Fuel.id.in_(fuel_ids or [-1])))}
    order = sorted(fuel_ids, key=lambda i: (fuels[i].sort_order, fuels[i].code))

    nozzles = []
    for reading in readings:
        closing = closings.get(reading.nozzle_id) if closings is not None else None
        line = NozzleLine(reading, fuels[reading.fuel_id].name, closing)
        if closing is not None:
            line.gross_ml = gross_ml(reading.opening_ml, closing)
            line.metered_ml = line.gross_ml - closing.test_pour_ml
        nozzles.append(line)
    by_nozzle = {line.reading.nozzle_id: line for line in nozzles}

    sold, per_fuel, per_method = Totals(), {i: Totals() for i in order}, {}
    for sale in sales:
        sold.add(sale)
        per_fuel[sale.fuel_id].add(sale)
        per_method.setdefault((sale.fuel_id, sale.payment_method), Totals()).add(sale)
        if sale.nozzle_id in by_nozzle:
            by_nozzle[sale.nozzle_id].sold.add(sale)

    fuel_lines = []
    for fuel_id in order:
        metered = [line.metered_ml for line in nozzles if line.reading.fuel_id == fuel_id]
        total = None if closings is None or None in metered else sum(metered)
        fuel_lines.append(
            FuelLine(fuel_id, fuels[fuel_id].name, total, per_fuel[fuel_id], tolerance)
        )
    methods = [
        (fuels[f].name, PAYMENT_METHODS.get(m, m or "未知"), totals)
        for (f, m), totals in sorted(
            per_method.items(), key=lambda item: (order.index(item[0][0]), item[0][1])
        )
    ]
    corrections = list(
        db.session.scalars(
            select(ShiftCorrection)
            .where(ShiftCorrection.shift_id == shift.id)
            .order_by(ShiftCorrection.id)
        )
    )
    return Report(
        shift=shift,
        end=end,
        nozzles=nozzles,
        fuels=fuel_lines,
        methods=methods,
        segments=_segments(shift, order, fuels, sales, end),
        sold=sold,
        drawer=drawer_of(shift.id),
        counted_cash_fen=counted_cash_fen,
        corrections=corrections,
        tolerance_ml=tolerance,
    )


def _segments(shift, order, fuels, sales, end) -> list[Segment]:
    """Per fuel, the shift cut at each price taking effect inside it; a sale falls in the
    segment of its fuelling time. The list price shown is the one in force from the cut on."""
    segments = []
    for fuel_id in order:
        prices = list(
            db.session.execute(
                select(FuelPrice.effective_at, FuelPrice.list_price_fen)
                .where(
                    FuelPrice.station_id == shift.station_id,
                    FuelPrice.fuel_id == fuel_id,
                    FuelPrice.cancelled_at.is_(None),
                    FuelPrice.effective_at < end,
                )
                .order_by(FuelPrice.effective_at)
            )
        )
        in_force = None
        cuts = []
        for effective_at, list_price in prices:
            if effective_at <= shift.opened_at:
                in_force = list_price
            else:
                cuts.append((effective_at, list_price))
        starts = [shift.opened_at] + [at for at, _ in cuts]
        ends = [*starts[1:], end]
        listed = [in_force] + [price for _, price in cuts]
        parts = [
            Segment(fuels[fuel_id].name, s, e, p)
            for s, e, p in zip(starts, ends, listed, strict=True)
        ]
        for sale in sales:
            if sale.fuel_id == fuel_id:
                parts[max(0, bisect_right(starts, sale.fueled_at) - 1)].totals.add(sale)
        segments += parts
    return segments
