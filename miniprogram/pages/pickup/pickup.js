// 取油码：加油员扫的二维码（在手机上画，不用网络）和 8 位取油码，屏幕常亮、调到最亮；
// 等加油时轮询订单（退避：2、3、5、8、13 秒，之后每 15 秒），加油员确认后换成加油结果和差额退款。
//
// 网络只有一格也要能用：上次拿到的订单存在本地（'pickup:' + id），重新打开页面先显示它，
// 轮询失败时取油码留在屏幕上，只显示一条小横幅，不弹窗。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { METHODS, REFUND_KINDS, REFUND_STATUSES } = require('../../utils/labels')
const { qrDataUrl } = require('../../utils/qr')

// Seconds between polls while the order waits; the last one repeats.
const POLL_DELAYS_MS = [2000, 3000, 5000, 8000, 13000, 15000]
// Waiting at the pump (paid), or fuelled and the settlement (with its refund) not yet done.
const POLLED = ['paid', 'fueled']
const KEPT = ['paid', 'fueled'] // worth keeping on the phone for an offline reopen
const OFFLINE = '网络不佳，显示的是上次获取的取油码'
const OFFLINE_RESULT = '网络不佳，显示的是上次获取的结果'
const LOAD_FAILED = '加载失败，请稍后再试'

const storageKey = (id) => 'pickup:' + id

/** A stored code past its expiry would only be refused at the pump: never show it. */
const stale = (o) => Boolean(o.pickup) && !(Date.parse(o.pickup.expires_at) > Date.now())

/** @param {number|null|undefined} fen */
const money = (fen) => (typeof fen === 'number' ? fmt.yuan(fen) : '')

/** code | done | closed | unpaid | other: which part of the page shows. */
function phaseOf(o) {
  if (o.status === 'paid') return o.pickup ? 'code' : 'other'
  if (o.status === 'fueled' || o.status === 'settled') return 'done'
  if (o.status === 'cancelled' || o.status === 'expired') return 'closed'
  if (o.status === 'created') return 'unpaid'
  return 'other'
}

function toView(o) {
  const phase = phaseOf(o)
  const code = (o.pickup && o.pickup.code) || ''
  const dispensed = typeof o.dispensed_ml === 'number'
  return {
    id: o.id,
    status: o.status,
    statusName: o.status_name,
    phase,
    qr: phase === 'code' ? qrDataUrl(o.pickup.token) : '',
    code: code.length === 8 ? code.slice(0, 4) + ' ' + code.slice(4) : code,
    codeExpires: o.pickup ? fmt.dateTime(o.pickup.expires_at) : '',
    station: o.station.name,
    fuel: o.fuel.name,
    nozzle: o.nozzle ? o.nozzle + '号枪' : '任意油枪',
    plate: o.plate || '未填写',
    amount: money(o.amount_fen),
    paid: o.paid_fen > 0 ? money(o.paid_fen) : '',
    payment: METHODS[o.payment_method] || '',
    dispensedLitres: dispensed ? fmt.litres(o.dispensed_ml) : '',
    dispensedAmount: dispensed ? money(o.dispensed_fen) : '',
    // Fuelled, settlement still running: the difference is not refunded (nor known here) yet.
    settling: o.status === 'fueled',
    refunds: (o.refunds || []).map((r, i) => ({
      key: i,
      amount: money(r.amount_fen),
      kind: REFUND_KINDS[r.kind] || r.reason,
      method: METHODS[r.method] || '',
      status: r.status,
      statusName: REFUND_STATUSES[r.status] || r.status,
    })),
  }
}

// What a page instance keeps outside its data: the poll timer and step, the request in flight,
// whether it is on screen, and the brightness to give back.
const local = new WeakMap()
/**
 * @returns {{timer: any, step: number, inflight: Promise<any>|null, hidden: boolean,
 *   gone: boolean, lit: boolean, brightness: number|null}}
 */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { timer: null, step: 0, inflight: null, hidden: false, gone: false, lit: false, brightness: null }
    local.set(page, mine)
  }
  return mine
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    errorMessage: '',
    orderId: '',
    view: null,
    // The small banner when the last request failed and the page shows what it had.
    notice: '',
  },

  methods: {
    onLoad(options) {
      const id = String((options && options.order_id) || '')
      this.setData({ orderId: id })
      const kept = id ? wx.getStorageSync(storageKey(id)) : ''
      if (kept && kept.id && !stale(kept)) this.show(kept)
      this.load()
    },

    onShow() {
      const mine = own(this)
      if (!mine.hidden) return this.light()
      // Back on screen: ask now and poll fast again.
      mine.hidden = false
      this.light()
      return this.refresh()
    },

    onHide() {
      own(this).hidden = true
      this.stopPolling()
      this.dim()
    },

    onUnload() {
      own(this).gone = true
      this.stopPolling()
      this.dim()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.refresh().then(done, done)
    },

    onRetry() {
      return this.refresh()
    },

    /** Ask now and start the back-off from the beginning. */
    refresh() {
      this.stopPolling()
      own(this).step = 0
      return this.load()
    },

    /** GET the order (one request at a time); then poll again while it waits. */
    load() {
      const mine = own(this)
      if (mine.inflight) return mine.inflight
      if (!this.data.view) this.setData({ state: 'loading', errorMessage: '' })
      mine.inflight = api
        .get('/orders/' + this.data.orderId)
        .then(
          (order) => {
            mine.inflight = null
            if (mine.gone) return
            this.setData({ notice: '' })
            this.show(order)
            this.keep(order)
            if (POLLED.indexOf(order.status) >= 0) this.schedule()
          },
          (err) => {
            mine.inflight = null
            if (mine.gone) return
            this.failed(err)
          },
        )
      return mine.inflight
    },

    failed(err) {
      const view = this.data.view
      const message = (err && err.message) || LOAD_FAILED
      if (!view) {
        this.setData({ state: 'error', errorMessage: message })
        return
      }
      // Keep what is on screen. No answer or a passing server trouble: try again later.
      const retryable = !err || err.retryable
      const offline = view.phase === 'code' ? OFFLINE : OFFLINE_RESULT
      this.setData({ notice: err && err.status === 0 ? offline : message })
      if (retryable && POLLED.indexOf(view.status) >= 0) this.schedule()
    },

    show(order) {
      const view = toView(order)
      this.setData({ state: 'ready', errorMessage: '', view })
      if (view.phase === 'code') this.light()
      else this.dim()
    },

    /** The last good answer, for a reopen with no network; finished orders are forgotten. */
    keep(order) {
      try {
        if (KEPT.indexOf(order.status) >= 0) wx.setStorageSync(storageKey(order.id), order)
        else wx.removeStorageSync(storageKey(order.id))
      } catch (e) {
        // Storage full or unavailable: the page works without it.
      }
    },

    schedule() {
      const mine = own(this)
      if (mine.hidden || mine.gone || mine.timer) return
      const delay = POLL_DELAYS_MS[Math.min(mine.step, POLL_DELAYS_MS.length - 1)]
      mine.step += 1
      mine.timer = setTimeout(() => {
        mine.timer = null
        this.load()
      }, delay)
    },

    stopPolling() {
      const mine = own(this)
      if (mine.timer) clearTimeout(mine.timer)
      mine.timer = null
    },

    /** Screen on and at full brightness while the code is on screen (sunlight at the pump). */
    light() {
      const mine = own(this)
      const view = this.data.view
      if (mine.lit || mine.hidden || mine.gone || !view || view.phase !== 'code') return
      mine.lit = true
      wx.setKeepScreenOn({ keepScreenOn: true })
      wx.getScreenBrightness({
        success: (res) => {
          if (!mine.lit || mine.brightness !== null) return
          mine.brightness = res.value
          wx.setScreenBrightness({ value: 1 })
        },
      })
    },

    /** Give back the screen as it was. */
    dim() {
      const mine = own(this)
      if (!mine.lit) return
      mine.lit = false
      wx.setKeepScreenOn({ keepScreenOn: false })
      if (mine.brightness !== null) wx.setScreenBrightness({ value: mine.brightness })
      mine.brightness = null
    },

    openOrder() {
      wx.navigateTo({ url: '/pages/order-detail/order-detail?id=' + this.data.orderId })
    },

    goHome() {
      // home becomes a tab page; until then switchTab fails and a relaunch does the same.
      wx.switchTab({
        url: '/pages/home/home',
        fail: () => wx.reLaunch({ url: '/pages/home/home' }),
      })
    },
  },
})
