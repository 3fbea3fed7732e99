// 申请退款：一笔已完成订单的退款申请表（从订单详情进入，?id=订单号）。
// 服务端说能否申请（can_request_refund）和最多多少（refundable_fen）：金额预填最多可申请的金额，
// 车主可改小；选原因（未加到油或加油量不符、油品问题、重复支付、其他），写说明（选“其他”时必填）。
// 提交 POST /orders/{id}/refund-requests，由油站审核，同意后按原支付方式退回。
//
// 同一份申请（金额、原因、说明都没变）重试时沿用同一个 Idempotency-Key，网络不好连点或重发都只
// 提交一次；改了内容、成功或服务端明确拒绝（!err.retryable）后才换新的。
// 成功后回到订单详情，它重新加载时显示这笔申请（待处理）。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { METHODS, REFUND_REASONS } = require('../../utils/labels')

const NOTE_MAX = 200
const NO_ERRORS = { amount: '', reason: '', note: '' }

/** The order as the form shows it. */
function toOrder(o) {
  return {
    id: o.id,
    orderNo: o.order_no,
    station: o.station.name,
    fuel: o.fuel.name,
    paid: fmt.yuan(o.paid_fen) + (METHODS[o.payment_method] ? '（' + METHODS[o.payment_method] + '）' : ''),
    charged: typeof o.dispensed_fen === 'number' ? fmt.yuan(o.dispensed_fen) : '',
    litres: typeof o.dispensed_ml === 'number' ? fmt.litres(o.dispensed_ml) : '',
    refunded: o.refunded_fen ? fmt.yuan(o.refunded_fen) : '',
    max: fmt.yuan(o.refundable_fen),
    until: o.refund_request_until ? fmt.dateTime(o.refund_request_until) : '',
    back: o.payment_method === 'wallet' ? '退回钱包' : '原路退回微信',
  }
}

// Per page instance: the kept key of the last request sent, with the body it was for.
const kept = new WeakMap()

Component({
  data: {
    // loading | ready | closed (the order may not be asked for) | error
    state: 'loading',
    errorMessage: '',
    orderId: '',
    order: null,
    closedReason: '',
    maxFen: 0,
    amountText: '',
    reasons: REFUND_REASONS,
    reason: '',
    note: '',
    noteMax: NOTE_MAX,
    errors: NO_ERRORS,
    formError: '',
    submitting: false,
  },

  methods: {
    onLoad(options) {
      this.setData({ orderId: (options && options.id) || '' })
      this.load()
    },

    load() {
      this.setData({ state: 'loading', errorMessage: '' })
      return api
        .get('/orders/' + this.data.orderId)
        .then((o) => this.show(o))
        .catch((err) => {
          this.setData({ state: 'error', errorMessage: (err && err.message) || '加载失败，请稍后再试' })
        })
    },

    show(o) {
      if (!o.can_request_refund) {
        const why = o.refund_request_hint || '这笔订单现在不能申请退款'
        this.setData({ state: 'closed', closedReason: why, order: toOrder(o) })
        return
      }
      this.setData({
        state: 'ready',
        order: toOrder(o),
        maxFen: o.refundable_fen,
        amountText: fmt.plainYuan(o.refundable_fen),
        errors: NO_ERRORS,
        formError: '',
      })
    },

    onRetry() {
      this.load()
    },

    onAmount(e) {
      this.setData({ amountText: e.detail.value, 'errors.amount': '' })
    },

    onAll() {
      this.setData({ amountText: fmt.plainYuan(this.data.maxFen), 'errors.amount': '' })
    },

    pickReason(e) {
      this.setData({ reason: e.currentTarget.dataset.code, 'errors.reason': '', 'errors.note': '' })
    },

    onNote(e) {
      this.setData({ note: e.detail.value, 'errors.note': '' })
    },

    /** The request's body, or null with each wrong field's message on the form. */
    body() {
      const d = this.data
      const fen = fmt.typedFen(d.amountText)
      const note = String(d.note || '').trim()
      const errors = { amount: '', reason: '', note: '' }
      if (fen === null || fen <= 0) errors.amount = '请填写退款金额，如 30 或 30.50'
      else if (fen > d.maxFen) errors.amount = '退款金额不能超过 ' + fmt.yuan(d.maxFen)
      if (!d.reason) errors.reason = '请选择退款原因'
      if (d.reason === 'other' && !note) errors.note = '选择“其他”时请在说明中写明原因'
      if (note.length > NOTE_MAX) errors.note = '说明最多 ' + NOTE_MAX + ' 个字'
      this.setData({ errors, formError: '' })
      if (errors.amount || errors.reason || errors.note) return null
      return { amount_fen: fen, reason_code: d.reason, note }
    },

    submit() {
      if (this.data.submitting || this.data.state !== 'ready') return Promise.resolve()
      const body = this.body()
      if (!body) return Promise.resolve()
      // The same application again (a retry) keeps its key; a changed one is another action.
      const sent = JSON.stringify(body)
      const last = kept.get(this)
      const key = last && last.body === sent ? last.key : api.newActionKey()
      kept.set(this, { key, body: sent })
      this.setData({ submitting: true })
      wx.showLoading({ title: '正在提交', mask: true })
      return api
        .post('/orders/' + this.data.orderId + '/refund-requests', body, key)
        .then(() => {
          wx.hideLoading()
          kept.delete(this)
          this.setData({ submitting: false })
          wx.showToast({ title: '已提交，等待油站审核', icon: 'success' })
          wx.navigateBack({ delta: 1 })
        })
        .catch((err) => {
          wx.hideLoading()
          if (!err || !err.retryable) kept.delete(this)
          this.setData({
            submitting: false,
            formError: (err && err.message) || '提交失败，请稍后重试',
          })
        })
    },
  },
})
