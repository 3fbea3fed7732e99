// The home page's banners (a 5:2 carousel) and notice bar, for the city of the nearest station
// (the chain's only while that is unknown). Neither needs a login. A Behavior of pages/home.
const api = require('../../utils/api')
const { NOTICE_KINDS } = require('../../utils/labels')

const NOTICES = '/pages/notices/notices'
const COUPON_CENTRE = '/pages/coupon-centre/coupon-centre'

function toBanner(b) {
  return { id: b.id, title: b.title, image: b.image.url, target: b.target }
}

function toNotice(n) {
  return { id: n.id, title: n.title, kind: NOTICE_KINDS[n.kind] || '公告', pinned: !!n.pinned }
}

module.exports = Behavior({
  data: {
    // loading | ready | error (either part failed; the other still shows)
    marketing: 'loading',
    // the city the banners and notices are for ('' = the chain's only)
    marketingCity: null,
    banners: [],
    notice: null,
    noticeCount: 0,
  },

  methods: {
    /** Read the banners and notices for `city` ('' for the chain's); the old ones stay meanwhile. */
    loadMarketing(city) {
      const query = city ? { city } : {}
      if (!this.data.banners.length && !this.data.notice) this.setData({ marketing: 'loading' })
      const part = (p) => p.then((data) => ({ data }), (err) => ({ err }))
      return Promise.all([part(api.get('/banners', query)), part(api.get('/notices', query))]).then(
        ([banners, notices]) => {
          const update = { marketingCity: city, marketing: banners.err || notices.err ? 'error' : 'ready' }
          if (banners.data) update.banners = banners.data.items.map(toBanner)
          if (notices.data) {
            const items = notices.data.items
            update.notice = items.length ? toNotice(items[0]) : null
            update.noticeCount = items.length
          }
          this.setData(update)
        },
      )
    },

    /** After the stations changed: the carousel follows the nearest station's city. */
    followCity(city) {
      if (city === this.data.marketingCity && this.data.marketing !== 'error') return Promise.resolve()
      return this.loadMarketing(city)
    },

    onMarketingRetry() {
      return this.loadMarketing(this.data.marketingCity || '')
    },

    /** A banner opens its page: a tab with wx.switchTab, others with wx.navigateTo; no target, nothing. */
    openBanner(e) {
      const banner = this.data.banners[e.currentTarget.dataset.index]
      const target = banner && banner.target
      if (!target || !target.page) return
      const fail = () => wx.showToast({ title: '这个活动暂时打不开', icon: 'none' })
      if (target.tab) wx.switchTab({ url: target.page, fail })
      else wx.navigateTo({ url: target.page, fail })
    },

    openNotices() {
      const city = this.data.marketingCity
      wx.navigateTo({ url: NOTICES + (city ? '?city=' + encodeURIComponent(city) : '') })
    },

    openCouponCentre() {
      wx.navigateTo({ url: COUPON_CENTRE })
    },
  },
})
