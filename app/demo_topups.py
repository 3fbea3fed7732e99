"""The demo chain's top-up packages (part of the demo data, kept apart so that its loader
stays one call): three fixed packages with bonus for every station and a free amount."""

from app.extensions import db
from app.models import Chain, TopupPackage

# name, pay (fen), bonus (fen)
FIXED = [("充200送10", 20_000, 1_000), ("充500送30", 50_000, 3_000), ("充1000送80", 100_000, 8_000)]


def load_packages(chain: Chain) -> None:
    for order, (name, pay_fen, bonus_fen) in enumerate(FIXED):
        db.session.add(
            TopupPackage(
                chain_id=chain.id,
                name=name,
                kind="fixed",
                pay_fen=pay_fen,
                bonus_fen=bonus_fen,
                sort_order=order,
            )
        )
    db.session.add(
        TopupPackage(
            chain_id=chain.id, name="自定义金额", kind="free", min_fen=1_000, max_fen=500_000
        )
    )
    db.session.flush()
