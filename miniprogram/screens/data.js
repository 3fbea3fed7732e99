// API answers for the screenshots, in the driver API's shapes (docs/api.md): Yunnan stations,
// prices in fen, volumes in ml, times with their +08:00 offset. Pages format them themselves.

const { order, PAID, SETTLED, REFUND_ASKED, ME, WALLET, topup, page } = require('../tests/helpers/fixtures')

const DAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

// A drawn station front (a photo comes from the API; the screenshot has no network).
const PHOTO =
  'data:image/svg+xml;charset=utf-8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">' +
      '<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7cc4f5"/>' +
      '<stop offset="1" stop-color="#d9effc"/></linearGradient></defs>' +
      '<rect width="640" height="360" fill="url(#s)"/>' +
      '<path d="M0 250 L120 150 L220 230 L330 120 L470 240 L560 170 L640 220 L640 360 L0 360Z" fill="#8fb98b"/>' +
      '<rect y="270" width="640" height="90" fill="#8a8f96"/>' +
      '<rect x="70" y="110" width="500" height="34" fill="#07c160"/>' +
      '<text x="320" y="134" font-size="22" text-anchor="middle" fill="#fff" font-family="sans-serif">JIAYOU 加油</text>' +
      '<rect x="110" y="144" width="14" height="126" fill="#e6e6e6"/><rect x="516" y="144" width="14" height="126" fill="#e6e6e6"/>' +
      '<rect x="210" y="200" width="46" height="70" rx="4" fill="#f4f4f4" stroke="#07c160" stroke-width="4"/>' +
      '<rect x="384" y="200" width="46" height="70" rx="4" fill="#f4f4f4" stroke="#07c160" stroke-width="4"/>' +
      '<rect x="218" y="210" width="30" height="16" fill="#333"/><rect x="392" y="210" width="30" height="16" fill="#333"/>' +
      '<rect x="600" y="90" width="24" height="180" fill="#555"/><rect x="570" y="60" width="60" height="70" fill="#07c160"/>' +
      '<text x="600" y="90" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">92#</text>' +
      '<text x="600" y="116" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">7.68</text>' +
      '</svg>',
  )

function fuel(code, list, member, next) {
  const names = { 92: '92#汽油', 95: '95#汽油', 98: '98#汽油', 0: '0#柴油' }
  return { code, name: names[code], kind: code === '0' ? 'diesel' : 'gasoline', list_price_fen: list,
    member_price_fen: member, next_price: next || null }
}

function station(over) {
  return Object.assign(
    {
      phone: '',
      services: [],
      open_now: true,
      hours_today: '24小时营业',
      hours: DAYS.map((name, weekday) => ({ weekday, name, text: '00:00-24:00', opens: '00:00', closes: '24:00' })),
      nozzles: [],
      photos: [],
    },
    over,
  )
}

const BEIJING_ROAD = station({
  id: 7,
  name: '昆明北京路加油站',
  city: '昆明',
  address: '盘龙区北京路 1088 号',
  phone: '0871-65550000',
  services: ['便利店', '洗车', '卫生间', '打气'],
  location: { lat: 25.0468, lng: 102.7189, coord: 'gcj02' },
  distance_m: 850,
  hours_today: '06:00-23:00',
  hours: DAYS.map((name, weekday) => ({ weekday, name, text: '06:00-23:00', opens: '06:00', closes: '23:00' })),
  fuels: [
    fuel('92', 768, 748, { list_price_fen: 775, member_price_fen: 755, effective_at: '2026-12-03T00:00:00+08:00' }),
    fuel('95', 815, 795),
    fuel('0', 730, 715),
  ],
  nozzles: [
    { number: 1, fuel_code: '92', fuel_name: '92#汽油' },
    { number: 2, fuel_code: '92', fuel_name: '92#汽油' },
    { number: 3, fuel_code: '95', fuel_name: '95#汽油' },
    { number: 4, fuel_code: '95', fuel_name: '95#汽油' },
    { number: 5, fuel_code: '0', fuel_name: '0#柴油' },
  ],
  photos: [
    { id: 3, url: PHOTO, caption: '站前', width: 640, height: 360 },
    { id: 4, url: PHOTO, caption: '便利店', width: 640, height: 360 },
  ],
})

const NEARBY = page([
  BEIJING_ROAD,
  station({
    id: 12, name: '昆明滇池路加油站', city: '昆明', address: '西山区滇池路 566 号',
    location: { lat: 25.0251, lng: 102.6985, coord: 'gcj02' }, distance_m: 2630,
    fuels: [fuel('92', 770, 752), fuel('95', 818, 798), fuel('98', 898, 878)],
  }),
  station({
    id: 15, name: '昆明呈贡大学城加油站', city: '昆明', address: '呈贡区雨花路 88 号',
    location: { lat: 25.0335, lng: 102.7421, coord: 'gcj02' }, distance_m: 4120, open_now: false,
    hours_today: '07:00-21:00', fuels: [fuel('92', 768, 748), fuel('0', 730, null)],
  }),
])

const VEHICLES = {
  items: [
    { id: 1, plate: '云A12345', name: '家里的车', fuel: { code: '92', name: '92#汽油' }, is_default: true },
    { id: 2, plate: '云AD67890', name: '电混', fuel: { code: '95', name: '95#汽油' }, is_default: false },
  ],
  max_vehicles: 5,
}

const ORDERS = page([
    order({ id: 5030, status: 'paid', status_name: '已支付，待加油', station: { id: 12, name: '昆明滇池路加油站' },
    fuel: { code: '95', name: '95#汽油' }, paid_fen: 30000, amount_fen: 30000, created_at: '2026-11-30T08:12:00+08:00' }),
  SETTLED,
  order({ id: 4988, status: 'settled', status_name: '已完成', station: { id: 21, name: '大理下关加油站' },
    paid_fen: 35000, dispensed_fen: 33210, created_at: '2026-11-22T14:40:00+08:00' }),
  order({ id: 4960, status: 'cancelled', status_name: '已取消', station: { id: 21, name: '大理下关加油站' },
    paid_fen: 20000, refunded_fen: 20000, created_at: '2026-11-22T14:31:00+08:00' }),
  order({ id: 4901, status: 'settled', status_name: '已完成', station: { id: 33, name: '丽江古城加油站' },
    fuel: { code: '95', name: '95#汽油' }, paid_fen: 50000, dispensed_fen: 41890, created_at: '2026-11-20T09:05:00+08:00' }),
  order({ id: 4874, status: 'expired', status_name: '已过期', station: { id: 33, name: '丽江古城加油站' },
    amount_fen: 10000, created_at: '2026-11-19T21:16:00+08:00' }),
])

// A logged-in driver (the token the API client keeps) for the pages that need one.
const LOGGED_IN = { 'jiayou.token': 'screens-token' }

const GOLD = {
  id: 2, name: '金卡', rank: 2, threshold: 800000,
  cuts: [
    { fuel: { code: '92', name: '92#汽油' }, cut_fen: 10 },
    { fuel: { code: '95', name: '95#汽油' }, cut_fen: 10 },
  ],
}
const SILVER = Object.assign({}, GOLD, { id: 1, name: '银卡', rank: 1, threshold: 200000, cuts: [] })
const DIAMOND = Object.assign({}, GOLD, { id: 3, name: '钻石卡', rank: 3, threshold: 2000000 })

const TIER = {
  metric: 'spend', metric_name: '消费金额', unit: 'fen', window_days: 365,
  window_start: '2025-11-29T18:02:11+08:00', value: 1253600, tier: GOLD,
  tier_since: '2026-06-14T09:30:05+08:00', next_tier: DIAMOND, missing: 746400,
  tiers: [SILVER, GOLD, DIAMOND], saving: { total_fen: 23150, tier_fen: 4120 }, history: [],
}

const PACKAGES = {
  items: [
    { id: 1, name: '充200送8', kind: 'fixed', pay_fen: 20000, bonus_fen: 800, min_fen: null, max_fen: null, station: null, ends_at: null },
    { id: 3, name: '充500送30', kind: 'fixed', pay_fen: 50000, bonus_fen: 3000, min_fen: null, max_fen: null, station: null,
      ends_at: '2026-12-31T23:59:59+08:00' },
    { id: 5, name: '充1000送80', kind: 'fixed', pay_fen: 100000, bonus_fen: 8000, min_fen: null, max_fen: null,
      station: { id: 7, name: '昆明北京路加油站' }, ends_at: null },
    { id: 4, name: '自定义金额', kind: 'free', pay_fen: null, bonus_fen: 0, min_fen: 1000, max_fen: 500000, station: null, ends_at: null },
  ],
}

const TOPUPS = page([
  topup({}),
  topup({ id: 61, topup_no: 'KC2026101514300043518860', channel: 'card', channel_name: '充值卡', station: null,
    package: null, principal_fen: 30000, bonus_fen: 0, spent_principal_fen: 30000, refundable_principal_fen: 0,
    created_at: '2026-10-15T14:30:00+08:00', credited_at: '2026-10-15T14:30:00+08:00', expires_at: null }),
  topup({ id: 40, topup_no: 'T2026090210200112345601', package: { id: 1, name: '充200送8' }, principal_fen: 20000,
    bonus_fen: 800, spent_principal_fen: 20000, refundable_principal_fen: 0, created_at: '2026-09-02T10:20:01+08:00' }),
])

const REDEEMED = {
  topup_no: 'KC2026112918300043518861', number: '820344175097', credited_fen: 50000,
  redeemed_at: '2026-11-29T18:30:00+08:00', wallet: { principal_fen: 82000, bonus_fen: 3000, balance_fen: 85000 },
}

const MEMBER_CODE = { code: '881234567890123456', expires_at: '2026-11-29T18:03:11+08:00', ttl_s: 60, refresh_after_s: 50 }

// The notice as GET /privacy-notice says it (app/services/members/consent.py).
const PRIVACY_NOTICE = {
  version: '1',
  title: '隐私说明',
  operator: '云岭能源',
  contact: '任一油站的收银台',
  sections: [
    { heading: '我们收集哪些信息，用来做什么', body:
      '微信身份标识（openid）：登录时由微信提供，用来识别您的会员账户。\n' +
      '手机号：只有在您点击授权后才由微信提供，用于在油站按手机号找到您的会员账户、办理充值和退款时与您联系。\n' +
      '车牌和车辆：由您自己填写，用于下单时预填和在油站识别您的车辆。\n' +
      '订单、支付、钱包和充值记录：加油、退款、开票和对账所必需。\n' +
      '位置：只在您查找附近油站时随请求发送，用于计算距离和排序，不记入您的会员资料。' },
    { heading: '谁能看到', body:
      '为您服务的油站员工可以查看您的订单、车牌和会员信息；手机号只显示部分号码（如 138****5678），确需完整号码的岗位除外。' +
      '登录、手机号授权和微信支付由微信（腾讯）处理。除此之外，除非法律法规要求，我们不向任何第三方提供您的个人信息。' },
    { heading: '保存多久', body:
      '会员信息在您使用会员服务期间保存。订单、充值和钱包等资金记录是会计资料，按国家规定的会计档案期限保存，解绑手机号不会删除这些记录。' },
    { heading: '您的权利', body:
      '您可以不授权手机号，也可以随时在小程序中解绑，加油下单不受影响。如需查阅、更正或删除您的个人信息，或注销会员，请联系我们。' },
  ],
}

module.exports = {
  PHOTO, BEIJING_ROAD, NEARBY, VEHICLES, order, SETTLED, REFUND_ASKED, ORDERS, PAID, LOGGED_IN, ME, WALLET, TIER,
  PACKAGES, TOPUPS, REDEEMED, MEMBER_CODE, PRIVACY_NOTICE,
}
