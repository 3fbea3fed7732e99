// What the wallet page shows, made from the API's answers. Amounts only through fmt.yuan.
const fmt = require('../../utils/format')

/** GET /wallet (or a redeemed card's wallet) to the balance card. */
function toBalance(w) {
  return {
    principal: fmt.yuan(w.principal_fen),
    bonus: fmt.yuan(w.bonus_fen),
    total: fmt.yuan(w.balance_fen),
    frozen: !!w.frozen,
    frozenReason: w.frozen_reason || '',
  }
}

/** A package of GET /topup-packages to a tile: fixed 付 X 送 Y, or free between limits. */
function toPackage(p) {
  const fixed = p.kind === 'fixed'
  return {
    id: p.id,
    name: p.name,
    fixed,
    pay: fixed ? fmt.yuan(p.pay_fen).replace(/\.00$/, '') : '',
    bonus: p.bonus_fen ? fmt.yuan(p.bonus_fen).replace(/\.00$/, '') : '',
    range: fixed ? '' : fmt.yuan(p.min_fen) + ' - ' + fmt.yuan(p.max_fen),
    station: p.station ? p.station.name : '',
  }
}

/** What became of the top-up's latest refund request, in words. */
function requestNote(r) {
  if (!r) return ''
  if (r.status === 'requested') return '退款申请待审核'
  if (r.status === 'rejected') return '退款申请已驳回' + (r.reject_reason ? '：' + r.reject_reason : '')
  if (r.status === 'cancelled') return '退款申请已撤回'
  const done = r.refund && r.refund.status === 'SUCCESS'
  return (done ? '已退回 ' : '退款中 ') + fmt.yuan(r.principal_fen)
}

/** A top-up of GET /topups to a history row; canRefund follows what the API would take. */
function toTopup(t) {
  const requests = t.refund_requests || []
  const open = requests.find((r) => r.status === 'requested')
  const latest = requests[requests.length - 1]
  return {
    id: t.id,
    channel: t.channel_name,
    status: t.status,
    statusName: t.status_name,
    amount: fmt.yuan(t.principal_fen),
    bonus: t.bonus_fen ? fmt.yuan(t.bonus_fen) : '',
    time: fmt.dateTime(t.created_at),
    refundable: t.refundable_principal_fen ? fmt.yuan(t.refundable_principal_fen) : '',
    canRefund:
      t.channel === 'wechat' && t.status === 'credited' && t.refundable_principal_fen > 0 && !open,
    openRequestId: open ? open.id : 0,
    note: requestNote(open || latest),
  }
}

/** The message of a failed request, or a default. */
function messageOf(err, fallback) {
  return (err && err.message) || fallback
}

/** '200' / '200.5' → 20050 fen from what the driver typed (no arithmetic on money), else 0. */
function typedFen(text) {
  const m = /^(\d{1,6})(?:\.(\d{0,2}))?$/.exec(String(text || '').trim())
  if (!m) return 0
  return parseInt(m[1], 10) * 100 + parseInt((m[2] || '').padEnd(2, '0') || '0', 10)
}

module.exports = { toBalance, toPackage, toTopup, messageOf, typedFen }
