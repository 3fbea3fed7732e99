"""A new member's gift and a top-up package's reward: issued in the transaction that creates the
member or credits the top-up (a failed one gives none, a repeated one gives them once), skipped
when the template cannot be given; and who may set them."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Member, Topup
from app.models.base import utcnow
from app.services.marketing import gifts, issuing, templates
from app.services.members import counter_topups, drivers, top_ups
from app.services.platform.errors import PermissionDenied
from tests.factories import make_member
from tests.marketing.helpers import active_template, coupons_of, stock_left
from tests.money.helpers import assert_ledger_ok
from tests.money.topup_helpers import balances, make_package, transaction_for


def test_a_new_member_gets_the_join_gifts_once(world, driver):
    welcome = active_template(world.admin, name="新会员立减", claimable=False)
    litre = active_template(world.admin, kind="per_litre", per_litre_fen=30, min_spend_fen=0)
    gifts.set_gifts(world.admin, welcome.id, 2, {})
    gifts.set_gifts(world.admin, litre.id, 1, {})
    assert driver.login(driver.js_code("o-newcomer")).status_code == 200
    member = db.session.scalar(select(Member).where(Member.openid == "o-newcomer"))
    given = coupons_of(member.id)
    assert sorted((c.template_id, c.seq, c.source) for c in given) == [
        (welcome.id, 1, "join_gift"),
        (welcome.id, 2, "join_gift"),
        (litre.id, 1, "join_gift"),
    ]
    assert driver.login(driver.js_code("o-newcomer")).status_code == 200
    assert len(coupons_of(member.id)) == 3
    assert stock_left(welcome.id) == 98


def test_a_login_that_fails_after_creating_the_member_gives_nothing(world, driver, monkeypatch):
    welcome = active_template(world.admin, claimable=False)
    gifts.set_gifts(world.admin, welcome.id, 1, {})
    js_code = driver.js_code("o-unlucky")

    def broken(token):
        raise RuntimeError("the token could not be stored")

    monkeypatch.setattr(drivers, "hash_token", broken)
    with pytest.raises(RuntimeError):
        drivers.login_with_wechat(js_code)
    db.session.rollback()
    assert db.session.scalars(select(Member)).all() == []
    assert coupons_of() == [] and stock_left(welcome.id) == 100


def test_a_gift_that_cannot_be_given_is_skipped_and_the_member_still_joins(world, driver):
    gone = active_template(world.admin, name="已领完", stock_total=1, claimable=False)
    stopped = active_template(world.admin, name="已停发", claimable=False)
    kept = active_template(world.admin, name="照送", claimable=False)
    for template in (gone, stopped, kept):
        gifts.set_gifts(world.admin, template.id, 1, {})
    issuing.issue_coupon(make_member(world.chain, "o-first"), gone, "staff")
    db.session.commit()
    templates.stop_template(world.admin, stopped.id)
    assert driver.login(driver.js_code("o-later")).status_code == 200
    member = db.session.scalar(select(Member).where(Member.openid == "o-later"))
    assert [c.template_id for c in coupons_of(member.id)] == [kept.id]


def counter_topup(world, member, package) -> Topup:
    return counter_topups.request_counter_topup(
        world.cashier_a, world.station_a.id, member.id, "cash", None, None, None, package.id
    )


def test_an_approved_counter_topup_of_the_package_brings_its_coupons(world):
    package = make_package(world.chain)
    reward = active_template(world.admin, name="充值送券", claimable=False)
    gifts.set_gifts(world.admin, reward.id, 0, {package.id: 2})
    member = make_member(world.chain)
    topup = counter_topup(world, member, package)
    assert coupons_of(member.id) == []  # not before the approval
    counter_topups.approve_counter_topup(world.manager_a, topup.id)
    given = coupons_of(member.id)
    assert [(c.source, c.topup_id, c.seq) for c in given] == [
        ("topup_reward", topup.id, 1),
        ("topup_reward", topup.id, 2),
    ]
    assert balances(member.id) == (50_000, 3_000)
    assert_ledger_ok()


def test_an_approval_that_fails_after_the_reward_gives_no_coupon(world, monkeypatch):
    package = make_package(world.chain)
    reward = active_template(world.admin, claimable=False)
    gifts.set_gifts(world.admin, reward.id, 0, {package.id: 1})
    member = make_member(world.chain)
    topup = counter_topup(world, member, package)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unreachable")

    monkeypatch.setattr(counter_topups, "_record", broken)
    with pytest.raises(RuntimeError):
        counter_topups.approve_counter_topup(world.manager_a, topup.id)
    db.session.expire_all()
    assert db.session.get(Topup, topup.id).status == "pending"
    assert coupons_of() == [] and stock_left(reward.id) == 100
    assert balances(member.id) == (0, 0)
    assert_ledger_ok()


def test_a_wechat_topup_credited_twice_rewards_once(world):
    package = make_package(world.chain)
    reward = active_template(world.admin, claimable=False)
    gifts.set_gifts(world.admin, reward.id, 0, {package.id: 1})
    member = make_member(world.chain)
    topup = Topup(
        chain_id=world.chain.id,
        member_id=member.id,
        topup_no=top_ups.new_topup_no(),
        channel="wechat",
        package_id=package.id,
        principal_fen=package.pay_fen,
        bonus_fen=package.bonus_fen,
        payer_openid=member.openid,
        expires_at=utcnow(),
    )
    db.session.add(topup)
    db.session.commit()
    paid = transaction_for(topup)
    assert top_ups.apply_transaction(paid) == "credited"
    assert top_ups.apply_transaction(paid) == "duplicate"
    assert [(c.source, c.topup_id) for c in coupons_of(member.id)] == [("topup_reward", topup.id)]
    assert_ledger_ok()


def test_a_sold_out_reward_does_not_stop_the_credit(world):
    package = make_package(world.chain)
    reward = active_template(world.admin, stock_total=1, claimable=False)
    gifts.set_gifts(world.admin, reward.id, 0, {package.id: 3})
    member = make_member(world.chain)
    counter_topups.approve_counter_topup(world.manager_a, counter_topup(world, member, package).id)
    assert len(coupons_of(member.id)) == 1 and stock_left(reward.id) == 0
    assert balances(member.id) == (50_000, 3_000)
    assert_ledger_ok()


def test_who_may_set_which_gift(world):
    chain_package = make_package(world.chain)
    a_package = make_package(world.chain, world.station_a, name="本站充300送10", pay_fen=30_000)
    b_package = make_package(world.chain, world.station_b, name="大理充300送10", pay_fen=30_000)
    own = active_template(world.manager_a, world.station_a, claimable=False)
    settings = gifts.settings(world.manager_a, own.id)
    assert [p.id for p, _ in settings.packages] == [a_package.id]
    assert not settings.may_set_join
    gifts.set_gifts(world.manager_a, own.id, 0, {a_package.id: 1})
    with pytest.raises(PermissionDenied, match="只有总部管理员"):
        gifts.set_gifts(world.manager_a, own.id, 1, {})
    for package in (chain_package, b_package):
        with pytest.raises(PermissionDenied, match="自己管理的充值套餐"):
            gifts.set_gifts(world.manager_a, own.id, 0, {package.id: 1})
    with pytest.raises(PermissionDenied):
        gifts.set_gifts(world.cashier_a, own.id, 0, {a_package.id: 1})
    # The admin's own change keeps the manager's reward on station A's package.
    gifts.set_gifts(world.admin, own.id, 1, {chain_package.id: 1})
    settings = gifts.settings(world.admin, own.id)
    assert settings.join_quantity == 1
    assert {p.id: q for p, q in settings.packages if q} == {
        chain_package.id: 1,
        a_package.id: 1,
    }
