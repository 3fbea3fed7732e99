"""Top-up packages and credited WeChat top-ups for tests: through the fake WeChat Pay over HTTP
(`paid_topup`), or with WeChat's transaction handed straight to the service (`credited_topup`,
no HTTP: for races and rules that never reach WeChat)."""

import secrets
import time

import httpx
from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, Member, Topup, TopupPackage, Wallet
from app.models.base import utcnow
from app.services.members import top_ups


def make_package(chain, station=None, kind="fixed", **fields) -> TopupPackage:
    """A live package (充500送30 unless told otherwise; free: 10 to 5,000 元)."""
    if kind == "fixed":
        values = {"name": "充500送30", "pay_fen": 50_000, "bonus_fen": 3_000}
    else:
        values = {"name": "自定义金额", "min_fen": 1_000, "max_fen": 500_000}
    package = TopupPackage(
        chain_id=chain.id,
        station_id=station.id if station else None,
        kind=kind,
        **(values | fields),
    )
    db.session.add(package)
    db.session.commit()
    return package


def wait_for(predicate, seconds: float = 10.0) -> bool:
    """Poll (bounded) for something the fake WeChat Pay does in its own time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        time.sleep(0.05)
    return False


def user_pays(sandbox: str, params: dict) -> dict:
    answer = httpx.post(sandbox + "/pay", json=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def paid_topup(member: Member, sandbox: str, package: TopupPackage, **how) -> Topup:
    """A top-up started, paid by the fake WeChat user, and credited by the notification."""
    started = top_ups.start_topup(member, package.id, **how)
    topup_id = started.topup.id
    user_pays(sandbox, started.wechat_pay)
    assert wait_for(lambda: db.session.get(Topup, topup_id).status == "credited")
    return db.session.get(Topup, topup_id)


def transaction_for(topup: Topup, **changes) -> dict:
    """WeChat's transaction of a paid top-up, as a notification or a query carries it."""
    config = current_app.config
    plain = {
        "appid": config["WECHATPAY_APPID"],
        "mchid": config["WECHATPAY_MCHID"],
        "out_trade_no": topup.topup_no,
        "transaction_id": "4200" + "".join(secrets.choice("0123456789") for _ in range(24)),
        "trade_state": "SUCCESS",
        "amount": {"total": topup.principal_fen, "payer_total": topup.principal_fen},
    }
    return plain | changes


def credited_topup(
    member: Member, station=None, principal_fen: int = 50_000, bonus_fen: int = 3_000
) -> Topup:
    """A WeChat top-up credited by the service from WeChat's transaction (no HTTP)."""
    topup = Topup(
        chain_id=member.chain_id,
        station_id=station.id if station else None,
        member_id=member.id,
        topup_no=top_ups.new_topup_no(),
        channel="wechat",
        principal_fen=principal_fen,
        bonus_fen=bonus_fen,
        payer_openid=member.openid,
        expires_at=utcnow(),
    )
    db.session.add(topup)
    db.session.commit()
    assert top_ups.apply_transaction(transaction_for(topup)) == "credited"
    return db.session.get(Topup, topup.id, populate_existing=True)


def balances(member_id: int) -> tuple[int, int]:
    """(principal, bonus) of the member's wallet as stored now."""
    db.session.expire_all()
    row = db.session.execute(
        select(Wallet.principal_fen, Wallet.bonus_fen).where(Wallet.member_id == member_id)
    ).first()
    return (row.principal_fen, row.bonus_fen) if row else (0, 0)


def legs(memo: str) -> dict[tuple[str, int | None], int]:
    """The entries of the ledger transactions with this memo (a top-up's or a refund's number):
    {(account, member or station id): amount}."""
    from app.models import LedgerTransaction

    query = (
        select(LedgerEntry.account, LedgerEntry.member_id, LedgerEntry.station_id)
        .add_columns(func.sum(LedgerEntry.amount_fen))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.memo == memo)
        .group_by(LedgerEntry.account, LedgerEntry.member_id, LedgerEntry.station_id)
    )
    return {
        (account, member_id or station_id): amount
        for account, member_id, station_id, amount in db.session.execute(query)
    }
