"""Coupons given automatically: a new member's gift (新会员礼: the chain's join gifts, given
when the member is created at their first login) and a top-up package's reward (given when a
top-up of that package is credited). Both are issued in the transaction that creates the
member or credits the top-up, so a login or a credit that fails gives nothing, and one that
succeeds gives them once (the member is created once, a top-up credited once).

A gift that cannot be given (its template draft, stopped, past its validity or out of stock)
is skipped and logged: the login or the credit goes on.

Staff set them per template: the join gift is a chain setting (chain admins); a package's
reward may be set by whoever manages both the package and the template."""

import logging
from dataclasses import dataclass

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Coupon, CouponGift, CouponTemplate, Member, Staff, Topup, TopupPackage
from app.services.marketing import issuing, templates
from app.services.platform import audit
from app.services.platform.errors import Invalid, PermissionDenied, ServiceError
from app.services.platform.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
MAX_QUANTITY = 10


def _give(member: Member, gifts: list[CouponGift], source: str, topup_id=None) -> list[Coupon]:
    given = []
    # One template after another in id order: two issuers lock the templates in one order.
    for gift in sorted(gifts, key=lambda g: g.template_id):
        template = db.session.get(CouponTemplate, gift.template_id)
        try:
            for _ in range(gift.quantity):
                given.append(issuing.issue_coupon(member, template, source, topup_id=topup_id))
        except ServiceError as err:
            log.info(
                "%s of template %s to member %s skipped: %s",
                source,
                template.id,
                member.id,
                err.message,
            )
    return given


def give_on_join(member: Member) -> list[Coupon]:
    """The chain's join gifts to a member just created, in the caller's transaction."""
    query = select(CouponGift).where(
        CouponGift.chain_id == member.chain_id, CouponGift.event == "join"
    )
    return _give(member, list(db.session.scalars(query)), "join_gift")


def reward_topup(topup: Topup) -> list[Coupon]:
    """The rewards of the top-up's package, in the transaction that credits it."""
    if topup.package_id is None:
        return []
    query = select(CouponGift).where(
        CouponGift.package_id == topup.package_id, CouponGift.event == "topup"
    )
    gifts = list(db.session.scalars(query))
    if not gifts:
        return []
    member = db.session.get(Member, topup.member_id)
    return _give(member, gifts, "topup_reward", topup_id=topup.id)


@dataclass(frozen=True)
class GiftSettings:
    join_quantity: int  # 0: not a join gift
    packages: list[tuple[TopupPackage, int]]  # packages this staff member may set, quantity
    may_set_join: bool


def _may_set_package(actor: Staff, package: TopupPackage) -> bool:
    """Whoever manages the package (its station's managers, chain admins for the chain's)."""
    return templates.may_manage(actor, package.station_id)


def settings(actor: Staff, template_id: int) -> GiftSettings:
    template = templates.get_for_edit(actor, template_id)
    gifts = list(
        db.session.scalars(select(CouponGift).where(CouponGift.template_id == template.id))
    )
    join = next((g.quantity for g in gifts if g.event == "join"), 0)
    by_package = {g.package_id: g.quantity for g in gifts if g.event == "topup"}
    query = select(TopupPackage).where(TopupPackage.chain_id == actor.chain_id)
    packages = [
        (p, by_package.get(p.id, 0))
        for p in db.session.scalars(
            query.order_by(TopupPackage.station_id.nulls_first(), TopupPackage.id)
        )
        if _may_set_package(actor, p)
    ]
    return GiftSettings(join, packages, actor.role == "chain_admin")


def set_gifts(
    actor: Staff, template_id: int, join_quantity: int, package_quantities: dict[int, int]
) -> None:
    """Set how many coupons of the template a new member gets (0: none; chain admins only) and
    each package's reward (package id -> quantity, 0: none) for the packages the actor may
    set; the other packages' rewards stay as they are."""
    with unit_of_work():
        template = templates.locked(actor, template_id)
        problems = {}
        for name, quantity in (("join_quantity", join_quantity), *package_quantities.items()):
            if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
                problems[str(name)] = f"赠送张数应为 0 到 {MAX_QUANTITY} 的整数"
        if problems:
            raise Invalid(problems)
        current = settings(actor, template.id)
        if join_quantity != current.join_quantity and actor.role != "chain_admin":
            raise PermissionDenied("新会员礼是全连锁的设置，只有总部管理员可以修改")
        allowed = {p.id: p for p, _ in current.packages}
        if set(package_quantities) - set(allowed):
            raise PermissionDenied("只能为自己管理的充值套餐设置赠券")
        before = _described(current.join_quantity, {p.id: q for p, q in current.packages}, allowed)
        db.session.execute(
            delete(CouponGift).where(
                CouponGift.template_id == template.id,
                (CouponGift.event == "join") | CouponGift.package_id.in_(package_quantities),
            )
        )
        if join_quantity:
            db.session.add(_gift(actor, template, "join", None, join_quantity))
        for package_id, quantity in package_quantities.items():
            if quantity:
                db.session.add(_gift(actor, template, "topup", package_id, quantity))
        db.session.flush()
        now = {p.id: q for p, q in current.packages} | package_quantities
        after = _described(join_quantity, now, allowed)
        old, new = audit.changes(before, after)
        if new:
            audit.record(
                actor,
                "coupon_template.gifts",
                "coupon_template",
                template.id,
                chain_id=template.chain_id,
                station_id=template.station_id,
                before={"name": template.name, **old},
                after={"name": template.name, **new},
            )


def _gift(actor, template, event, package_id, quantity) -> CouponGift:
    return CouponGift(
        chain_id=template.chain_id,
        template_id=template.id,
        event=event,
        package_id=package_id,
        quantity=quantity,
        created_by_id=actor.id,
    )


def _described(join: int, packages: dict[int, int], names: dict[int, TopupPackage]) -> dict:
    rewards = [f"{names[i].name} {q} 张" for i, q in sorted(packages.items()) if q and i in names]
    return {
        "join_gift": f"{join} 张" if join else "不送",
        "topup_rewards": "、".join(rewards) or "无",
    }
