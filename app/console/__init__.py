"""Staff console: server-rendered pages that HTMX enhances with partial updates."""

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

# The view modules register their routes on bp when imported.
from app.console import (  # noqa: E402, F401
    approval_refunds,
    approvals,
    audit,
    auth,
    banners,
    campaigns,
    card_sales,
    cards,
    chain_prices,
    counter_online,
    counter_refunds,
    counter_sale,
    coupon_pushes,
    coupons,
    daily_close,
    dashboard,
    hooks,
    invoices,
    issued_coupons,
    member_actions,
    member_counter_pay,
    member_exports,
    members,
    notices,
    nozzles,
    orders,
    points,
    points_desk,
    prices,
    refunds,
    shifts,
    staff,
    stations,
    tiers,
    topup_packages,
)
