// What the driver reads for the API's codes: payment methods and refunds (one list for every page).
// Walk-in sales of a member who showed the member code come back paid in cash, by card or on the
// station's terminal.
const METHODS = { wechat: '微信支付', wallet: '钱包', cash: '现金', pos: '银行卡', terminal: '扫码支付' }
const REFUND_KINDS = { settlement: '加油差额退款', cancel: '取消订单退款', manual: '人工退款' }
const REFUND_STATUSES = {
  PENDING: '退款中',
  PROCESSING: '退款中',
  SUCCESS: '已到账',
  ABNORMAL: '退款异常，油站处理中',
  CLOSED: '退款关闭，油站处理中',
}

// 申请退款: the reasons a driver picks from (the API's reason_code, in the order shown) and what a
// request's status says. The API sends status_name too; these are for the form.
const REFUND_REASONS = [
  { code: 'short_fuel', name: '未加到油或加油量不符' },
  { code: 'fuel_quality', name: '油品问题' },
  { code: 'duplicate', name: '重复支付' },
  { code: 'other', name: '其他' },
]

// Marketing: the tabs of 我的优惠券 (GET /me/coupons?status=), notices' kinds, and where a banner
// or a notice applies.
const COUPON_TABS = [
  { status: 'available', name: '可用', empty: '暂无可用的优惠券' },
  { status: 'used', name: '已使用', empty: '还没有用过优惠券' },
  { status: 'expired', name: '已过期', empty: '没有过期的优惠券' },
]
const NOTICE_KINDS = { announcement: '公告', price_change: '调价' }
const SCOPES = { chain: '全部油站', city: '本市油站', station: '本站' }

module.exports = {
  METHODS,
  REFUND_KINDS,
  REFUND_STATUSES,
  REFUND_REASONS,
  COUPON_TABS,
  NOTICE_KINDS,
  SCOPES,
}
