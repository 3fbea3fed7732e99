// 我的兑换：积分兑换的记录，新的在前，分页（触底加载更多）：待核销的显示兑换码，点开是大号兑换码
// 和二维码给柜台核销；已核销的显示何时在哪个油站核销；加油券已发到我的优惠券（点开去查看）。
// 下拉刷新；空、加载中、出错、离线；从兑换码页回来时重新读取（可能刚核销）。
const api = require('../../utils/api')
const points = require('../../utils/points')

const PER_PAGE = 20

// Per page instance: which load is the latest (an older answer is dropped).
const local = new WeakMap()
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { seq: 0 }
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
    items: [],
    page: 0,
    hasMore: false,
    loadingMore: false,
    moreError: '',
  },

  methods: {
    onLoad() {
      this.refresh()
    },

    onShow() {
      if (this.data.state === 'ready') this.refresh()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.refresh().then(done, done)
    },

    onReachBottom() {
      this.loadMore()
    },

    /** Log in when there is no token, then read a page of redemptions. */
    fetch(page) {
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready.then(() => api.get('/me/redemptions', { page, per_page: PER_PAGE }))
    },

    /** Page 1 again; the list stays on screen while it loads. */
    refresh() {
      const mine = own(this)
      const seq = ++mine.seq
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorMessage: '' })
      return this.fetch(1).then(
        (data) => {
          if (seq !== mine.seq) return
          this.setData({
            state: 'ready',
            offline: false,
            items: data.items.map(points.redemptionView),
            page: data.page,
            hasMore: data.has_more,
            moreError: '',
          })
        },
        (err) => {
          if (seq !== mine.seq) return
          const message = (err && err.message) || '加载失败，请稍后再试'
          const offline = !!err && err.status === 0
          if (this.data.state === 'ready') {
            this.setData({ offline })
            wx.showToast({ title: message, icon: 'none' })
          } else {
            this.setData({ state: 'error', offline, errorMessage: message })
          }
        },
      )
    },

    loadMore() {
      if (!this.data.hasMore || this.data.loadingMore || this.data.state !== 'ready') return Promise.resolve()
      const mine = own(this)
      const seq = mine.seq
      this.setData({ loadingMore: true, moreError: '' })
      return this.fetch(this.data.page + 1).then(
        (data) => {
          if (seq !== mine.seq) return
          const known = {}
          this.data.items.forEach((r) => {
            known[r.id] = true
          })
          // A redemption made meanwhile shifts the pages: skip the ones already shown.
          const fresh = data.items.filter((r) => !known[r.id]).map(points.redemptionView)
          this.setData({
            items: this.data.items.concat(fresh),
            page: data.page,
            hasMore: data.has_more,
            loadingMore: false,
          })
        },
        (err) => {
          if (seq !== mine.seq) return
          this.setData({ loadingMore: false, moreError: (err && err.message) || '加载失败' })
        },
      )
    },

    onRetry() {
      this.refresh()
    },

    onMore() {
      this.loadMore()
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
