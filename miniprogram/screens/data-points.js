// API answers of the points pages and of the order page's coupons for the screenshots, in the
// driver API's shapes (the shared fixtures of tests/helpers/fixtures.js, a few more lines).
const { page, POINTS, pointsEntry, pointsItem, redemption, order } = require('../tests/helpers/fixtures')

// 我的积分 on 2027-12-26 (scenario `now`): 380 points good through 12-31.
const LEDGER = page(
  [
    pointsEntry(),
    pointsEntry({ id: 87, kind: 'redeem', kind_name: '积分兑换', delta: -300, balance_after: 1056,
      note: '兑换「精致洗车一次」', order_id: null, redemption_id: 41, created_at: '2027-03-01T18:02:11+08:00' }),
    pointsEntry({ id: 86, kind: 'reverse', kind_name: '退款扣回', delta: -20, balance_after: 1356, shortfall: 30,
      note: '订单退款 50.00 元，按比例扣回', order_id: 3001, created_at: '2027-02-20T09:00:00+08:00' }),
    pointsEntry({ id: 85, kind: 'adjust', kind_name: '人工调整', delta: 200, balance_after: 1376,
      note: '开业活动赠送', order_id: null, created_at: '2027-02-14T12:00:00+08:00' }),
    pointsEntry({ id: 84, kind: 'expire', kind_name: '积分过期', delta: -56, balance_after: 1176,
      note: '2025 年获得的积分到期', order_id: null, created_at: '2027-01-01T00:00:05+08:00' }),
    pointsEntry({ id: 83, delta: 98, balance_after: 1232, note: '大理下关加油站 0#柴油 28.00 升 196.00 元',
      order_id: 2950, created_at: '2026-12-28T08:41:10+08:00' }),
  ],
  { total: 26, has_more: true },
)

const CATALOGUE = {
  balance: 1280,
  items: [
    pointsItem({ id: 12, kind: 'goods', kind_name: '便利店商品', name: '玻璃水一瓶', note: '', points: 200,
      stock_left: 0, per_member_limit: 1, redeemed: 0, ends_at: null, may_redeem: false, reason: '已兑完' }),
    pointsItem(),
    pointsItem({ id: 6, kind: 'coupon', kind_name: '加油券', name: '满100减10加油券', note: '', points: 1000,
      coupon: { template_id: 7, name: '满100减10', rule: '满100减10' }, stock_left: null, per_member_limit: null,
      redeemed: 0, ends_at: null }),
    pointsItem({ id: 9, kind: 'goods', kind_name: '便利店商品', name: '矿泉水一箱', note: '24 瓶装，到店领取',
      points: 2000, stock_left: 18, per_member_limit: null, redeemed: 0, ends_at: null, may_redeem: false,
      reason: '积分不足' }),
  ],
}

const USED = redemption({ id: 38, status: 'used', status_name: '已核销', code: null, code_text: null,
  created_at: '2027-02-11T09:30:00+08:00', used_at: '2027-02-12T16:45:20+08:00',
  used_station: { id: 7, name: '昆明北京路加油站' } })
const ISSUED = redemption({ id: 39, item_id: 6, item_name: '满100减10加油券', kind: 'coupon', kind_name: '加油券',
  points: 1000, status: 'issued', status_name: '已发券', code: null, code_text: null, coupon_id: 501,
  created_at: '2027-02-20T12:00:00+08:00' })
const REDEMPTIONS = page([redemption(), ISSUED, USED])

// The order page with ¥200 of 92# chosen: 27.10 L at ¥7.38, the 满100减10 suggested.
const PRICING = {
  volume_ml: 27100, at_list_fen: 20813, member_saving_fen: 813, value_fen: 20000,
  coupon_fen: 0, pay_fen: 20000, saving_fen: 813, final: false,
}
const option = (over) => Object.assign({ kind: 'amount_off', scope: '全部油站、全部油品可用',
  valid_until: '2026-12-12T00:00:00+08:00', suggested: false }, over)
const ORDER_COUPONS = {
  pricing: PRICING,
  suggested_coupon_id: 501,
  coupons: [
    option({ id: 501, name: '周末加油满减', rule: '满100减10', scope: '限92#汽油', saving_fen: 1000, pay_fen: 19000,
      suggested: true }),
    option({ id: 503, name: '新会员礼', rule: '满50减5', saving_fen: 500, pay_fen: 19500 }),
  ],
  unusable: [option({ id: 502, name: '大额满减', rule: '满300减30', reason: '满300元可用，本单还差100元' })],
}
const PLACED = order({
  nozzle: null,
  amount_fen: 19000,
  bill: Object.assign({}, PRICING, { coupon_fen: 1000, pay_fen: 19000, saving_fen: 1813 }),
  coupon: { id: 501, name: '周末加油满减', rule: '满100减10', status: 'held', status_name: '已锁定', saving_fen: 1000 },
})

module.exports = { POINTS, LEDGER, CATALOGUE, REDEMPTIONS, USED, ORDER_COUPONS, PLACED }
