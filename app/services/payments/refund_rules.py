"""Who may refund which order at the counter, and how much: the checks a staff refund makes as
it reads the order (create_refund's guarded update decides the amount again against the row),
the reversal reference a refund of a walk-in sale paid by card or on the terminal needs, and a
refund request's amount, reason and note (the counter's and the driver's alike)."""

from app.extensions import db
from app.models import Order, Staff
from app.services.orders import order_state
from app.services.platform.errors import Invalid, NotFound, PermissionDenied
from app.services.platform.money import fen_to_yuan
from app.services.staff.access import visible_station_ids

REFUND_ROLES = ("cashier", "manager", "chain_admin")
NOTE_MAX = 200  # a refund request's note
# Walk-in sales whose money goes back on the station's own POS or terminal: the refund records
# that reversal's reference, which the cashier reads off the slip.
REVERSALS = {
    "pos": "银行卡退款请填写 POS 上撤销或退货交易的参考号",
    "terminal": "扫码退款请填写收款终端上退款交易的单号",
}
REFERENCE_MAX = 64


def staff_order(actor: Staff, order_id: int, *, for_update: bool = False) -> Order:
    """The order, if this staff member may refund it (a cashier, manager or chain admin of its
    station); for_update: locked until the caller's transaction ends."""
    if actor.role not in REFUND_ROLES:
        raise PermissionDenied("只有收银员、站长和总部管理员可以退款")
    order = db.session.get(
        Order, order_id, with_for_update=for_update or None, populate_existing=for_update
    )
    if order is None or order.chain_id != actor.chain_id:
        raise NotFound("订单不存在")
    if order.station_id not in visible_station_ids(actor):
        raise PermissionDenied("该订单不属于您的油站")
    return order


def check_refundable(order: Order, amount_fen: int) -> None:
    """Invalid unless the order may be refunded amount_fen now, as read (the guarded update in
    create_refund decides it again against the row)."""
    if order.status == "fueled":
        raise Invalid({"amount_fen": "订单正在结算，请稍后再退款"})
    if order.status not in ("paid", "settled"):
        raise Invalid({"amount_fen": f"订单{order_state.STATUS_NAMES[order.status]}，不能退款"})
    left = order.paid_fen - order.refunded_fen
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= left:
        raise Invalid({"amount_fen": f"退款金额应在 0.01 到 {fen_to_yuan(left)} 元之间"})


def reversal_reference(order: Order, reference: str | None, *, required: bool = True) -> str:
    """The POS or terminal reversal's reference, cleaned, for an order paid that way ('' for
    any other); Invalid naming the field when it is missing (and required) or too long."""
    reference = (reference or "").strip()
    if order.payment_method not in REVERSALS:
        return ""
    if required and not reference:
        raise Invalid({"reference": REVERSALS[order.payment_method]})
    if len(reference) > REFERENCE_MAX:
        raise Invalid({"reference": f"退款参考号最多 {REFERENCE_MAX} 个字符"})
    return reference


def request_note(amount_fen, reason_code: str, note: str | None, reasons: dict) -> str:
    """A refund request's note, stripped, once its amount (positive integer fen), its reason
    (one of reasons) and the note (required with 其他) are right; Invalid naming each field."""
    errors, note = {}, (note or "").strip()
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        errors["amount_fen"] = "退款金额必须大于 0"
    if reason_code not in reasons:
        errors["reason_code"] = "请选择退款原因"
    elif reason_code == "other" and not note:
        errors["note"] = "选择“其他”时请在说明中写明原因"
    if len(note) > NOTE_MAX:
        errors["note"] = f"说明最多 {NOTE_MAX} 个字"
    if errors:
        raise Invalid(errors)
    return note
