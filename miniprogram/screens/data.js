// API answers for the screenshots, in the driver API's shapes (docs/api.md): Yunnan stations,
// prices in fen, volumes in ml, times with their +08:00 offset. Pages format them themselves.

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

const NEARBY = {
  items: [
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
  ],
  page: 1,
  per_page: 20,
  total: 3,
  has_more: false,
}

const VEHICLES = {
  items: [
    { id: 1, plate: '云A12345', name: '家里的车', fuel: { code: '92', name: '92#汽油' }, is_default: true },
    { id: 2, plate: '云AD67890', name: '电混', fuel: { code: '95', name: '95#汽油' }, is_default: false },
  ],
  max_vehicles: 5,
}

/** An order answer (OrderOut); `over` changes what differs. */
function order(over) {
  return Object.assign(
    {
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
      created_at: '2026-11-29T18:02:11+08:00',
      expires_at: '2026-11-29T18:17:11+08:00',
      paid_at: null,
      fueled_at: null,
      settled_at: null,
      cancelled_at: null,
    },
    over,
  )
}

// Paid ¥200 from the wallet, 25.00 L taken at ¥7.38 = ¥184.50, ¥15.50 back to the wallet.
const SETTLED = order({
  status: 'settled',
  status_name: '已完成',
  payment_method: 'wallet',
  paid_fen: 20000,
  refunded_fen: 1550,
  dispensed_ml: 25000,
  dispensed_fen: 18450,
  pricing: Object.assign({}, order({}).pricing, { saving_fen: 750 }),
  refunds: [
    { amount_fen: 1550, method: 'wallet', kind: 'settlement', status: 'SUCCESS', followup: null,
      reason: '加油差额退款', created_at: '2026-11-29T18:20:00+08:00', finished_at: '2026-11-29T18:20:01+08:00' },
  ],
  paid_at: '2026-11-29T18:02:40+08:00',
  fueled_at: '2026-11-29T18:19:30+08:00',
  settled_at: '2026-11-29T18:20:00+08:00',
})

const ORDERS = {
  items: [
    order({ id: 5030, status: 'paid', status_name: '已支付，待加油', station: { id: 12, name: '昆明滇池路加油站' },
      fuel: { code: '95', name: '95#汽油' }, paid_fen: 30000, amount_fen: 30000, created_at: '2026-11-30T08:12:00+08:00' }),
    SETTLED,
    order({ id: 4988, status: 'settled', status_name: '已完成', station: { id: 21, name: '大理下关加油站' },
      paid_fen: 35000, dispensed_fen: 33210, created_at: '2026-11-22T14:40:00+08:00' }),
    order({ id: 4960, status: 'cancelled', status_name: '已取消', station: { id: 21, name: '大理下关加油站' },
      paid_fen: 20000, created_at: '2026-11-22T14:31:00+08:00' }),
    order({ id: 4901, status: 'settled', status_name: '已完成', station: { id: 33, name: '丽江古城加油站' },
      fuel: { code: '95', name: '95#汽油' }, paid_fen: 50000, dispensed_fen: 41890, created_at: '2026-11-20T09:05:00+08:00' }),
    order({ id: 4874, status: 'expired', status_name: '已过期', station: { id: 33, name: '丽江古城加油站' },
      amount_fen: 10000, created_at: '2026-11-19T21:16:00+08:00' }),
  ],
  page: 1,
  per_page: 20,
  total: 6,
  has_more: false,
}

module.exports = { PHOTO, BEIJING_ROAD, NEARBY, VEHICLES, order, SETTLED, ORDERS }
