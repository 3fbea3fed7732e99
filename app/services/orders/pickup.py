"""The one-time pickup QR of a paid order, and the attendant's confirmation of fuelling."""

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import qrcode
from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Order, PickupToken, Refund, Staff
from app.models.base import insert_unless_exists, utcnow
from app.services.counter import shifts
from app.services.orders import order_state, statements, station_events
from app.services.orders.fueling import Fueling, price_fueling
from app.services.platform import audit, outbox
from app.services.platform.errors import Conflict, NotFound, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

TOKEN_TTL = timedelta(hours=24)
CODE_DIGITS = 8
ISSUE_TRIES = 5
STATION_ROLES = ("attendant", "cashier", "manager", "chain_admin")


class TokenExpired(ServiceError):
    status = 410
    code = "token_expired"


class TokenUsed(Conflict):
    code = "token_used"


class OtherStation(PermissionDenied):
    code = "other_station"


def _key(purpose: bytes) -> bytes:
    return hashlib.sha256(purpose + current_app.config["SECRET_KEY"].encode()).digest()


def _derive(order_id: int, nonce: str) -> str:
    """160 bits, keyed by the app secret: a database copy alone cannot rebuild a token."""
    digest = hmac.new(_key(b"pickup-token:"), f"{order_id}:{nonce}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()[:20]).decode().rstrip("=")


def _derive_code(order_id: int, nonce: str) -> str:
    """The short code the driver reads out: 8 random-looking digits from the same nonce."""
    digest = hmac.new(_key(b"pickup-code:"), f"{order_id}:{nonce}".encode(), hashlib.sha256)
    return f"{int.from_bytes(digest.digest()[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().upper().encode()).hexdigest()


def hash_code(station_id: int, code: str) -> str:
    """Keyed, as 10^8 codes are quickly tried against a plain hash; the station is part of it,
    so a code means nothing at another station."""
    message = f"{station_id}:{code}".encode()
    return hmac.new(_key(b"pickup-code-hash:"), message, hashlib.sha256).hexdigest()


def issue(order: Order) -> None:
    """Create the order's token and short code in the caller's transaction (when it becomes
    paid). The code is unique among the station's live codes: the database refuses a second
    one, and another nonce is drawn."""
    now = utcnow()
    for _ in range(ISSUE_TRIES):
        nonce = secrets.token_hex(16)
        values = {
            "chain_id": order.chain_id,
            "station_id": order.station_id,
            "order_id": order.id,
            "token_hash": hash_token(_derive(order.id, nonce)),
            "nonce": nonce,
            "expires_at": now + TOKEN_TTL,
            "code_hash": hash_code(order.station_id, _derive_code(order.id, nonce)),
        }
        if insert_unless_exists(PickupToken, ("station_id", "code_hash"), values):
            break
        _free_stale_code(order.station_id, values["code_hash"], now)
    else:
        raise Conflict("取油码生成失败，请重试")
    # Shown in the answer right away, without a query.
    set_committed_value(order, "pickup_token", PickupToken(**values))


def _free_stale_code(station_id: int, code_hash: str, now: datetime) -> None:
    """A code held by a token that can no longer be used (order cancelled, token expired) is
    given up when a new order draws the same code."""
    db.session.execute(
        update(PickupToken)
        .where(
            PickupToken.station_id == station_id,
            PickupToken.code_hash == code_hash,
            (PickupToken.expires_at <= now)
            | PickupToken.used_at.is_not(None)
            | ~exists().where(Order.id == PickupToken.order_id, Order.status == "paid"),
        )
        .values(code_hash=None)
        .execution_options(synchronize_session=False)
    )


class LivePickup(NamedTuple):
    token: str
    expires_at: datetime
    code: str | None  # None for a token issued before short codes existed


def live_token(order: Order) -> LivePickup | None:
    """The live token of a paid order, when it expires and its short code, for the driver's
    QR; None once used or expired."""
    if order.status != "paid":
        return None
    row = order.pickup_token
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    code = _derive_code(order.id, row.nonce) if row.code_hash is not None else None
    return LivePickup(_derive(order.id, row.nonce), row.expires_at, code)


def short_codes(order_ids) -> dict[int, str]:
    """The live short codes of these orders, by order id, in one query (the counter's list)."""
    ids = set(order_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(PickupToken.order_id, PickupToken.nonce).where(
            PickupToken.order_id.in_(ids),
            PickupToken.code_hash.is_not(None),
            PickupToken.used_at.is_(None),
            PickupToken.expires_at > utcnow(),
        )
    )
    return {order_id: _derive_code(order_id, nonce) for order_id, nonce in rows}


def token_for(order: Order) -> str | None:
    live = live_token(order)
    return live.token if live else None


def qr_png(token: str) -> bytes:
    image = qrcode.make(token, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def check_staff(staff: Staff, station_id: int) -> None:
    if staff.role not in STATION_ROLES:
        raise PermissionDenied("无权确认加油")
    if station_id not in visible_station_ids(staff):
        raise OtherStation("该订单不属于本站，请让司机到下单的油站加油")


def lookup(staff: Staff, token: str) -> Order:
    """The paid order behind a scanned token, checked for this staff member's station."""
    row, order = statements.token_with_order(hash_token(token))
    if row is None or row.chain_id != staff.chain_id:
        raise NotFound("二维码无效，请让司机刷新订单二维码")
    check_staff(staff, row.station_id)
    if row.used_at is not None:
        raise TokenUsed("该二维码已使用，订单已加油")
    if row.expires_at <= utcnow():
        raise TokenExpired("二维码已过期，请让司机联系收银台")
    if order.status != "paid":
        raise Conflict(f"订单状态为「{order_state.STATUS_NAMES[order.status]}」，不能加油")
    return order


def preview(staff: Staff, token: str, dispensed_ml: int) -> tuple[Order, Fueling]:
    """What confirming this reading would record; changes nothing."""
    order = lookup(staff, token)
    return order, price_fueling(order, dispensed_ml)


def confirm_fueling(staff: Staff, token: str, dispensed_ml: int) -> Order:
    """Record the litres shown on the pump; the token is burnt and settlement is queued."""
    return confirm(staff, token, dispensed_ml)[0]


class ConfirmationReused(Conflict):
    code = "confirmation_id_reused"


def _earlier_confirmation(staff: Staff, confirmation_id: str, token: str, dispensed_ml: int):
    """The first result of a confirmation sent again (offline queue, lost answer), or None."""
    order = db.session.scalar(select(Order).where(Order.confirmation_id == confirmation_id))
    if order is None:
        return None
    check_staff(staff, order.station_id)
    token_hash = db.session.scalar(
        select(PickupToken.token_hash).where(PickupToken.order_id == order.id)
    )
    if token_hash != hash_token(token) or order.dispensed_ml != dispensed_ml:
        raise ConfirmationReused("该确认编号已用于另一笔加油确认")
    settlement_refunds = db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
            Refund.order_id == order.id, Refund.kind == "settlement", Refund.status != "CLOSED"
        )
    )
    before = order.refunded_fen - settlement_refunds  # refunded when the pump was read
    refund = order.paid_fen - before - order.dispensed_fen
    return order, Fueling(
        order.dispensed_ml,
        order.dispensed_fen,
        refund,
        order.dispensed_coupon_fen or 0,
        order.dispensed_campaign_fen or 0,
        order.dispensed_day_fen or 0,
    )


def confirm(
    staff: Staff, token: str, dispensed_ml: int, confirmation_id: str | None = None
) -> tuple[Order, Fueling, bool]:
    """confirm_fueling, with the reading's amount and refund as they were when confirmed (a
    settlement job may already have run when the caller looks at the order), and whether this
    was a confirmation sent again (then nothing changed)."""
    if confirmation_id:
        earlier = _earlier_confirmation(staff, confirmation_id, token, dispensed_ml)
        if earlier:
            return (*earlier, True)
    try:
        with unit_of_work(keep_loaded=True):  # the order as the UPDATE returned it: the answer
            return (*_confirm_now(staff, token, dispensed_ml, confirmation_id), False)
    except Conflict:
        # The same confirmation sent twice at once: the loser answers with the winner's result.
        earlier = confirmation_id and _earlier_confirmation(
            staff, confirmation_id, token, dispensed_ml
        )
        if earlier:
            return (*earlier, True)
        raise


def _campaign_audit(order: Order, fueling: Fueling) -> dict:
    saving = fueling.campaign_fen + fueling.day_fen
    has_campaign = order.campaign_id is not None or order.day_campaign_id is not None
    return {"campaign_fen": saving} if has_campaign else {}


def _confirm_now(
    staff: Staff, token: str, dispensed_ml: int, confirmation_id: str | None
) -> tuple[Order, Fueling]:
    order = lookup(staff, token)
    fueling = price_fueling(order, dispensed_ml)
    dispensed_fen = fueling.dispensed_fen
    now = utcnow()
    if not statements.burn_token(order.id, staff.id, now):
        raise TokenUsed("该二维码已使用，订单已加油")
    fueled = order_state.take(
        order.id,
        "paid",
        "fueled",
        order_state.COVERS,
        params={"needed_fen": dispensed_fen},
        dispensed_ml=dispensed_ml,
        dispensed_fen=dispensed_fen,
        dispensed_coupon_fen=fueling.coupon_fen if order.coupon_id is not None else None,
        dispensed_campaign_fen=fueling.campaign_fen if order.campaign_id is not None else None,
        dispensed_day_fen=fueling.day_fen if order.day_campaign_id is not None else None,
        fueled_at=now,
        fueled_by_id=staff.id,
        confirmation_id=confirmation_id or None,
    )
    if fueled is None:
        raise Conflict("订单已被处理或刚刚退款，请刷新后重试")
    audit.record(
        staff,
        "order.fueled",
        "order",
        order.id,
        chain_id=order.chain_id,
        station_id=order.station_id,
        after={"dispensed_ml": dispensed_ml, "dispensed_fen": dispensed_fen}
        | ({"coupon_fen": fueling.coupon_fen} if order.coupon_id is not None else {})
        | (_campaign_audit(order, fueling)),
    )
    # The shift whose pumps dispensed it (see services/counter/shifts/attach.py).
    set_committed_value(fueled, "shift_id", shifts.attach_order(order.id, order.station_id))
    outbox.enqueue("settle_order", {"order_id": order.id}, dedupe_key=f"settle:{order.id}")
    station_events.record(order, "order.fueled")
    return fueled, fueling
