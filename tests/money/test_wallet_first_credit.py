"""A member's first credits arriving at the same moment make one wallet and both count."""

from functools import partial

from app.extensions import db
from app.models import Wallet
from app.services import ledger
from app.services.ledger import Leg, postings
from app.services.platform.unit_of_work import unit_of_work
from tests.factories import make_member
from tests.money.helpers import assert_ledger_ok
from tests.threads import run_together, start_line


def test_two_first_credits_at_once_make_one_wallet(app, world, monkeypatch):
    member = make_member(world.chain)
    chain_id, member_id = world.chain.id, member.id
    # Both credits have found no wallet before either makes one: the race, every time.
    both_found_none = start_line(2)
    make_wallet = postings.ensure_wallet

    def after_both(*args):
        both_found_none.wait()
        make_wallet(*args)

    monkeypatch.setattr(postings, "ensure_wallet", after_both)

    def credit(amount_fen: int):
        with app.app_context():
            try:
                with unit_of_work():
                    legs = [
                        Leg("topup_clearing", amount_fen),
                        Leg("member_wallet", -amount_fen, member_id=member_id),
                    ]
                    ledger.post(chain_id, "wallet.topup", legs)
            finally:
                db.session.remove()

    run_together(partial(credit, 1_000), partial(credit, 2_000), barrier=both_found_none)
    wallets = db.session.scalars(db.select(Wallet).where(Wallet.member_id == member.id)).all()
    assert [(w.principal_fen, w.bonus_fen) for w in wallets] == [(3_000, 0)]
    assert_ledger_ok()
