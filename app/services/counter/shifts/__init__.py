"""Shifts (交接班) and daily close (日结): opening a shift with its totalizer readings
(`handover`), which shift each sale belongs to (`attach`), the figures of a shift (`report`,
`readings`), and the daily close with corrections (`daily`). Shifts read orders; orders call
only `attach_order`, in the transaction that records the pump reading."""

from app.services.counter.shifts.attach import attach_order
from app.services.counter.shifts.daily import add_correction, close_day
from app.services.counter.shifts.handover import (
    accept_handover,
    close_shift,
    open_shift,
    preview_close,
)
from app.services.counter.shifts.readings import Closing, litres_to_ml, ml_to_litres

__all__ = [
    "Closing",
    "accept_handover",
    "add_correction",
    "attach_order",
    "close_day",
    "close_shift",
    "litres_to_ml",
    "ml_to_litres",
    "open_shift",
    "preview_close",
]
