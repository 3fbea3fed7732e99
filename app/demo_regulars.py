"""The demo week's regular drivers (see app/demo_history.py): members of the mini-program who
fuel at their home station, with a bound phone and a car each, the chain's join gift, and money
in their wallets from counter top-ups (充值套餐, cash or bank card, with the package's coupons)
that the station's manager approved. A few more top-ups come during the week."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Member, TopupPackage
from app.models.base import utcnow
from app.services.ledger import wallet_balance
from app.services.marketing import gifts
from app.services.members import counter_topups, vehicles

# nickname, phone, plate, the car's fuel, home station; the last of a station's list is kept
# for the week's set pieces (refunds, a cancellation, orders waiting at the pump): reserved.
REGULARS = [
    ("刘师傅", "13908710001", "云A3K721", "92", "KM001"),
    ("陈女士", "13908710002", "云AF2286", "95", "KM001"),
    ("杨先生", "13908710003", "云A9C550", "92", "KM001"),
    ("黄师傅", "13908710004", "云A7H103", "0", "KM001"),
    ("赵女士", "13908710005", "云AD07731", "95", "KM001"),
    ("罗女士", "13908710006", "云A5M618", "92", "KM001"),
    ("周师傅", "13908710007", "云A2B846", "92", "KM002"),
    ("吴先生", "13908710008", "云AG6013", "95", "KM002"),
    ("徐女士", "13908710009", "云A8E271", "92", "KM002"),
    ("孙师傅", "13908710010", "云A1T559", "0", "KM003"),
    ("马先生", "13908710011", "云AK3390", "92", "KM003"),
    ("朱女士", "13908710012", "云A6P824", "95", "KM003"),
    ("宋女士", "13908710013", "云A4R167", "92", "KM003"),
    ("胡师傅", "13908720014", "云L3A582", "0", "DL001"),
    ("郭先生", "13908720015", "云L8C204", "92", "DL001"),
    ("何女士", "13908720016", "云L1F936", "95", "DL002"),
    ("高师傅", "13908720017", "云L5D470", "92", "DL002"),
    ("林先生", "13908880018", "云P2H718", "92", "LJ001"),
    ("郑师傅", "13908880019", "云P7K053", "0", "LJ001"),
    ("梁先生", "13906910020", "云K4N629", "92", "XS001"),
    ("谢女士", "13906910021", "云K9B315", "95", "XS001"),
]
RESERVED = ("罗女士", "宋女士")


def schedule(history) -> None:
    history.timeline.at(history.start, _register, history)


def _register(history) -> None:
    """The regulars join, and each tops up at home in the evening before the first day."""
    for number, (name, phone, plate, fuel, home) in enumerate(REGULARS, start=1):
        member = Member(
            chain_id=history.chain_id,
            openid=f"demo-regular-{number:02d}",
            nickname=name,
            phone=phone,
            phone_bound_at=utcnow(),
        )
        db.session.add(member)
        db.session.flush()
        gifts.give_on_join(member)  # as a member created at their first login gets it
        vehicles.add_vehicle(member, plate=plate, fuel_code=fuel)
        pool = history.reserved if name in RESERVED else history.regulars
        pool.setdefault(home, []).append(member)
        first = utcnow() + timedelta(minutes=4 + 3 * number)
        history.timeline.at(first, top_up, history, member, home, "充1000送80")
        if name in RESERVED:  # the set pieces spend more than one top-up
            history.timeline.at(first + timedelta(minutes=1), top_up, history, member, home)
    # During the week, two regulars a day top up again in the daytime.
    for day in history.days()[2:-1]:
        for code in history.rng.sample(sorted(history.regulars), 2):
            member = history.member_of(code)
            moment = history.local(day, history.rng.randint(9, 16), history.rng.randint(0, 59))
            history.timeline.at(moment, top_up, history, member, code)


def top_up(history, member: Member, code: str, package_name: str | None = None) -> None:
    """The station's cashier records a top-up paid in cash or by card; the manager approves it a
    few minutes later (never the one who asked)."""
    rng = history.rng
    station = history.stations[code]
    name = package_name or rng.choice(("充500送30", "充1000送80", "充200送10"))
    package = db.session.scalar(
        select(TopupPackage).where(
            TopupPackage.chain_id == history.chain_id, TopupPackage.name == name
        )
    )
    channel = rng.choice(("cash", "cash", "pos"))
    reference = f"{rng.randint(0, 999999):06d}" if channel == "pos" else None
    topup = counter_topups.request_counter_topup(
        history.staff[f"{code.lower()}.cashier"],
        station.id,
        member.id,
        channel,
        None,
        reference,
        "",
        package_id=package.id,
    )
    approve_at = utcnow() + timedelta(minutes=rng.randint(3, 25))
    history.timeline.at(approve_at, _approve, history, code, topup.id)


def _approve(history, code: str, topup_id: int) -> None:
    counter_topups.approve_counter_topup(history.staff[f"{code.lower()}.manager"], topup_id)


def with_balance(history, code: str, need_fen: int) -> Member | None:
    """A regular of the station (sometimes of another) whose wallet can pay need_fen."""
    rng = history.rng
    local = history.regulars.get(code, [])
    others = [m for members in history.regulars.values() for m in members if m not in local]
    choices = rng.sample(local, len(local)) + rng.sample(others, min(2, len(others)))
    for member in choices[:3]:
        if wallet_balance(member.id) >= need_fen:
            return member
    return None
