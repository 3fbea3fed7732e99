"""Members for the member pages and counter top-up tests: phones, plates, packages."""

from app.extensions import db
from app.models import Member, TopupPackage, Vehicle
from app.services.members import counter_topups


def driver(world, nickname: str, phone: str = "", plates: tuple[str, ...] = ()) -> Member:
    member = Member(
        chain_id=world.chain.id, openid=f"o-{nickname}-{phone}", nickname=nickname, phone=phone
    )
    db.session.add(member)
    db.session.flush()
    for slot, plate in enumerate(plates, start=1):
        db.session.add(
            Vehicle(
                chain_id=world.chain.id,
                member_id=member.id,
                slot=slot,
                plate=plate,
                is_default=slot == 1,
            )
        )
    db.session.commit()
    return member


def package(world, pay_fen: int = 50000, bonus_fen: int = 3000, station=None) -> TopupPackage:
    """充500送30 for the chain (or one station)."""
    row = TopupPackage(
        chain_id=world.chain.id,
        station_id=station.id if station else None,
        name=f"充{pay_fen // 100}送{bonus_fen // 100}",
        kind="fixed",
        pay_fen=pay_fen,
        bonus_fen=bonus_fen,
    )
    db.session.add(row)
    db.session.commit()
    return row


def pending(world, member, amount_fen=50000, channel="cash", by=None, **more):
    """A counter top-up asked for by the cashier of station A (or `by`), waiting."""
    reference = "POS-889901" if channel == "pos" else ""
    return counter_topups.request_counter_topup(
        by or world.cashier_a,
        more.pop("station_id", world.station_a.id),
        member.id,
        channel,
        amount_fen,
        reference,
        more.pop("note", ""),
        **more,
    )
