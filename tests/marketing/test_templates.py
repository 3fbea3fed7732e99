"""Coupon templates through the services: what each kind says, the fields' checks in Chinese,
who may manage which, the rule fixed once activated, stock changes, and the audit log."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, CouponTemplate, CouponTemplateStation
from app.models.base import utcnow
from app.services.marketing import issuing, template_list, templates, terms
from app.services.platform.clock import to_local
from app.services.platform.errors import Conflict, Invalid, NotFound, PermissionDenied
from tests.factories import make_member
from tests.marketing.helpers import active_template, fields

PERCENT = {"kind": "percent_off", "min_spend_fen": 0}
PER_LITRE = {"kind": "per_litre", "min_spend_fen": 0}


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "满100减10"),
        ({"min_spend_fen": 0, "off_fen": 500}, "无门槛减5元"),
        ({"off_fen": 1050, "min_spend_fen": 20000}, "满200减10.5"),
        (PERCENT | {"pay_percent": 90, "max_off_fen": 2000}, "9折 最高减20元"),
        (PERCENT | {"pay_percent": 88, "max_off_fen": 1500, "min_spend_fen": 10000},
         "满100元 8.8折 最高减15元"),
        (PER_LITRE | {"per_litre_fen": 30}, "每升直降0.30元"),
        (PER_LITRE | {"per_litre_fen": 50, "max_off_fen": 2000}, "每升直降0.50元 最高减20元"),
    ],
)  # fmt: skip
def test_each_kind_says_what_it_gives(world, changes, text):
    made = templates.create_template(world.admin, None, **fields(**changes))
    assert terms.rule_text(made) == text
    assert made.status == "draft"


def test_fields_that_do_not_belong_to_the_kind_are_cleared(world):
    made = templates.create_template(
        world.admin, None, **fields(kind="per_litre", per_litre_fen=20, off_fen=999, pay_percent=8)
    )
    assert (made.off_fen, made.pay_percent, made.per_litre_fen) == (None, None, 20)


def test_every_wrong_field_is_named_in_chinese(world):
    with pytest.raises(Invalid) as err:
        templates.create_template(
            world.admin,
            None,
            **fields(
                name="",
                off_fen=0,
                validity="fixed",
                first_day=date(2019, 5, 2),
                last_day=date(2019, 5, 1),
                per_member_limit=0,
                stock_total=0,
                fuel_ids=[987654],
            ),
        )
    assert err.value.fields == {
        "name": "请填写优惠券名称",
        "off_fen": "减免金额应在 0.01 元到 1000 元之间",
        "last_day": "结束日期不能早于开始日期",
        "stock_total": "发放总量应在 1 到 1000000 之间",
        "per_member_limit": "每人限领张数应在 1 到 99 之间",
        "fuel_ids": "所选油品不存在，请重新选择",
    }
    with pytest.raises(Invalid) as err:
        templates.create_template(world.admin, None, **fields(kind="percent_off", pay_percent=100))
    assert err.value.fields == {
        "pay_percent": "折扣应在 1 折到 9.9 折之间，如 9 或 8.8",
        "max_off_fen": "请填写最高优惠金额",
    }
    with pytest.raises(Invalid) as err:
        templates.create_template(world.admin, None, **fields(min_spend_fen=1000))
    assert err.value.fields == {"min_spend_fen": "使用门槛应高于减免金额（无门槛请填 0）"}
    assert db.session.scalars(select(CouponTemplate)).all() == []


def test_a_fixed_validity_covers_whole_local_days(world):
    made = templates.create_template(
        world.admin,
        None,
        **fields(validity="fixed", first_day=date(2019, 12, 1), last_day=date(2019, 12, 31)),
    )
    assert made.valid_from.isoformat() == "2019-11-30T16:00:00+00:00"  # 00:00 in Shanghai
    assert made.valid_until.isoformat() == "2019-12-31T16:00:00+00:00"  # the day after, 00:00
    assert terms.template_validity_text(made) == "2019-12-01 至 2019-12-31"


def test_who_manages_which_template(world):
    a, b = world.station_a, world.station_b
    with pytest.raises(PermissionDenied, match="只有总部管理员"):
        templates.create_template(world.manager_a, None, **fields())
    with pytest.raises(PermissionDenied, match="您不是该油站的站长"):
        templates.create_template(world.manager_a, b.id, **fields())
    for staff in (world.cashier_a, world.attendant_a):
        with pytest.raises(PermissionDenied, match="只有站长和总部管理员"):
            templates.create_template(staff, a.id, **fields())
    own = templates.create_template(world.manager_a, a.id, **fields(station_ids=[b.id]))
    theirs = templates.create_template(world.manager_b, b.id, **fields())
    chain = templates.create_template(world.admin, None, **fields(station_ids=[a.id, b.id]))
    # A station's template is good at that station only, whatever was asked.
    assert db.session.scalars(
        select(CouponTemplateStation.station_id).where(CouponTemplateStation.template_id == own.id)
    ).all() == [a.id]
    with pytest.raises(NotFound):
        templates.activate_template(world.manager_a, theirs.id)
    with pytest.raises(PermissionDenied):
        templates.activate_template(world.manager_a, chain.id)
    with pytest.raises(NotFound):
        templates.get_template(world.manager_a, theirs.id)
    listed = template_list.list_templates(world.manager_a)
    assert [(r.template.id, r.may_edit) for r in listed.rows] == [(chain.id, False), (own.id, True)]
    assert {r.template.id for r in template_list.list_templates(world.admin).rows} == {
        own.id,
        theirs.id,
        chain.id,
    }


def test_activate_and_stop_are_audited_and_stopping_a_draft_is_refused(world):
    made = templates.create_template(world.manager_a, world.station_a.id, **fields())
    with pytest.raises(Conflict):
        templates.stop_template(world.manager_a, made.id)
    templates.activate_template(world.manager_a, made.id)
    templates.stop_template(world.manager_a, made.id)
    templates.activate_template(world.manager_a, made.id)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == [
        "coupon_template.create",
        "coupon_template.activate",
        "coupon_template.stop",
        "coupon_template.activate",
    ]
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).first()
    assert entry.after["rule"] == "满100减10" and entry.station_id == world.station_a.id


@pytest.mark.travel
def test_a_fixed_validity_that_is_over_cannot_be_activated(world, travel):
    today = to_local(utcnow()).date()
    made = templates.create_template(
        world.admin, None, **fields(validity="fixed", first_day=today, last_day=today)
    )
    travel.shift(timedelta(days=1))
    with pytest.raises(Invalid) as err:
        templates.activate_template(world.admin, made.id)
    assert err.value.fields == {"last_day": "有效期已过，不能启用；请修改有效期或新建一张"}


def test_an_activated_template_keeps_its_rule_but_its_stock_may_change(world):
    template = active_template(world.admin, stock_total=3)
    member = make_member(world.chain)
    issuing.issue_coupon(member, template, "staff", issued_by=world.admin)
    issuing.issue_coupon(member, template, "staff", issued_by=world.admin)
    db.session.commit()
    with pytest.raises(Invalid) as err:
        templates.update_template(world.admin, template.id, **fields(stock_total=3, off_fen=2000))
    assert "off_fen" in err.value.fields
    with pytest.raises(Invalid) as err:
        templates.update_template(world.admin, template.id, **fields(stock_total=1))
    assert err.value.fields == {"stock_total": "发放总量不能少于已发出的 2 张"}
    changed = templates.update_template(
        world.admin, template.id, **fields(name="周末满减", stock_total=10)
    )
    assert (changed.name, changed.stock_total, changed.stock_left) == ("周末满减", 10, 8)
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "coupon_template.update"
    assert entry.before == {"name": "满100减10", "stock_total": 3}
    assert entry.after == {"name": "周末满减", "stock_total": 10}


def test_an_unlimited_template_stays_unlimited_once_activated(world):
    template = active_template(world.admin, stock_total=None)
    with pytest.raises(Invalid) as err:
        templates.update_template(world.admin, template.id, **fields(stock_total=50))
    assert "stock_total" in err.value.fields
