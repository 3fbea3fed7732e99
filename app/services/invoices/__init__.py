"""Invoices: a driver's request for the invoice of an order from its receipt's QR (`requests`),
the station's handling of it, issued by hand or rejected (`handling`), and the staff's list and
export (`listing`). The e-invoice platform will issue from the same requests; red invoices
(冲红) after a refund come with it."""

from app.services.invoices.handling import count_waiting, mark_issued, reject
from app.services.invoices.requests import (
    WINDOW_DAYS,
    InvoicePage,
    invoice_page,
    masked_email,
    request_invoice,
)

__all__ = [
    "WINDOW_DAYS",
    "InvoicePage",
    "count_waiting",
    "invoice_page",
    "mark_issued",
    "masked_email",
    "reject",
    "request_invoice",
]
