// 我的优惠券：可用 / 已使用 / 已过期 三个页签（?status= 打开其中一个），分页（触底加载更多），
// 可用的按到期先后排列并提示“3天后过期”；每张的优惠、适用范围、有效期、来源；下拉刷新；
// 空、加载中、出错、离线。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const coupon = require('../../utils/coupon')
const { COUPON_TABS } = require('../../utils/labels')

const PER_PAGE = 20
const CENTRE = '/pages/coupon-centre/coupon-centre'

function toCoupon(c) {
  const usable = c.status === 'available'
  return {
    id: c.id,
    face: coupon.face(c),
    name: c.name,
    kindName: c.kind_name,
    rule: c.rule,
    note: c.note,
    scope: c.scope,
    stations: c.stations,
    validity: c.validity_text,
    hint: usable ? fmt.expiryHint(c.valid_until, Date.now()) : '',
    source: c.source_name,
    status: c.status,
    // what the card says instead of 去使用
    stamp: c.status === 'used' && c.used_at ? '已使用 ' + fmt.dateTime(c.used_at) : usable ? '' : c.status_name,
    usable,
    // used, expired or voided: greyed
    off: !usable && c.status !== 'held',
  }
}

// Per page instance: which load is the latest (a tab switched meanwhile drops older answers).
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
    tabs: COUPON_TABS,
    tab: 'available',
    empty: COUPON_TABS[0].empty,
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
    onLoad(options) {
      const status = options && options.status
      this.choose(COUPON_TABS.some((t) => t.status === status) ? status : 'available')
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.refresh().then(done, done)
    },

    onReachBottom() {
      this.loadMore()
    },

    onTab(e) {
      const status = e.currentTarget.dataset.status
      if (status !== this.data.tab) this.choose(status)
    },

    choose(status) {
      const tab = COUPON_TABS.find((t) => t.status === status)
      this.setData({ tab: status, empty: tab.empty, items: [], hasMore: false, loadingMore: false, moreError: '' })
      return this.refresh()
    },

    /** Log in when there is no token, then read a page of the current tab. */
    fetch(page) {
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready.then(() => api.get('/me/coupons', { status: this.data.tab, page, per_page: PER_PAGE }))
    },

    /** Page 1 again; the list stays on screen while it loads. */
    refresh() {
      const mine = own(this)
      const seq = ++mine.seq
      if (!this.data.items.length) this.setData({ state: 'loading', errorMessage: '' })
      return this.fetch(1).then(
        (data) => {
          if (seq !== mine.seq) return
          this.setData({
            state: 'ready',
            offline: false,
            items: data.items.map(toCoupon),
            page: data.page,
            hasMore: data.has_more,
            moreError: '',
          })
        },
        (err) => {
          if (seq !== mine.seq) return
          const message = (err && err.message) || '加载失败，请稍后再试'
          const offline = !!err && err.status === 0
          if (this.data.items.length) {
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
          this.data.items.forEach((c) => {
            known[c.id] = true
          })
          // A coupon claimed or used meanwhile shifts the pages: skip the ones already shown.
          const fresh = data.items.filter((c) => !known[c.id]).map(toCoupon)
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

    use(e) {
      const item = this.data.items.find((c) => c.id === Number(e.currentTarget.dataset.id))
      if (item) coupon.use(item)
    },

    openCentre() {
      wx.navigateTo({ url: CENTRE })
    },
  },
})
