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

module.exports = { METHODS, REFUND_KINDS, REFUND_STATUSES }
