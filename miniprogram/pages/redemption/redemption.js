// 兑换码（?id=，刚兑换的带 &new=1）：待核销的显示大号兑换码和二维码，给油站柜台扫描或输入，核销一次；
// 显示兑换码时屏幕常亮、调到最亮，离开或已核销时恢复。每次回到页面、下拉刷新或点“刷新状态”都重新
// 读取（GET /me/redemptions/{id}）：柜台核销后显示何时在哪个油站核销，不再显示兑换码。
// 加油券兑换的显示已发到我的优惠券。兑换码不会过期。
const api = require('../../utils/api')
const points = require('../../utils/points')
const { qrDataUrl } = require('../../utils/qr')

// Per page instance: the brightness before the code was shown (restored after), the latest load.
const local = new WeakMap()
/** @returns {{seq: number, bright: boolean, oldBrightness: number | undefined}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { seq: 0, bright: false, oldBrightness: undefined }
    local.set(page, mine)
  }
  return mine
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    offline: false,
    errorMessage: '',
    id: 0,
    fresh: false,
    redemption: null,
    qr: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ id: Number((options && options.id) || 0), fresh: !!(options && options.new) })
      this.fetch()
    },

    onShow() {
      if (this.data.state === 'ready') this.fetch()
    },

    onHide() {
      own(this).seq += 1 // shown again, it asks again
      this.restore()
    },

    onUnload() {
      own(this).seq += 1 // an answer still on its way is for a page that is gone
      this.restore()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.fetch().then(done, done)
    },

    onRefresh() {
      return this.fetch()
    },

    /** Log in when there is no token, then read the redemption. */
    fetch() {
      const mine = own(this)
      const seq = ++mine.seq
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorMessage: '' })
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready
        .then(() => api.get('/me/redemptions/' + this.data.id))
        .then(
          (answer) => {
            if (seq !== mine.seq) return
            const redemption = points.redemptionView(answer)
            this.setData({
              state: 'ready',
              offline: false,
              redemption,
              qr: redemption.code ? qrDataUrl(redemption.code) : '',
            })
            if (redemption.code) this.brighten()
            else this.restore()
          },
          (err) => {
            if (seq !== mine.seq) return
            const message = (err && err.message) || '加载失败，请稍后再试'
            const offline = !!err && err.status === 0
            // A code already shown stays: it does not expire and the counter checks it.
            if (this.data.state === 'ready') {
              this.setData({ offline })
              wx.showToast({ title: message, icon: 'none' })
            } else {
              this.setData({ state: 'error', offline, errorMessage: message })
            }
          },
        )
    },

    /** Keep the screen on at full brightness while a code is shown (the counter scans it). */
    brighten() {
      const mine = own(this)
      if (mine.bright) return
      mine.bright = true
      wx.setKeepScreenOn({ keepScreenOn: true })
      wx.getScreenBrightness({
        success: (res) => {
          if (!mine.bright || typeof mine.oldBrightness === 'number') return
          mine.oldBrightness = res.value
          wx.setScreenBrightness({ value: 1 })
        },
      })
    },

    restore() {
      const mine = own(this)
      if (!mine.bright) return
      mine.bright = false
      wx.setKeepScreenOn({ keepScreenOn: false })
      if (typeof mine.oldBrightness === 'number') wx.setScreenBrightness({ value: mine.oldBrightness })
      mine.oldBrightness = undefined
    },

    onRetry() {
      this.fetch()
    },

    openCoupons() {
      wx.navigateTo({ url: '/pages/coupons/coupons' })
    },
  },
})
