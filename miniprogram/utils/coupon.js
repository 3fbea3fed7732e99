// What a coupon's face shows (the claim centre and 我的优惠券), from the API's terms: the big
// value ('¥10', '9折', '¥0.30/升'), the condition beside it, and where 去使用 leads.
const fmt = require('./format')

/**
 * @param {{kind: string, off_fen: number|null, pay_percent: number|null, per_litre_fen: number|null,
 *   max_off_fen: number|null, min_spend_fen: number}} t
 * @returns {{value: string, unit: string, condition: string}}
 */
function face(t) {
  const spend = t.min_spend_fen ? '满' + fmt.shortYuan(t.min_spend_fen) + '可用' : '无门槛'
  const cap = t.max_off_fen ? '最高减' + fmt.shortYuan(t.max_off_fen) : ''
  if (t.kind === 'percent_off') return { value: fmt.discount(t.pay_percent), unit: '', condition: cap || spend }
  if (t.kind === 'per_litre') return { value: fmt.shortYuan(t.per_litre_fen), unit: '/升', condition: cap || spend }
  return { value: fmt.shortYuan(t.off_fen), unit: '', condition: spend }
}

/** 去使用: the one station a coupon is limited to, else the nearby stations (a tab). */
function use(t) {
  if (t.stations && t.stations.length === 1) {
    wx.navigateTo({ url: '/pages/station/station?id=' + t.stations[0].id })
  } else {
    wx.switchTab({ url: '/pages/home/home' })
  }
}

module.exports = { face, use }
