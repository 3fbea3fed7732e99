// 会员码：到店出示给收银员扫或输入。每个码一分钟有效、只能用一次；按 API 的 refresh_after_s
// 换新码（倒计时可见），回到页面立即换。屏幕常亮、调到最亮，离开时恢复原亮度。
// 取码失败（限流、断网）时保留仍在有效期内的码并退避重试；码过期就收起，绝不显示过期的码。
const api = require('../../utils/api')
const { qrDataUrl } = require('../../utils/qr')

const TICK_MS = 1000

/**
 * What a page keeps beside its data: timers and times (not rendered).
 * @typedef {{active: boolean, ticker: any, generation: number, fetching: boolean,
 *   failures: number, nextAt: number, expiresAt: number, oldBrightness: number | undefined}} Run
 * @type {WeakMap<object, Run>}
 */
const runs = new WeakMap()

/** @param {object} page @returns {Run} */
function run(page) {
  let r = runs.get(page)
  if (!r) {
    r = {
      active: false,
      ticker: null,
      generation: 0,
      fetching: false,
      failures: 0,
      nextAt: 0,
      expiresAt: 0,
      oldBrightness: undefined,
    }
    runs.set(page, r)
  }
  return r
}
const FIRST_RETRY_MS = 2000
const MAX_RETRY_MS = 30000

/** '881234567890123456' -> '8812 3456 7890 1234 56' (four digits a group, as the API says). */
function grouped(code) {
  return String(code).replace(/(\d{4})(?=\d)/g, '$1 ')
}

Component({
  data: {
    // loading | ready (a valid code is shown) | expired | error (no code yet)
    state: 'loading',
    code: '',
    groups: '',
    qr: '',
    // seconds until the next code (or the next try after a failure)
    countdown: 0,
    retrying: false,
    message: '',
  },

  methods: {
    onShow() {
      const r = run(this)
      if (r.ticker) clearInterval(r.ticker) // shown twice without a hide: one ticker only
      r.active = true
      r.failures = 0
      this.brighten()
      this.fetch()
      r.ticker = setInterval(() => this.tick(), TICK_MS)
    },

    onHide() {
      this.stop()
    },

    onUnload() {
      this.stop()
    },

    stop() {
      const r = run(this)
      r.active = false
      if (r.ticker) clearInterval(r.ticker)
      r.ticker = null
      // An answer still on its way belongs to the visit that ended: it is ignored.
      r.generation = r.generation + 1
      r.fetching = false
      this.restore()
    },

    brighten() {
      const r = run(this)
      wx.setKeepScreenOn({ keepScreenOn: true })
      wx.getScreenBrightness({
        success: (res) => {
          if (!r.active || typeof r.oldBrightness === 'number') return
          r.oldBrightness = res.value
          wx.setScreenBrightness({ value: 1 })
        },
      })
    },

    restore() {
      const r = run(this)
      wx.setKeepScreenOn({ keepScreenOn: false })
      if (typeof r.oldBrightness === 'number') {
        wx.setScreenBrightness({ value: r.oldBrightness })
      }
      r.oldBrightness = undefined
    },

    /** Every second: hide an expired code, fetch when it is time, move the countdown. */
    tick() {
      const r = run(this)
      const now = Date.now()
      if (this.data.state === 'ready' && now >= r.expiresAt) {
        this.setData({ state: 'expired', code: '', groups: '', qr: '' })
      }
      if (!r.fetching && now >= r.nextAt) this.fetch()
      if (!Number.isFinite(r.nextAt)) return // asking now, or waiting for 刷新
      const countdown = Math.max(0, Math.ceil((r.nextAt - Date.now()) / 1000))
      if (countdown !== this.data.countdown) this.setData({ countdown })
    },

    fetch() {
      const r = run(this)
      if (r.fetching || !r.active) return Promise.resolve()
      r.fetching = true
      r.nextAt = Infinity
      const generation = r.generation
      const current = () => r.active && generation === r.generation
      // The code expires ttl_s after the server made it, which is after this moment: counting
      // from here hides it a little early, never late, whatever the phone's clock says.
      const sentAt = Date.now()
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready
        .then(() => api.get('/member-code'))
        .then((answer) => {
          if (!current()) return
          r.fetching = false
          r.failures = 0
          r.expiresAt = sentAt + answer.ttl_s * 1000
          r.nextAt = Date.now() + answer.refresh_after_s * 1000
          this.setData({
            state: 'ready',
            code: answer.code,
            groups: grouped(answer.code),
            qr: qrDataUrl(answer.code),
            countdown: answer.refresh_after_s,
            retrying: false,
            message: '',
          })
        })
        .catch((err) => {
          if (!current()) return
          r.fetching = false
          this.failed(err)
        })
    },

    failed(err) {
      const r = run(this)
      const now = Date.now()
      const valid = this.data.state === 'ready' && now < r.expiresAt
      const retrying = !!(err && err.retryable)
      let message = (err && err.message) || '获取会员码失败'
      if (retrying) {
        r.failures += 1
        const delay = Math.min(FIRST_RETRY_MS * 2 ** (r.failures - 1), MAX_RETRY_MS)
        r.nextAt = now + delay
      } else {
        r.nextAt = Infinity // a refusal is not retried by itself: the driver taps 刷新
      }
      if (valid) message += '，当前会员码仍可使用'
      const shown = this.data.state === 'ready' || this.data.state === 'expired'
      /** @type {Record<string, any>} */
      const change = {
        state: valid ? 'ready' : shown ? 'expired' : 'error',
        retrying,
        message,
        countdown: retrying ? Math.ceil((r.nextAt - now) / 1000) : 0,
      }
      if (!valid) Object.assign(change, { code: '', groups: '', qr: '' })
      this.setData(change)
    },

    onRefresh() {
      const r = run(this)
      r.failures = 0
      return this.fetch()
    },
  },
})
