"""What the driver's own profile page shows (GET /me): kept small; the tier's progress, the
wallet and the rest have their own calls."""

from dataclasses import dataclass

from app.extensions import db
from app.models import Member, Tier
from app.services.members.privacy import mask_phone
from app.services.members.vehicles import vehicle_count


@dataclass(frozen=True)
class Profile:
    member: Member
    phone_masked: str
    tier: Tier | None
    vehicle_count: int


def profile(member: Member) -> Profile:
    tier = db.session.get(Tier, member.tier_id) if member.tier_id else None
    return Profile(
        member=member,
        phone_masked=mask_phone(member.phone),
        tier=tier,
        vehicle_count=vehicle_count(member),
    )
