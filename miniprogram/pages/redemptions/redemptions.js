// 我的兑换：积分兑换的记录，新的在前，分页（触底加载更多）：待核销的显示兑换码，点开是大号兑换码
// 和二维码给柜台核销；已核销的显示何时在哪个油站核销；加油券已发到我的优惠券（点开去查看）。
// 下拉刷新；空、加载中、出错、离线；从兑换码页回来时重新读取（可能刚核销）。
const api = require('../../utils/api')
const points = require('../../utils/points')
const pagedList = require('../../behaviors/paged-list')

const PER_PAGE = 20

Component({
  behaviors: [pagedList],

  methods: {
    onLoad() {
      this.refresh()
    },

    onShow() {
      if (this.data.state === 'ready') this.refresh()
    },

    /** Log in when there is no token, then read a page of redemptions. */
    fetchPage(page) {
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready.then(() => api.get('/me/redemptions', { page, per_page: PER_PAGE }))
    },

    itemView(redemption) {
      return points.redemptionView(redemption)
    },

    /** A code to show: its page; a fuel coupon: 我的优惠券. */
    open(e) {
      const item = this.data.items.find((r) => r.id === Number(e.currentTarget.dataset.id))
      if (!item) return
      if (item.status === 'issued') wx.navigateTo({ url: '/pages/coupons/coupons' })
      else wx.navigateTo({ url: points.CODE + '?id=' + item.id })
    },

    openMall() {
      wx.navigateTo({ url: points.MALL })
    },
  },
})
