// What the points pages show from the API's answers (GET /me/points, its ledger, the catalogue
// and the redemptions). Points are whole numbers the server counted; here they are only signed
// and worded. Times are shown as the API wrote them (the station's time), through format.js.
const fmt = require('./format')

const MALL = '/pages/points-mall/points-mall'
const REDEMPTIONS = '/pages/redemptions/redemptions'
const CODE = '/pages/redemption/redemption'

// What an item's button says after the API refused a redemption (the dialog shows the API's
// own message).
const REFUSED = {
  points_insufficient: '积分不足',
  points_item_sold_out: '已兑完',
  points_item_limit_reached: '已达兑换上限',
  points_item_unavailable: '暂不可兑换',
  not_found: '已下架',
}

/** 224 -> '+224', -300 -> '-300', 0 -> '0'. @param {number} n */
function signed(n) {
  return n > 0 ? '+' + n : String(n)
}

/** A tier's multiplier: 150 -> '1.5 倍'. @param {number} percent */
function times(percent) {
  return String(percent / 100) + ' 倍'
}

/**
 * The soonest lot to expire: how many points, their last day and, within a week, how soon.
 * @param {{points: number, expires_at: string} | null} expiring
 * @param {number} now epoch ms
 */
function expiringView(expiring, now) {
  if (!expiring) return null
  return {
    points: expiring.points,
    day: fmt.lastDay(expiring.expires_at),
    hint: fmt.expiryHint(expiring.expires_at, now),
  }
}

/** How points are earned under the rule in force, or null while the chain gives none. */
function ruleView(rule) {
  if (!rule) return null
  return {
    fuels: rule.fuels.map((f) => ({ code: f.code, name: f.name, text: f.text })),
    cap: rule.daily_cap ? '每天最多积 ' + rule.daily_cap + ' 分' : '',
    tier: rule.tier_percent === 100 ? '' : '你的会员等级积分按 ' + times(rule.tier_percent) + '计',
    expiry: rule.expiry_text,
  }
}

/** A line of the points ledger (积分流水); `url`: the order or the redemption behind it. */
function entryView(e) {
  let url = ''
  if (e.order_id) url = '/pages/order-detail/order-detail?id=' + e.order_id
  else if (e.redemption_id) url = CODE + '?id=' + e.redemption_id
  return {
    id: e.id,
    kind: e.kind,
    kindName: e.kind_name,
    note: e.note,
    time: fmt.fullDateTime(e.created_at),
    delta: signed(e.delta),
    up: e.delta > 0,
    balance: '余额 ' + e.balance_after,
    shortfall: e.shortfall ? e.shortfall + ' 分已用掉，未扣回' : '',
    url,
  }
}

/** An item of the catalogue (积分商城), with what the driver may do. */
function itemView(i, balance) {
  const short = !i.may_redeem && i.reason === '积分不足' && balance < i.points
  let limit = ''
  if (i.per_member_limit) {
    limit = '每人限兑 ' + i.per_member_limit + ' 次' + (i.redeemed ? '，已兑 ' + i.redeemed + ' 次' : '')
  }
  return {
    id: i.id,
    kind: i.kind,
    kindName: i.kind_name,
    name: i.name,
    note: i.note,
    couponRule: i.coupon ? i.coupon.rule : '',
    points: i.points,
    stock: i.stock_left === null ? '不限量' : i.stock_left > 0 ? '剩余 ' + i.stock_left + ' 份' : '已兑完',
    limit,
    ends: i.ends_at ? fmt.lastDay(i.ends_at) + ' 截止兑换' : '',
    gives: i.kind === 'coupon' ? '兑换后直接发到「我的优惠券」' : '兑换后得到兑换码，到油站柜台出示核销',
    mayRedeem: i.may_redeem,
    // What the button says when it is off: how many points are missing, else the API's reason.
    reason: short ? '还差 ' + (i.points - balance) + ' 积分' : i.reason || '不可兑换',
    short,
    busy: false,
  }
}

/**
 * The catalogue as a driver reads it: what they may take first, then what needs more points,
 * then what is gone or used up for them; the API's order (cheapest first) within each.
 */
function inOrder(items) {
  const rank = (i) => (i.mayRedeem ? 0 : i.short ? 1 : 2)
  return items.map((item, at) => ({ item, at })).sort((a, b) => rank(a.item) - rank(b.item) || a.at - b.at)
    .map((x) => x.item)
}

/** A redemption (我的兑换 and the code page). */
function redemptionView(r) {
  let used = ''
  if (r.status === 'used' && r.used_at) {
    used = fmt.fullDateTime(r.used_at) + (r.used_station ? ' 在' + r.used_station.name : '') + '核销'
  }
  return {
    id: r.id,
    name: r.item_name,
    kind: r.kind,
    kindName: r.kind_name,
    points: r.points + ' 积分',
    time: fmt.fullDateTime(r.created_at),
    status: r.status,
    statusName: r.status_name,
    code: r.code || '',
    codeText: r.code_text || '',
    used,
    couponId: r.coupon_id,
  }
}

module.exports = {
  MALL,
  REDEMPTIONS,
  CODE,
  REFUSED,
  signed,
  expiringView,
  ruleView,
  entryView,
  itemView,
  inOrder,
  redemptionView,
}
