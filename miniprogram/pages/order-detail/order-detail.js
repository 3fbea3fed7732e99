// 订单详情：状态、油站、油品、油枪、车牌、价格明细、已付与实加、退款、退款申请、小票；
// 可取消时取消订单（已支付的全额退回；确认后发送，Idempotency-Key 留给重试），已支付时去取油；
// 加油后（已完成、在线支付、结算后 7 天内）可申请退款：服务端说能否申请（can_request_refund）
// 和最多多少，申请表在 pages/refund-request；申请的状态（待处理、已退款、已驳回及原因）显示在这里。
// 不能申请时显示服务端给的原因，并可联系油站。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { campaignLines, valueOff, dayCut } = require('../../utils/campaigns')
const { METHODS, REFUND_KINDS, REFUND_STATUSES } = require('../../utils/labels')

const MODES = { amount: '按金额', volume: '按升数', fill_up: '加满' }
const CANCELLABLE = ['created', 'paid']

/** @param {number|null|undefined} fen */
const money = (fen) => (typeof fen === 'number' ? fmt.yuan(fen) : '')
/** @param {number|null|undefined} fen */
const perLitre = (fen) => (typeof fen === 'number' ? fmt.yuan(fen) + '/升' : '')

function preset(o) {
  if (o.mode === 'amount' && typeof o.preset_amount_fen === 'number') {
    return '按金额 ' + fmt.yuan(o.preset_amount_fen)
  }
  if (o.mode === 'volume' && typeof o.preset_volume_ml === 'number') {
    return '按升数 ' + fmt.litres(o.preset_volume_ml)
  }
  return MODES[o.mode] || ''
}

/** A refund request as the order shows it: its status, and the station's reason if rejected. */
function toRequest(r) {
  const refund = r.refund_status ? REFUND_STATUSES[r.refund_status] || '' : ''
  return {
    key: r.id,
    amount: money(r.amount_fen),
    reason: r.reason_name + (r.note ? '：' + r.note : ''),
    status: r.status,
    statusName: r.status_name + (refund ? '，' + refund : ''),
    rejectReason: r.reject_reason,
    time: fmt.dateTime(r.decided_at || r.requested_at),
  }
}

/** Under 加油金额有疑问？: how much may be asked for and until when, or why not (the server's). */
function refundNote(o) {
  if (o.can_request_refund) {
    const until = o.refund_request_until ? '，' + fmt.dateTime(o.refund_request_until) + ' 前' : ''
    return '可申请退款，最多 ' + money(o.refundable_fen) + until + '，由油站审核后原路退回'
  }
  return o.refund_request_hint || '可以联系油站'
}

function toView(o) {
  const p = o.pricing
  const dispensed = typeof o.dispensed_ml === 'number'
  return {
    id: o.id,
    orderNo: o.order_no,
    status: o.status,
    statusName: o.status_name,
    station: o.station.name,
    stationId: o.station.id,
    fuel: o.fuel.name,
    nozzle: o.nozzle ? o.nozzle + '号枪' : '任意油枪',
    plate: o.plate || '未填写',
    preset: preset(o),
    pricing: {
      list: perLitre(p.list_price_fen),
      member: p.member_price_fen !== p.list_price_fen ? perLitre(p.member_price_fen) : '',
      tierCut: p.tier_cut_fen ? '-' + perLitre(p.tier_cut_fen) : '',
      note: p.note,
      dayCut: dayCut(p),
      unit: perLitre(p.unit_price_fen),
      savingPerLitre: p.saving_per_litre_fen ? perLitre(p.saving_per_litre_fen) : '',
      saving: p.saving_fen ? money(p.saving_fen) : '',
    },
    value: valueOff(o.bill),
    campaigns: campaignLines(o.bill),
    coupon: o.coupon
      ? { name: o.coupon.name, rule: o.coupon.rule, status: o.coupon.status_name, saving: '-' + fmt.yuan(o.coupon.saving_fen) }
      : null,
    amount: money(o.amount_fen),
    paid: money(o.paid_fen),
    isPaid: o.paid_fen > 0,
    refunded: o.refunded_fen ? money(o.refunded_fen) : '',
    dispensedLitres: dispensed ? fmt.litres(o.dispensed_ml) : '',
    dispensedAmount: dispensed ? money(o.dispensed_fen) : '',
    payment: METHODS[o.payment_method] || '',
    refunds: o.refunds.map((r, i) => ({
      key: i,
      amount: money(r.amount_fen),
      kind: REFUND_KINDS[r.kind] || r.reason,
      method: METHODS[r.method] || '',
      status: r.status,
      statusName: REFUND_STATUSES[r.status] || r.status,
      time: fmt.dateTime(r.finished_at || r.created_at),
    })),
    createdAt: fmt.dateTime(o.created_at),
    paidAt: fmt.dateTime(o.paid_at),
    fueledAt: fmt.dateTime(o.fueled_at),
    receiptTime: fmt.dateTime(o.fueled_at || o.paid_at || o.created_at),
    canCancel: CANCELLABLE.indexOf(o.status) >= 0,
    canPickup: o.status === 'paid',
    // After fuelling, money back is asked for here (申请退款) and decided by the station.
    canRequestRefund: o.can_request_refund === true,
    refundNote: refundNote(o),
    refundRequests: (o.refund_requests || []).map(toRequest),
    askStation: o.status === 'fueled' || o.status === 'settled',
  }
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    errorMessage: '',
    orderId: '',
    order: null,
    cancelling: false,
    showReceipt: false,
    // The Idempotency-Key of the cancel action, kept for its retries.
    cancelKey: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ orderId: (options && options.id) || '', cancelKey: '' })
      this.load()
    },

    onShow() {
      if (this.data.order) this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    load() {
      if (!this.data.order) this.setData({ state: 'loading', errorMessage: '' })
      return api
        .get('/orders/' + this.data.orderId)
        .then((data) => this.show(data))
        .catch((err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          if (this.data.order) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ state: 'error', errorMessage: message })
        })
    },

    show(data) {
      this.setData({ state: 'ready', order: toView(data) })
    },

    onRetry() {
      this.load()
    },

    toggleReceipt() {
      this.setData({ showReceipt: !this.data.showReceipt })
    },

    askCancel() {
      const order = this.data.order
      if (!order || !order.canCancel || this.data.cancelling) return Promise.resolve()
      const content = order.isPaid
        ? '取消后已付的 ' + order.paid + ' 将全额退回' + (order.payment || '原支付方式') + '。'
        : '确定取消这笔订单吗？'
      return new Promise((resolve) => {
        wx.showModal({
          title: '取消订单',
          content,
          confirmText: '取消订单',
          confirmColor: '#fa5151',
          cancelText: '再想想',
          success: (res) => resolve(res.confirm ? this.cancel() : undefined),
          fail: () => resolve(undefined),
        })
      })
    },

    cancel() {
      const key = this.data.cancelKey || api.newActionKey()
      this.setData({ cancelling: true, cancelKey: key })
      wx.showLoading({ title: '正在取消', mask: true })
      return api
        .post('/orders/' + this.data.order.id + '/cancel', undefined, key)
        .then((data) => {
          wx.hideLoading()
          this.setData({ cancelling: false, cancelKey: '' })
          this.show(data)
          wx.showToast({ title: '订单已取消', icon: 'success' })
        })
        .catch((err) => {
          // Keep the key when the same request may be sent again; a refusal ends this action.
          wx.hideLoading()
          this.setData({ cancelling: false, cancelKey: err && err.retryable ? key : '' })
          wx.showModal({
            title: '取消失败',
            content: (err && err.message) || '取消失败，请稍后重试',
            showCancel: false,
            confirmText: '知道了',
          })
          if (err && err.status === 409) this.load()
        })
    },

    openStation() {
      wx.navigateTo({ url: '/pages/station/station?id=' + this.data.order.stationId })
    },

    pickup() {
      wx.navigateTo({ url: '/pages/pickup/pickup?order_id=' + this.data.order.id })
    },

    /** 申请退款: the form page; coming back here (onShow) reloads the order with the request. */
    requestRefund() {
      if (!this.data.order || !this.data.order.canRequestRefund) return
      wx.navigateTo({ url: '/pages/refund-request/refund-request?id=' + this.data.order.id })
    },
  },
})
