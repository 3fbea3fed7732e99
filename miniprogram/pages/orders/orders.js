// 我的订单：分页的历史订单（新的在前）；下拉刷新、触底加载更多；空、加载中、离线状态。
const api = require('../../utils/api')
const fmt = require('../../utils/format')

const PER_PAGE = 20

/** What the driver spent: the fuel taken once fuelled, else what was paid, else what is due. */
function spent(o) {
  if (typeof o.dispensed_fen === 'number') return o.dispensed_fen
  return o.paid_fen || o.amount_fen
}

function toRow(o) {
  return {
    id: o.id,
    station: o.station.name,
    fuel: o.fuel.name,
    amount: fmt.yuan(spent(o)),
    // Money back on an order that was never fuelled (cancelled after paying): said, not hidden.
    refunded: o.refunded_fen && typeof o.dispensed_fen !== 'number' ? '已退 ' + fmt.yuan(o.refunded_fen) : '',
    status: o.status,
    statusName: o.status_name,
    time: fmt.dateTime(o.created_at),
  }
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
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

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.refresh().then(done, done)
    },

    onReachBottom() {
      this.loadMore()
    },

    /** Page 1 again; the list stays on screen while it loads. */
    refresh() {
      if (!this.data.items.length) this.setData({ state: 'loading', errorMessage: '' })
      return api
        .get('/orders', { page: 1, per_page: PER_PAGE })
        .then((data) => {
          this.setData({
            state: 'ready',
            items: data.items.map(toRow),
            page: data.page,
            hasMore: data.has_more,
            moreError: '',
          })
        })
        .catch((err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          if (this.data.items.length) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ state: 'error', errorMessage: message })
        })
    },

    loadMore() {
      if (!this.data.hasMore || this.data.loadingMore || this.data.state !== 'ready') {
        return Promise.resolve()
      }
      this.setData({ loadingMore: true, moreError: '' })
      return api
        .get('/orders', { page: this.data.page + 1, per_page: PER_PAGE })
        .then((data) => {
          const known = {}
          this.data.items.forEach((o) => {
            known[o.id] = true
          })
          // A new order placed meanwhile shifts the pages: skip rows already shown.
          const fresh = data.items.filter((o) => !known[o.id]).map(toRow)
          this.setData({
            items: this.data.items.concat(fresh),
            page: data.page,
            hasMore: data.has_more,
            loadingMore: false,
          })
        })
        .catch((err) => {
          this.setData({ loadingMore: false, moreError: (err && err.message) || '加载失败' })
        })
    },

    onRetry() {
      this.refresh()
    },

    onMore() {
      this.loadMore()
    },

    open(e) {
      wx.navigateTo({ url: '/pages/order-detail/order-detail?id=' + e.currentTarget.dataset.id })
    },

    goHome() {
      wx.reLaunch({ url: '/pages/home/home' })
    },
  },
})
