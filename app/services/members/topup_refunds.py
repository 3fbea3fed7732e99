"""Refunds of a WeChat top-up's unspent principal (充值退款), asked by the driver, decided by a
manager.

The driver asks (one open request per top-up, decided by the database) and may withdraw it.
A manager of the top-up's station, or a chain admin (the only ones for a chain-wide top-up),
approves or rejects it; a cashier never decides. Approval fixes the amounts at that moment, in
one transaction under the wallet's row lock, so an order paid from the wallet at the same
moment comes strictly before or after it:

- refunded principal = what the top-up's own lot still holds: its principal not yet spent (by
  members.wallet_split's first in, first out) nor refunded, never more than the wallet's
  principal. Cash paid at a counter never leaves through WeChat; nothing left is a clear
  refusal (the manager then rejects the request);
- revoked bonus = the top-up's bonus in proportion to its principal refunded so far
  (members.wallet_split.revoked_bonus) less what was revoked before, never more than the
  wallet's bonus balance;
- ledger: Dr member_wallet / Cr refunds_payable (principal), Dr member_bonus / Cr
  bonus_expense (bonus);
- a Refund (kind topup, method wechat, out_refund_no = topup_no R nn) sent to WeChat against
  the top-up's own transaction by the submit_refund job, like an order's refunds.

Every decision is audited with the balances before and after.
"""

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Member, Refund, Staff, Topup, TopupRefundRequest, Wallet
from app.models.base import utcnow
from app.services import ledger
from app.services.ledger.postings import Leg, WalletFrozen
from app.services.members import top_ups, wallet_split
from app.services.platform import audit, outbox
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from app.services.platform.unit_of_work import unit_of_work
from app.services.staff.access import visible_station_ids

DECIDE_ROLES = ("manager", "chain_admin")
REASON_MAX = 200


class RequestOpen(Conflict):
    code = "refund_request_open"


def refundable_now(topup: Topup, wallet_principal_fen: int) -> int:
    """What approving a refund of this top-up would give back with the wallet and the top-up's
    lot as they are (members.wallet_split.refundable)."""
    if topup.channel != "wechat" or topup.status != "credited":
        return 0
    if not top_ups.refund_window_open(topup, utcnow()):  # WeChat refunds within a year only
        return 0
    return wallet_split.refundable(
        topup.principal_fen,
        topup.spent_principal_fen,
        topup.refunded_principal_fen,
        wallet_principal_fen,
    )


def bonus_to_revoke(topup: Topup, refund_fen: int, wallet_bonus_fen: int) -> int:
    """The bonus a refund of refund_fen more principal revokes (see the module's rule)."""
    total = wallet_split.revoked_bonus(
        topup.principal_fen, topup.bonus_fen, topup.refunded_principal_fen + refund_fen
    )
    return max(0, min(total - topup.revoked_bonus_fen, wallet_bonus_fen))


def _reason(text: str | None, field: str, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid({field: missing})
    if len(text) > REASON_MAX:
        raise Invalid({field: f"原因最多 {REASON_MAX} 个字"})
    return text


# --- the driver ---------------------------------------------------------------------------


def request_refund(member: Member, topup_id: int, reason: str) -> TopupRefundRequest:
    """The driver asks for the unspent principal of one of their credited WeChat top-ups."""
    with unit_of_work(keep_loaded=True):
        topup = db.session.get(Topup, topup_id)
        if topup is None or topup.member_id != member.id:
            raise NotFound("充值记录不存在")
        reason = _reason(reason, "reason", "请填写退款原因")
        if topup.channel != "wechat":
            raise Invalid({"topup_id": "只有微信支付的充值可以申请原路退款"})
        if topup.status != "credited":
            raise Invalid({"topup_id": "该充值尚未到账，不能申请退款"})
        top_ups.check_refund_window(topup, utcnow())
        wallet = db.session.scalar(select(Wallet).where(Wallet.member_id == member.id))
        if refundable_now(topup, wallet.principal_fen if wallet else 0) <= 0:
            raise Invalid({"topup_id": "该充值的本金已用完或已退还，没有可退的金额"})
        request = TopupRefundRequest(
            chain_id=topup.chain_id,
            station_id=topup.station_id,
            member_id=member.id,
            topup_id=topup.id,
            reason=reason,
            requested_at=utcnow(),
        )
        try:
            with db.session.begin_nested():  # the partial unique index: one open per top-up
                db.session.add(request)
        except IntegrityError:
            raise RequestOpen("该充值已有待审核的退款申请，可先撤回再重新申请") from None
        return request


def cancel_refund_request(
    member: Member, request_id: int, topup_id: int | None = None
) -> TopupRefundRequest:
    """The driver withdraws their request while it waits for a decision (topup_id: the top-up
    it must belong to, when the caller names one)."""
    with unit_of_work(keep_loaded=True):
        request = db.session.get(TopupRefundRequest, request_id)
        if (
            request is None
            or request.member_id != member.id
            or topup_id
            not in (
                None,
                request.topup_id,
            )
        ):
            raise NotFound("退款申请不存在")
        if not _decide(request.id, "cancelled"):
            raise Conflict("该退款申请已处理，不能撤回")
        return _reloaded(request.id)


def requests_of(topup_ids: list[int]) -> dict[int, list[TopupRefundRequest]]:
    """Each top-up's refund requests, oldest first."""
    found: dict[int, list[TopupRefundRequest]] = {topup_id: [] for topup_id in topup_ids}
    query = (
        select(TopupRefundRequest)
        .where(TopupRefundRequest.topup_id.in_(topup_ids or [-1]))
        .order_by(TopupRefundRequest.id)
    )
    for request in db.session.scalars(query):
        found[request.topup_id].append(request)
    return found


# --- staff ---------------------------------------------------------------------------------


def check_role(actor: Staff) -> None:
    if actor.role not in DECIDE_ROLES:
        raise PermissionDenied("只有站长和总部管理员可以审核充值退款")


def _may_see(actor: Staff, station_id: int | None) -> bool:
    """A station's requests: its managers and chain admins; chain-wide ones: chain admins."""
    if actor.role == "chain_admin":
        return True
    return station_id is not None and station_id in visible_station_ids(actor)


def _for_staff(actor: Staff, request_id: int) -> TopupRefundRequest:
    check_role(actor)
    request = db.session.get(TopupRefundRequest, request_id)
    if request is None or request.chain_id != actor.chain_id:
        raise NotFound("退款申请不存在")
    if not _may_see(actor, request.station_id):
        if request.station_id is None:
            raise PermissionDenied("全部油站通用的充值，只有总部管理员可以审核退款")
        raise PermissionDenied("该充值不属于您的油站")
    return request


def _decide(request_id: int, status: str, **values) -> bool:
    """requested -> status, by compare-and-set: a second decision at the same moment loses."""
    won = db.session.execute(
        update(TopupRefundRequest)
        .where(TopupRefundRequest.id == request_id, TopupRefundRequest.status == "requested")
        .values(status=status, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return won.rowcount == 1


def _reloaded(request_id: int) -> TopupRefundRequest:
    return db.session.get(TopupRefundRequest, request_id, populate_existing=True)


def approve_refund_request(actor: Staff, request_id: int) -> TopupRefundRequest:
    """Approve a driver's request: give back the top-up's principal still in the wallet, revoke
    its bonus in proportion, and send the refund to WeChat (a job). One transaction; after
    the request (compare-and-set), the wallet and then the top-up are locked (SELECT ... FOR
    UPDATE) before anything is read: the lock order of everything that moves lots (wallet
    payments and wallet refunds take the wallet, then the lots), so a concurrent wallet
    payment comes strictly before or after and never takes anything below zero.

    Conflict when it was decided meanwhile or nothing is left to refund; WalletFrozen when the
    wallet is frozen; PermissionDenied for cashiers and other stations' managers."""
    with unit_of_work(keep_loaded=True):
        request = _for_staff(actor, request_id)
        if not _decide(request.id, "approved", decided_by_id=actor.id):
            raise Conflict("该退款申请已处理，请刷新页面")
        # The wallet, then the top-up: the lock order of every use case that moves lots (a
        # wallet payment or refund takes the wallet, then the lots it consumes or restores),
        # so the lot and balances read here are the ones the posting and the update move.
        wallet = db.session.scalar(
            select(Wallet)
            .where(Wallet.member_id == request.member_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        topup = db.session.get(
            Topup, request.topup_id, with_for_update=True, populate_existing=True
        )
        top_ups.check_refund_window(topup, utcnow())
        if wallet is not None and wallet.frozen_at is not None:
            raise WalletFrozen("车主钱包已冻结，不能退还本金；请先解冻钱包或驳回申请")
        principal = wallet.principal_fen if wallet else 0
        bonus_held = wallet.bonus_fen if wallet else 0
        refund_fen = refundable_now(topup, principal)
        if refund_fen <= 0:
            raise Conflict(
                "该充值的本金已用完或已退还，没有可退的金额"
                "（现金、银行卡、充值卡充入的本金不能退到微信），请驳回该申请"
            )
        revoke_fen = bonus_to_revoke(topup, refund_fen, bonus_held)
        before = _figures(topup, principal, bonus_held)
        moved = db.session.execute(
            update(Topup)
            .where(
                Topup.id == topup.id,
                Topup.status == "credited",
                Topup.refunded_principal_fen == topup.refunded_principal_fen,
                Topup.spent_principal_fen == topup.spent_principal_fen,
            )
            .values(
                refunded_principal_fen=Topup.refunded_principal_fen + refund_fen,
                revoked_bonus_fen=Topup.revoked_bonus_fen + revoke_fen,
            )
        )
        if moved.rowcount != 1:
            raise Conflict("该充值刚刚已有变化，请刷新后重试")
        refund = _book_refund(actor, topup, request, refund_fen, revoke_fen)
        db.session.execute(
            update(TopupRefundRequest)
            .where(TopupRefundRequest.id == request.id)
            .values(principal_fen=refund_fen, bonus_revoked_fen=revoke_fen, refund_id=refund.id)
        )
        db.session.refresh(topup)
        after = _figures(topup, principal - refund_fen, bonus_held - revoke_fen)
        after |= {"out_refund_no": refund.out_refund_no, "status": "approved"}
        audit.record(
            actor,
            "topup_refund.approve",
            "topup_refund_request",
            request.id,
            chain_id=request.chain_id,
            station_id=request.station_id,
            before={**before, "status": "requested"},
            after=after,
        )
        return _reloaded(request.id)


def _figures(topup: Topup, principal: int, bonus: int) -> dict:
    return {
        "topup_no": topup.topup_no,
        "spent_principal_fen": topup.spent_principal_fen,
        "refunded_principal_fen": topup.refunded_principal_fen,
        "revoked_bonus_fen": topup.revoked_bonus_fen,
        "wallet_principal_fen": principal,
        "wallet_bonus_fen": bonus,
    }


def _book_refund(
    actor: Staff, topup: Topup, request: TopupRefundRequest, refund_fen: int, revoke_fen: int
) -> Refund:
    """The refund row, its ledger transaction and the job that sends it to WeChat."""
    count = db.session.scalar(select(func.count(Refund.id)).where(Refund.topup_id == topup.id))
    refund = Refund(
        chain_id=topup.chain_id,
        station_id=topup.station_id,
        topup_id=topup.id,
        out_refund_no=f"{topup.topup_no}R{count + 1:02d}",
        method="wechat",
        kind="topup",
        amount_fen=refund_fen,
        reason=f"充值本金退款：{request.reason}"[:80],
        actor_staff_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(refund)
    db.session.flush()
    member, station = topup.member_id, topup.station_id
    ledger.post(
        topup.chain_id,
        "topup.refund",
        [
            Leg("member_wallet", refund_fen, member_id=member),
            Leg("refunds_payable", -refund_fen),
            Leg("member_bonus", revoke_fen, member_id=member),
            Leg("bonus_expense", -revoke_fen, station_id=station),
        ],
        station_id=station,
        memo=refund.out_refund_no,
    )
    outbox.enqueue("submit_refund", {"refund_id": refund.id}, dedupe_key=f"refund:{refund.id}")
    return refund


def reject_refund_request(actor: Staff, request_id: int, reason: str) -> TopupRefundRequest:
    """Reject a driver's request with a reason they will see; nothing moves."""
    with unit_of_work(keep_loaded=True):
        request = _for_staff(actor, request_id)
        reason = _reason(reason, "reject_reason", "请填写驳回原因")
        if not _decide(request.id, "rejected", decided_by_id=actor.id, reject_reason=reason):
            raise Conflict("该退款申请已处理，请刷新页面")
        audit.record(
            actor,
            "topup_refund.reject",
            "topup_refund_request",
            request.id,
            chain_id=request.chain_id,
            station_id=request.station_id,
            before={"status": "requested"},
            after={"status": "rejected", "reject_reason": reason},
        )
        return _reloaded(request.id)
