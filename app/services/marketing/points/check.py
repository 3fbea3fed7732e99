"""The points check: every balance and lot recomputed from the points ledger. An empty list
means they agree (tests end with it, as money tests end with the ledger check)."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import PointsAccount, PointsEntry, PointsEntryLot, PointsLot


def check() -> list[str]:
    problems = []
    by_entries = dict(
        db.session.execute(
            select(PointsEntry.member_id, func.sum(PointsEntry.delta)).group_by(
                PointsEntry.member_id
            )
        ).all()
    )
    by_lots = dict(
        db.session.execute(
            select(PointsLot.member_id, func.sum(PointsLot.remaining)).group_by(PointsLot.member_id)
        ).all()
    )
    balances = dict(
        db.session.execute(select(PointsAccount.member_id, PointsAccount.balance)).all()
    )
    for member_id in set(balances) | set(by_entries) | set(by_lots):
        balance = balances.get(member_id, 0)
        if balance != by_entries.get(member_id, 0):
            problems.append(
                f"member {member_id}: balance {balance}, entries {by_entries.get(member_id, 0)}"
            )
        if balance != by_lots.get(member_id, 0):
            problems.append(
                f"member {member_id}: balance {balance}, lots {by_lots.get(member_id, 0)}"
            )
    parts = dict(
        db.session.execute(
            select(PointsEntryLot.lot_id, func.sum(PointsEntryLot.points)).group_by(
                PointsEntryLot.lot_id
            )
        ).all()
    )
    for lot_id, remaining in db.session.execute(select(PointsLot.id, PointsLot.remaining)):
        if remaining != parts.get(lot_id, 0):
            problems.append(f"lot {lot_id}: remaining {remaining}, entries {parts.get(lot_id, 0)}")
    split = (
        select(PointsEntry.id, PointsEntry.delta, func.coalesce(func.sum(PointsEntryLot.points), 0))
        .outerjoin(PointsEntryLot, PointsEntryLot.entry_id == PointsEntry.id)
        .group_by(PointsEntry.id, PointsEntry.delta)
        .having(PointsEntry.delta != func.coalesce(func.sum(PointsEntryLot.points), 0))
    )
    problems += [f"entry {e}: delta {d}, lots moved {s}" for e, d, s in db.session.execute(split)]
    return problems
