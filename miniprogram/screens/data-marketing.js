// API answers of the marketing pages for the screenshots (banners, notices, coupons), in the
// driver API's shapes; the pictures are drawn here (the screenshot has no network).
const { page, banner, notice, priceNotice, offer, coupon, order } = require('../tests/helpers/fixtures')

/** A 750x300 banner picture: a gradient, a headline and a line under it. */
function picture(from, to, headline, line) {
  return (
    'data:image/svg+xml;charset=utf-8,' +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" width="750" height="300" viewBox="0 0 750 300">' +
        `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/>` +
        `<stop offset="1" stop-color="${to}"/></linearGradient></defs>` +
        '<rect width="750" height="300" fill="url(#g)"/>' +
        '<circle cx="640" cy="60" r="150" fill="#fff" fill-opacity="0.12"/>' +
        '<circle cx="700" cy="260" r="90" fill="#fff" fill-opacity="0.1"/>' +
        `<text x="56" y="130" font-size="60" font-weight="bold" fill="#fff" font-family="sans-serif">${headline}</text>` +
        `<text x="58" y="196" font-size="30" fill="#fff" fill-opacity="0.9" font-family="sans-serif">${line}</text>` +
        '<rect x="58" y="226" width="170" height="48" rx="24" fill="#fff"/>' +
        `<text x="143" y="259" font-size="26" text-anchor="middle" fill="${from}" font-family="sans-serif">立即查看</text>` +
        '</svg>',
    )
  )
}

const image = (url) => ({ url, width: 750, height: 300 })

const BANNERS = {
  items: [
    banner({ image: image(picture('#fa5151', '#ff9a3c', '周末加油满200减10', '周六周日 全部油站 92#、95# 可用')),
      target: { page: '/pages/coupon-centre/coupon-centre', tab: false } }),
    banner({ id: 13, title: '充500送30', image: image(picture('#07c160', '#2aae67', '充500送30', '钱包充值，加油更省')) }),
  ],
}

const NOTICES = {
  items: [
    notice(),
    priceNotice(),
    priceNotice({
      id: 'p290', title: '0#柴油调价', scope: 'city', published_at: '2026-12-20T00:00:00+08:00',
      text: '12月20日 00:00 起 0# 调整为 7.15 元/升（-0.15）',
      price_change: Object.assign({}, priceNotice().price_change, {
        fuel_code: '0', fuel_name: '0#柴油', in_effect: true, effective_at: '2026-12-20T00:00:00+08:00',
        list_price_fen: 715, previous_list_price_fen: 730, change_fen: -15, member_price_fen: 700,
        previous_member_price_fen: 715,
        stations: [{ id: 7, name: '昆明北京路加油站' }, { id: 12, name: '昆明滇池路加油站' }],
      }),
    }),
    notice({ id: 'a1', title: '洗车服务暂停一天', pinned: false, scope: 'station', published_at: '2026-12-18T08:00:00+08:00',
      text: '昆明北京路加油站 12月19日 洗车设备检修，暂停洗车服务，加油和便利店照常。' }),
  ],
}

const PER_LITRE = {
  template_id: 9, name: '新会员直降', kind: 'per_litre', kind_name: '每升直降券', rule: '每升直降0.30元 最高减20元',
  note: '', off_fen: null, per_litre_fen: 30, max_off_fen: 2000, min_spend_fen: 0, fuels: [],
  stations: [{ id: 7, name: '昆明北京路加油站' }], scope: '限昆明北京路加油站',
}
const PERCENT = {
  template_id: 11, name: '95#会员9折', kind: 'percent_off', kind_name: '折扣券', rule: '满200元 9折 最高减30元',
  note: '', off_fen: null, pay_percent: 90, max_off_fen: 3000, min_spend_fen: 20000,
  fuels: [{ code: '95', name: '95#汽油' }], scope: '限95#汽油',
}

const OFFERS = {
  items: [
    offer({ stock_left: 128, claimed: 0 }),
    offer(Object.assign({}, PERCENT, { stock_left: null, per_member_limit: 1, claim_ends_at: null,
      validity: 'fixed', validity_text: '2026-12-01 至 2026-12-31', valid_days: null })),
    offer(Object.assign({}, PER_LITRE, { stock_left: 0, per_member_limit: 1, may_claim: false, reason: '已领完',
      validity_text: '领取后30天内有效（含领取当天）', valid_days: 30 })),
  ],
}
const CLAIMED = coupon()

// 我的优惠券 on 2026-12-09 10:00 (scenario `now`): one ends today, one in 2 days.
const MY_COUPONS = {
  available: page([
    coupon(Object.assign({}, PER_LITRE, { id: 498, source: 'join_gift', source_name: '新会员礼',
      valid_from: '2026-11-10T09:00:00+08:00', valid_until: '2026-12-10T00:00:00+08:00',
      validity_text: '2026-11-10 至 2026-12-09' })),
    coupon(),
    coupon(Object.assign({}, PERCENT, { id: 507, source: 'topup_reward', source_name: '充值赠送',
      valid_until: '2027-01-01T00:00:00+08:00', validity_text: '2026-12-01 至 2026-12-31' })),
    coupon({ id: 509, status: 'held', status_name: '使用中', order_id: 5030,
      valid_until: '2027-01-05T00:00:00+08:00', validity_text: '2026-12-06 至 2027-01-04' }),
  ]),
  used: page([
    coupon({ id: 488, status: 'used', status_name: '已使用', used_at: '2026-12-06T08:40:02+08:00', order_id: 3120 }),
  ]),
  expired: page([
    coupon({ id: 470, status: 'expired', status_name: '已过期', valid_until: '2026-12-01T00:00:00+08:00',
      validity_text: '2026-11-24 至 2026-11-30' }),
    coupon(Object.assign({}, PERCENT, { id: 471, status: 'voided', status_name: '已作废', source: 'staff',
      source_name: '油站发放' })),
  ]),
}

/** GET /me/coupons by its status (the answer function of a scenario). */
const myCoupons = (opts) => MY_COUPONS[/status=(\w+)/.exec(opts.url)[1]]

// 活动 (docs/campaigns.md): the demo's 周三会员日 (0.30 元/L more off for members) and 92#满200减10,
// priced as stacking.price() does for a 金卡 member (7.48 - 0.10 - 0.30 = 7.08 元/L).
const DAY = { id: 12, name: '周三会员日', cut_per_litre_fen: 30 }
const SPEND_OFF = { id: 15, name: '92#满200减10', cut_per_litre_fen: null, saving_fen: 1000 }
const campaignOption = (over) => Object.assign({ kind: 'amount_off', scope: '全部油站、全部油品可用',
  valid_until: '2026-12-12T00:00:00+08:00', suggested: false }, over)

// ¥200 of 92# on a Wednesday: 28.25 L at 7.08 (8.49 saved by the members' day, already in the
// 油款), 满200减10 -10.00, the coupon 满100减10 -10.00: 180.00 to pay.
const CAMPAIGN_COUPONS = {
  pricing: {
    volume_ml: 28250, at_list_fen: 21696, member_saving_fen: 847, value_fen: 20000, campaign_fen: 1849,
    campaigns: [Object.assign({ saving_fen: 849 }, DAY), SPEND_OFF], coupon_fen: 0, pay_fen: 19000,
    saving_fen: 2696, final: false,
  },
  suggested_coupon_id: 501,
  coupons: [
    campaignOption({ id: 501, name: '加油满减券', rule: '满100减10', saving_fen: 1000, pay_fen: 18000, suggested: true }),
    campaignOption({ id: 503, name: '新会员礼', rule: '满50减5', saving_fen: 500, pay_fen: 18500 }),
  ],
  unusable: [campaignOption({ id: 502, name: '大额满减', rule: '满300减30', reason: '满300元可用，本单还差100元' })],
}

// 30.00 L of 92# on Wednesday 2026-11-25 in Kunming, settled: 油款 30.00 x 7.08 = 212.40, 满200减10 -10.00,
// 满100减10 -10.00: 192.40 paid from the wallet; 9.00 saved by the members' day (0.30 x 30.00).
const CAMPAIGN_SETTLED = order({
  id: 5102, order_no: 'JY2026112508301500005102', status: 'settled', status_name: '已完成', nozzle: 1,
  mode: 'volume', preset_amount_fen: null, preset_volume_ml: 30000, unit_price_fen: 708,
  pricing: {
    list_price_fen: 768, member_price_fen: 748, tier_id: 2, tier_cut_fen: 10, campaign_cut_fen: 30,
    unit_price_fen: 708, saving_per_litre_fen: 60, saving_fen: 3800, note: '金卡会员价再降0.10元/升',
  },
  amount_fen: 19240,
  bill: {
    volume_ml: 30000, at_list_fen: 23040, member_saving_fen: 900, value_fen: 21240, campaign_fen: 1900,
    campaigns: [Object.assign({ saving_fen: 900 }, DAY), SPEND_OFF], coupon_fen: 1000, pay_fen: 19240,
    saving_fen: 3800, final: true,
  },
  coupon: { id: 501, name: '加油满减券', rule: '满100减10', status: 'used', status_name: '已使用', saving_fen: 1000 },
  payment_method: 'wallet', paid_fen: 19240, dispensed_ml: 30000, dispensed_fen: 19240,
  // Seen after the trip: the week to ask for money back is over.
  refund_request_hint: '已超过申请期限：加油完成后 7 天内可申请退款，请联系油站',
  created_at: '2026-11-25T08:30:15+08:00', expires_at: '2026-11-25T08:45:15+08:00', paid_at: '2026-11-25T08:30:40+08:00',
  fueled_at: '2026-11-25T08:36:10+08:00', settled_at: '2026-11-25T08:36:12+08:00',
})

module.exports = { BANNERS, NOTICES, OFFERS, CLAIMED, MY_COUPONS, myCoupons, CAMPAIGN_COUPONS, CAMPAIGN_SETTLED }
