"""What staff views and logs may show of a member's personal data."""


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678: the phone number as staff views and logs show it. An empty
    phone (none bound) stays empty; a number too short to mask shows no digit."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "****"
    return phone[:3] + "****" + phone[-4:]
