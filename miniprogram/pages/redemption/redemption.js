// 兑换码（?id=，刚兑换的带 &new=1）：待核销的显示大号兑换码和二维码，给油站柜台扫描或输入，核销一次；
// 显示兑换码时屏幕常亮、调到最亮，离开或已核销时恢复。每次回到页面、下拉刷新或点“刷新状态”都重新
// 读取（GET /me/redemptions/{id}）：柜台核销后显示何时在哪个油站核销，不再显示兑换码。
// 加油券兑换的显示已发到我的优惠券。兑换码不会过期。
const api = require('../../utils/api')
const points = require('../../utils/points')
const { qrDataUrl } = require('../../utils/qr')
const loadState = require('../../behaviors/load-state')

// Per page instance: the brightness before the code was shown (restored after).
const local = new WeakMap()
/** @returns {{bright: boolean, oldBrightness: number | undefined}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { bright: false, oldBrightness: undefined }
    local.set(page, mine)
  }
  return mine
}

Component({
  behaviors: [loadState],

  data: {
    id: 0,
    fresh: false,
    redemption: null,
    qr: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ id: Number((options && options.id) || 0), fresh: !!(options && options.new) })
      this.refresh()
    },

    onShow() {
      if (this.data.state === 'ready') this.refresh()
    },

    onHide() {
      this.dropAnswers() // shown again, it asks again
      this.restore()
    },

    onUnload() {
      this.dropAnswers() // an answer still on its way is for a page that is gone
      this.restore()
    },

    onRefresh() {
      return this.refresh()
    },

    /** Log in when there is no token, then read the redemption. A code already shown stays
     * when that fails: it does not expire and the counter checks it. */
    refresh() {
      return this.read(
        () => {
          const ready = api.getToken() ? Promise.resolve() : api.login()
          return ready.then(() => api.get('/me/redemptions/' + this.data.id))
        },
        (answer) => {
          const redemption = points.redemptionView(answer)
          return { redemption, qr: redemption.code ? qrDataUrl(redemption.code) : '' }
        },
      ).then((shown) => {
        if (!shown) return
        if (shown.redemption.code) this.brighten()
        else this.restore()
      })
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

    openCoupons() {
      wx.navigateTo({ url: '/pages/coupons/coupons' })
    },
  },
})
