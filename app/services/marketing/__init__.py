"""Marketing: coupons and their pushes, points (the points subpackage), campaigns, banners.

terms           what a coupon gives and where and when it is good, in words; validity windows
template_fields a template's fields checked (Invalid naming each wrong field)
templates       create, edit, activate and stop templates; who may manage which
template_list   the staff's paged list of templates and its export
issuing         issue_coupon(): every way of getting a coupon goes through it (stock and
                per-member limit decided by the database)
claiming        the driver's claim centre and claim
gifts           a new member's gift and a top-up package's reward, and their settings
mine            a driver's own coupons by status
issued          issued coupons for staff: search, export, void
expiry          the hourly job marking coupons past their validity expired
segments        the members a push goes to: a tier, a station's recent customers, lapsed ones
pushes          定向发放: a template pushed to a segment, checked, queued and run as a job
push_list       the staff's list of pushes, one push and its progress
stacking        price(): every discount stacked in one order (member, tier, campaigns, coupon);
                pump_limit the most a pump may dispense for a paid order
redeeming       a member's coupons for an order: listed, held, used, given back
campaigns       campaigns (活动): staff create, edit drafts, activate, end, cancel; who may;
                campaign_fields their fields checked and said in words; campaign_list the
                staff's list; campaign_report each one's figures
live_campaigns  which campaigns a purchase gets (one query); first_orders a member's
                first-order discount, once (the database decides)
banners, notices   staff edits of banners and announcements; price_notices made from the
                scheduled prices; live_content what drivers are shown now (cached);
                content_scope and content_list what banners and announcements share (scope,
                who may, live times, publish and withdraw; the staff lists)

It depends on platform, staff.access and the models only; members calls gifts when a member is
created and when a top-up is credited."""

from app.services.marketing import (
    claiming,
    expiry,
    gifts,
    issued,
    issuing,
    mine,
    template_list,
    templates,
    terms,
)
from app.services.marketing.issuing import issue_coupon

__all__ = [
    "claiming",
    "expiry",
    "gifts",
    "issue_coupon",
    "issued",
    "issuing",
    "mine",
    "template_list",
    "templates",
    "terms",
]
