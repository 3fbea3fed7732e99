"""The demo drivers' member data (part of the demo data, kept apart so that its loader stays
one call): a bound phone, their cars, and a counter top-up waiting for the manager of 昆明北京路
so that the 审核 queue has something to decide."""

from sqlalchemy import select

from app.extensions import db
from app.models import Member, Staff, Station
from app.models.base import utcnow
from app.services.members import counter_topups, vehicles

# openid: (phone, [(plate, name, fuel code)])
DRIVERS = {
    "demo-driver-1": (
        "13800000001",
        [("云A12345", "家用车", "92"), ("云AD12345", "电混SUV", "95")],
    ),
    "demo-driver-2": ("13800000002", [("云B67890", "", "95")]),
    "demo-driver-3": ("13800000003", [("云AF54321", "货车", "0")]),
}
PENDING_TOPUP_FEN = 30_000  # 300 元 in cash at the counter of KM001


def load(chain_id: int) -> None:
    members = {
        m.openid: m for m in db.session.scalars(select(Member).where(Member.chain_id == chain_id))
    }
    for openid, (phone, cars) in DRIVERS.items():
        member = members[openid]
        member.phone, member.phone_bound_at = phone, utcnow()
        for plate, name, fuel in cars:
            vehicles.add_vehicle(member, plate=plate, name=name, fuel_code=fuel)
    cashier = db.session.scalars(select(Staff).where(Staff.username == "km001.cashier")).one()
    station = db.session.scalars(select(Station).where(Station.code == "KM001")).one()
    counter_topups.request_counter_topup(
        cashier,
        station.id,
        members["demo-driver-1"].id,
        "cash",
        PENDING_TOPUP_FEN,
        None,
        "演示：现金充值，待站长审核",
    )
