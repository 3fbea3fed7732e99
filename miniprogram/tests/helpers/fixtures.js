// API answers in the driver API's shapes (docs/api.md), shared by the page tests and the
// screenshots (screens/data.js): prices in fen, volumes in ml, times with their +08:00 offset.
// A test changes only what it is about: order({ status: 'paid', ... }).

/** An order answer (OrderOut), created and not yet paid; `over` changes what differs. */
function order(over) {
  return {
    id: 5021,
    order_no: 'JY2026112918021100005021',
    status: 'created',
    status_name: '待支付',
    station: { id: 7, name: '昆明北京路加油站' },
    fuel: { code: '92', name: '92#汽油' },
    nozzle: 2,
    plate: '云A12345',
    mode: 'amount',
    preset_amount_fen: 20000,
    preset_volume_ml: null,
    list_price_fen: 768,
    unit_price_fen: 738,
    member_price_applied: true,
    pricing: {
      list_price_fen: 768, member_price_fen: 748, tier_id: 2, tier_cut_fen: 10, unit_price_fen: 738,
      saving_per_litre_fen: 30, saving_fen: null, note: '金卡会员价再降0.10元/升',
    },
    amount_fen: 20000,
    payment_method: null,
    paid_fen: 0,
    refunded_fen: 0,
    dispensed_ml: null,
    dispensed_fen: null,
    pickup: null,
    refunds: [],
    can_request_refund: false,
    refundable_fen: 0,
    refund_request_until: null,
    refund_request_hint: null,
    refund_requests: [],
    created_at: '2026-11-29T18:02:11+08:00',
    expires_at: '2026-11-29T18:17:11+08:00',
    paid_at: null,
    fueled_at: null,
    settled_at: null,
    cancelled_at: null,
    ...over,
  };
}

// Paid ¥200 from the wallet at 18:02: the pickup code the attendant scans (valid a day).
const PAID = order({
  status: 'paid',
  status_name: '已支付，待加油',
  payment_method: 'wallet',
  paid_fen: 20000,
  pickup: {
    token: 'K7Q2M9XW4TJ8RCBN5HVD3PYG6F',
    code: '38170426',
    qr_url: 'https://jiayou.example.com/api/v1/orders/5021/qr.png',
    expires_at: '2026-11-30T18:02:40+08:00',
  },
  paid_at: '2026-11-29T18:02:40+08:00',
});

// Paid ¥200 from the wallet, 25.00 L taken at ¥7.38 = ¥184.50, ¥15.50 back to the wallet.
const SETTLED = order({
  status: 'settled',
  status_name: '已完成',
  payment_method: 'wallet',
  paid_fen: 20000,
  refunded_fen: 1550,
  dispensed_ml: 25000,
  dispensed_fen: 18450,
  pricing: { ...order().pricing, saving_fen: 750 },
  refunds: [
    { amount_fen: 1550, method: 'wallet', kind: 'settlement', status: 'SUCCESS', followup: null,
      reason: '加油差额退款', created_at: '2026-11-29T18:20:00+08:00', finished_at: '2026-11-29T18:20:01+08:00' },
  ],
  // 申请退款: up to what was charged, within 7 days of the settlement.
  can_request_refund: true,
  refundable_fen: 18450,
  refund_request_until: '2026-12-06T18:20:00+08:00',
  paid_at: '2026-11-29T18:02:40+08:00',
  fueled_at: '2026-11-29T18:19:30+08:00',
  settled_at: '2026-11-29T18:20:00+08:00',
});

/** A driver's refund request (OrderRefundRequestOut), waiting; `over` changes what differs. */
function refundRequest(over) {
  return {
    id: 31,
    amount_fen: 3000,
    reason_code: 'short_fuel',
    reason_name: '未加到油或加油量不符',
    note: '油机显示 25 升，实际只加了约 21 升',
    status: 'pending',
    status_name: '待处理',
    reject_reason: '',
    refund_status: null,
    requested_at: '2026-11-30T09:12:00+08:00',
    decided_at: null,
    ...over,
  };
}

// SETTLED after its driver asked for ¥30.00 back: the request waits for the station.
const REFUND_ASKED = {
  ...SETTLED,
  can_request_refund: false,
  refundable_fen: 0,
  refund_request_hint: '该订单已有待处理的退款申请，请等待油站处理',
  refund_requests: [refundRequest()],
};

// WeChat Pay's parameters for wx.requestPayment, as the service answers them.
const WECHAT_PAY = {
  appId: 'wx8888888888888888',
  timeStamp: '1772964131',
  nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  package: 'prepay_id=wx201410272009395522657a690389285100',
  signType: 'RSA',
  paySign: 'oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ',
};

const ME = {
  id: 1024,
  nickname: '张师傅',
  phone: '138****5678',
  created_at: '2026-03-01T09:15:00+08:00',
  last_login_at: '2026-11-29T18:01:50+08:00',
  tier: { id: 2, name: '金卡' },
  vehicle_count: 2,
  consent: { version: '1', at: '2026-03-01T09:15:30+08:00' },
};

const WALLET = { principal_fen: 32000, bonus_fen: 3000, balance_fen: 35000, frozen: false, frozen_reason: null };

/** A wallet top-up answer (TopupOut), credited, ¥180 of its ¥500 spent; `over` changes what differs. */
function topup(over) {
  return {
    id: 88,
    topup_no: 'T2026112809000112345678',
    channel: 'wechat',
    channel_name: '微信支付',
    status: 'credited',
    status_name: '已到账',
    station: { id: 7, name: '昆明北京路加油站' },
    package: { id: 3, name: '充500送30' },
    principal_fen: 50000,
    bonus_fen: 3000,
    spent_principal_fen: 18000,
    refunded_principal_fen: 0,
    revoked_bonus_fen: 0,
    refundable_principal_fen: 32000,
    refund_requests: [],
    created_at: '2026-11-28T09:00:01+08:00',
    credited_at: '2026-11-28T09:00:20+08:00',
    expires_at: '2026-11-28T09:15:01+08:00',
    ...over,
  };
}

/** A page of a list answer. */
const page = (items, over) => ({ items, page: 1, per_page: 20, total: items.length, has_more: false, ...over });

/** A banner (BannerOut) opening the wallet; `over` changes what differs. */
function banner(over) {
  return {
    id: 12,
    title: '周末加油满 200 减 10',
    scope: 'chain',
    image: { url: 'https://jiayou.example.com/api/v1/banner-images/7?v=9f2c1a7b3d4e', width: 750, height: 300 },
    target: { page: '/pages/wallet/wallet', tab: false },
    live_until: '2026-12-31T23:59:00+08:00',
    ...over,
  };
}

/** A pinned announcement (NoticeOut); `over` changes what differs. */
function notice(over) {
  return {
    kind: 'announcement',
    id: 'a3',
    title: '元旦营业时间',
    text: '1月1日 00:00 至 06:00 暂停营业，其余时间照常。',
    pinned: true,
    scope: 'chain',
    published_at: '2026-12-20T09:00:00+08:00',
    price_change: null,
    ...over,
  };
}

/** A price-change notice: 92# up ¥0.12 from 12-24 00:00 at the Beijing Road station. */
function priceNotice(over) {
  return notice({
    kind: 'price_change',
    id: 'p281',
    title: '92#汽油调价',
    text: '12月24日 00:00 起 92# 调整为 7.80 元/升（+0.12）',
    pinned: false,
    scope: 'station',
    published_at: '2026-12-24T00:00:00+08:00',
    price_change: {
      fuel_code: '92',
      fuel_name: '92#汽油',
      effective_at: '2026-12-24T00:00:00+08:00',
      in_effect: false,
      list_price_fen: 780,
      previous_list_price_fen: 768,
      change_fen: 12,
      member_price_fen: 760,
      previous_member_price_fen: 748,
      stations: [
        {
          id: 7,
          name: '昆明北京路加油站',
          list_price_fen: 780,
          previous_list_price_fen: 768,
          member_price_fen: 760,
          previous_member_price_fen: 748,
        },
      ],
    },
    ...over,
  });
}

// What a coupon gives and where (CouponTerms): 满100减10 on 92#, at every station.
const TERMS = {
  template_id: 7,
  name: '周末加油满减',
  kind: 'amount_off',
  kind_name: '满减券',
  rule: '满100减10',
  note: '仅限本人使用',
  off_fen: 1000,
  pay_percent: null,
  per_litre_fen: null,
  max_off_fen: null,
  min_spend_fen: 10000,
  fuels: [{ code: '92', name: '92#汽油' }],
  stations: [],
  scope: '限92#汽油',
};

/** A coupon of the claim centre (OfferOut), one of two a driver may have; `over` changes what differs. */
function offer(over) {
  return {
    ...TERMS,
    validity: 'relative',
    validity_text: '领取后7天内有效（含领取当天）',
    valid_from: null,
    valid_until: null,
    valid_days: 7,
    claim_ends_at: '2026-12-31T00:00:00+08:00',
    stock_left: 128,
    per_member_limit: 2,
    claimed: 0,
    may_claim: true,
    reason: null,
    ...over,
  };
}

/** A driver's coupon (CouponOut), available until 2026-12-12 (good through 12-11). */
function coupon(over) {
  return {
    id: 501,
    ...TERMS,
    status: 'available',
    status_name: '可使用',
    source: 'claim',
    source_name: '领券中心领取',
    received_at: '2026-12-05T10:12:30+08:00',
    valid_from: '2026-12-05T10:12:30+08:00',
    valid_until: '2026-12-12T00:00:00+08:00',
    validity_text: '2026-12-05 至 2026-12-11',
    used_at: null,
    order_id: null,
    ...over,
  };
}

// Points (积分): 1280 points, 380 of them (earned in 2026) good through 2027-12-31.
const POINTS_RULE = {
  version: 3,
  basis: 'yuan',
  basis_name: '按消费金额（元）',
  fuels: [
    { code: '92', name: '92#汽油', points: 1, per_units: 1, text: '每 1 元积 1 分' },
    { code: '0', name: '0#柴油', points: 1, per_units: 2, text: '每 2 元积 1 分' },
  ],
  daily_cap: 500,
  expiry_months: 12,
  expiry_text: '每年获得的积分于次年年底（12 月 31 日 24:00）过期',
  tier_percent: 150,
};
const POINTS = {
  balance: 1280,
  lots: [
    { year: 2026, points: 380, expires_at: '2028-01-01T00:00:00+08:00' },
    { year: 2027, points: 900, expires_at: '2029-01-01T00:00:00+08:00' },
  ],
  expiring: { points: 380, expires_at: '2028-01-01T00:00:00+08:00' },
  rule: POINTS_RULE,
};

/** A line of the points ledger (EntryOut): 224 points for an order; `over` changes what differs. */
function pointsEntry(over) {
  return {
    id: 88,
    kind: 'earn',
    kind_name: '加油积分',
    delta: 224,
    balance_after: 1280,
    shortfall: 0,
    note: '昆明北京路加油站 92#汽油 20.00 升 149.60 元 等级1.5 倍',
    order_id: 3120,
    redemption_id: null,
    created_at: '2027-03-05T10:12:30+08:00',
    ...over,
  };
}

/** An item of the points catalogue (ItemOut): a car wash for 300; `over` changes what differs. */
function pointsItem(over) {
  return {
    id: 5,
    kind: 'car_wash',
    kind_name: '洗车',
    name: '精致洗车一次',
    note: '限本连锁有洗车服务的油站',
    points: 300,
    coupon: null,
    stock_left: 42,
    per_member_limit: 2,
    redeemed: 1,
    ends_at: '2027-12-31T00:00:00+08:00',
    may_redeem: true,
    reason: null,
    ...over,
  };
}

/** A redemption (RedemptionOut): the car wash, its code not yet verified. */
function redemption(over) {
  return {
    id: 41,
    item_id: 5,
    item_name: '精致洗车一次',
    kind: 'car_wash',
    kind_name: '洗车',
    points: 300,
    status: 'unused',
    status_name: '待核销',
    code: '482910375561',
    code_text: '4829 1037 5561',
    coupon_id: null,
    created_at: '2027-03-01T18:02:11+08:00',
    used_at: null,
    used_station: null,
    ...over,
  };
}

module.exports = {
  order, PAID, SETTLED, REFUND_ASKED, refundRequest, WECHAT_PAY, ME, WALLET, topup, page, banner, notice,
  priceNotice, offer, coupon, POINTS_RULE, POINTS, pointsEntry, pointsItem, redemption,
};
