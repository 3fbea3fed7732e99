// 我的积分：可用积分、最先到期的一批积分（有效期至哪天，一周内到期时提示“3天后过期”）、怎么积分
// （现行规则：各油品的积分、每日上限、会员等级倍数、过期规则）、积分商城和我的兑换的入口，以及
// 积分明细（积分流水，新的在前，分页：每笔的变动和变动后的余额，点开看订单或兑换码）。
// 下拉刷新；加载中、出错、离线；从积分商城回来时重新读取（积分变了）。
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
    balance: 0,
    expiring: null,
    rule: null,
    entries: [],
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

    ledger(page) {
      return api.get('/me/points/ledger', { page, per_page: PER_PAGE })
    },

    /** Log in when there is no token, then the summary and the ledger's first page. */
    refresh() {
      const mine = own(this)
      const seq = ++mine.seq
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorMessage: '' })
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready
        .then(() => Promise.all([api.get('/me/points'), this.ledger(1)]))
        .then(
          ([summary, ledger]) => {
            if (seq !== mine.seq) return
            this.setData({
              state: 'ready',
              offline: false,
              balance: summary.balance,
              expiring: points.expiringView(summary.expiring, Date.now()),
              rule: points.ruleView(summary.rule),
              entries: ledger.items.map(points.entryView),
              page: ledger.page,
              hasMore: ledger.has_more,
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
      return this.ledger(this.data.page + 1).then(
        (data) => {
          if (seq !== mine.seq) return
          const known = {}
          this.data.entries.forEach((e) => {
            known[e.id] = true
          })
          // New lines meanwhile shift the pages: skip the ones already shown.
          const fresh = data.items.filter((e) => !known[e.id]).map(points.entryView)
          this.setData({
            entries: this.data.entries.concat(fresh),
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

    openMall() {
      wx.navigateTo({ url: points.MALL })
    },

    openRedemptions() {
      wx.navigateTo({ url: points.REDEMPTIONS })
    },

    /** A line of the ledger: its order or its redemption. */
    openEntry(e) {
      const url = e.currentTarget.dataset.url
      if (url) wx.navigateTo({ url })
    },
  },
})
