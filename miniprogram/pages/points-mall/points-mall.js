// 积分商城：现在可兑换的商品（加油券、洗车、便利店商品），所需积分少的在前，每件的积分、剩余数量、
// 每人限兑和截止时间；不能兑换的按钮上写原因（积分不足时写还差多少）。兑换先弹确认框，再
// POST /points/redeem：网络不好重试时沿用同一个 Idempotency-Key（按商品保留，成功或被明确拒绝后
// 换新的），被拒绝时弹出接口的中文原因并重新读取。加油券兑换后直接发到我的优惠券（可去查看），
// 洗车和商品兑换后打开兑换码页。
const api = require('../../utils/api')
const points = require('../../utils/points')
const loadState = require('../../behaviors/load-state')

// Per page instance: the kept Idempotency-Key of each item's redemption, by item id.
const local = new WeakMap()
function keys(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = {}
    local.set(page, mine)
  }
  return mine
}

Component({
  behaviors: [loadState],

  data: {
    balance: 0,
    items: [],
  },

  methods: {
    onLoad() {
      this.refresh()
    },

    onShow() {
      // Back from the code page or 我的优惠券: the balance and the stock may have changed.
      if (this.data.state === 'ready') this.refresh()
    },

    /** Log in when there is no token, then read the catalogue. */
    refresh() {
      return this.read(
        () => {
          const ready = api.getToken() ? Promise.resolve() : api.login()
          return ready.then(() => api.get('/points/catalogue'))
        },
        (data) => ({
          balance: data.balance,
          items: points.inOrder(data.items.map((i) => points.itemView(i, data.balance))),
        }),
      )
    },

    /** Change the card of item `id`. */
    update(id, change) {
      const i = this.data.items.findIndex((o) => o.id === id)
      if (i < 0) return
      this.setData({ ['items[' + i + ']']: Object.assign({}, this.data.items[i], change) })
    },

    /** 兑换: confirm, then redeem. */
    redeem(e) {
      const id = Number(e.currentTarget.dataset.id)
      const item = this.data.items.find((o) => o.id === id)
      if (!item || item.busy || !item.mayRedeem) return Promise.resolve()
      return this.confirm(item).then((yes) => (yes ? this.send(id) : undefined))
    },

    /** @returns {Promise<boolean>} */
    confirm(item) {
      return new Promise((resolve) => {
        wx.showModal({
          title: '确认兑换',
          content: '用 ' + item.points + ' 积分兑换「' + item.name + '」，' + item.gives + '。',
          confirmText: '兑换',
          cancelText: '再想想',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      })
    },

    send(id) {
      const item = this.data.items.find((o) => o.id === id)
      if (!item || item.busy) return Promise.resolve()
      const mine = keys(this)
      if (!mine[id]) mine[id] = api.newActionKey()
      this.update(id, { busy: true })
      return api.post('/points/redeem', { item_id: id }, mine[id]).then(
        (redemption) => {
          delete mine[id]
          this.update(id, { busy: false })
          this.redeemed(redemption)
          return this.refresh()
        },
        (err) => {
          // The same redemption may be sent again with its key; a refusal ends this action.
          const retryable = !!(err && err.retryable)
          if (!retryable) delete mine[id]
          const reason = err && points.REFUSED[err.code]
          this.update(id, reason ? { busy: false, mayRedeem: false, reason } : { busy: false })
          const message = (err && err.message) || '兑换失败，请稍后重试'
          wx.showModal({
            title: retryable ? '没有收到兑换结果' : '兑换失败',
            content: retryable ? message + '。再点兑换会接着这一次，不会重复扣积分。' : message,
            showCancel: false,
            confirmText: '知道了',
          })
          // Refused: the points or the stock are not what the page showed; show them as they are.
          return retryable ? undefined : this.refresh()
        },
      )
    },

    /** A fuel coupon is in 我的优惠券 already; a car wash or goods: their code to show. */
    redeemed(r) {
      if (r.status === 'issued') {
        wx.showModal({
          title: '兑换成功',
          content: '「' + r.item_name + '」已发到我的优惠券，下单时可以使用。',
          confirmText: '去看看',
          cancelText: '继续兑换',
          success: (res) => {
            if (res.confirm) wx.navigateTo({ url: '/pages/coupons/coupons' })
          },
        })
      } else {
        wx.navigateTo({ url: points.CODE + '?id=' + r.id + '&new=1' })
      }
    },

    openRedemptions() {
      wx.navigateTo({ url: points.REDEMPTIONS })
    },
  },
})
