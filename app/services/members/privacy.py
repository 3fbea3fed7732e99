"""What staff see of a member's personal data: the phone number is masked (138****5678) in every
list, export and queue; only a station manager or chain admin sees it whole, on the member's
own page."""

from app.models import Staff

FULL_PHONE_ROLES = ("manager", "chain_admin")


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits; short numbers keep their last two."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) > 4:
        return f"{'*' * (len(phone) - 4)}{phone[-4:]}"
    return f"{'*' * max(len(phone) - 2, 0)}{phone[-2:]}"


def may_see_full_phone(actor: Staff) -> bool:
    return actor.role in FULL_PHONE_ROLES


def phone_for_member_page(actor: Staff, phone: str | None) -> str:
    """The whole number for a manager or chain admin, masked for everyone else."""
    return (phone or "") if may_see_full_phone(actor) else mask_phone(phone)
