// 我的优惠券：可用 / 已使用 / 已过期 三个页签（?status= 打开其中一个），分页（触底加载更多），
// 可用的按到期先后排列并提示“3天后过期”；每张的优惠、适用范围、有效期、来源；下拉刷新；
// 空、加载中、出错、离线。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const coupon = require('../../utils/coupon')
const { COUPON_TABS } = require('../../utils/labels')
const pagedList = require('../../behaviors/paged-list')

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

Component({
  behaviors: [pagedList],

  data: {
    tabs: COUPON_TABS,
    tab: 'available',
    empty: COUPON_TABS[0].empty,
  },

  methods: {
    onLoad(options) {
      const status = options && options.status
      this.choose(COUPON_TABS.some((t) => t.status === status) ? status : 'available')
    },

    onTab(e) {
      const status = e.currentTarget.dataset.status
      if (status !== this.data.tab) this.choose(status)
    },

    choose(status) {
      const tab = COUPON_TABS.find((t) => t.status === status)
      // Another tab is another list: it loads from nothing.
      this.setData({ tab: status, empty: tab.empty, state: 'loading', items: [], hasMore: false, moreError: '' })
      return this.refresh()
    },

    /** Log in when there is no token, then read a page of the current tab. */
    fetchPage(page) {
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready.then(() => api.get('/me/coupons', { status: this.data.tab, page, per_page: PER_PAGE }))
    },

    itemView(c) {
      return toCoupon(c)
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
