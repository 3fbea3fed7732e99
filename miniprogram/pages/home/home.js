// 首页：附近的油站（地图 + 由近及远的列表）。输入时在附近的油站里按名称、地址筛选；
// 点“搜索”在全链按名称、城市、地址查找（GET /stations?q=，不限距离，仍由近及远）。
// 上方是最近油站所在城市的轮播横幅和公告栏（marketing.js），搜索框旁是领券入口。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const marketing = require('./marketing')

const PER_PAGE = 20

function distanceText(m) {
  if (m < 1000) return m + 'm'
  return (m / 1000).toFixed(m < 10000 ? 1 : 0) + 'km'
}

function priceText(fen) {
  return fen === null || fen === undefined ? '暂无报价' : fmt.yuan(fen) + '/升'
}

function toRow(s) {
  return {
    id: s.id,
    name: s.name,
    city: s.city,
    address: s.address,
    openNow: s.open_now,
    hoursToday: s.hours_today,
    distance: distanceText(s.distance_m),
    latitude: s.location.lat,
    longitude: s.location.lng,
    fuels: s.fuels.map((f) => ({
      code: f.code,
      name: f.name,
      list: priceText(f.list_price_fen),
      member: f.member_price_fen === null || f.member_price_fen === undefined
        ? '' : fmt.yuan(f.member_price_fen) + '/升',
    })),
  }
}

function matches(row, q) {
  return !q || row.name.indexOf(q) >= 0 || row.address.indexOf(q) >= 0
}

function isAuthDenied(err) {
  return /auth|deny|denied|permission/i.test((err && err.errMsg) || '')
}

Component({
  behaviors: [marketing],

  data: {
    // loading | ready | denied | error
    state: 'loading',
    errorMessage: '',
    authDenied: false,
    // the point the list is around: the driver's, or one picked on the map (GCJ-02)
    point: null,
    query: '',
    // the word the list was searched with on the server ('' while the list is the nearby one)
    searched: '',
    latitude: 25.0406,
    longitude: 102.7123,
    stations: [],
    // the city of the nearest station (the banners' and notices'); '' while unknown
    nearCity: '',
    shown: [],
    markers: [],
    page: 1,
    hasMore: false,
    loadingMore: false,
  },

  methods: {
    onLoad() {
      this.locate().then(() => this.followCity(this.data.nearCity))
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      const p = this.data.point ? this.fetchStations(1) : this.locate()
      p.then(() => this.loadMarketing(this.data.nearCity)).then(done, done)
    },

    onReachBottom() {
      if (this.data.hasMore && !this.data.loadingMore) {
        this.setData({ loadingMore: true })
        this.fetchStations(this.data.page + 1)
      }
    },

    locate() {
      this.setData({ state: 'loading', errorMessage: '' })
      return new Promise((resolve) => {
        wx.getLocation({
          type: 'gcj02',
          success: (res) => {
            this.setData({ point: { lat: res.latitude, lng: res.longitude } })
            resolve(this.fetchStations(1))
          },
          fail: (err) => {
            this.setData({
              state: 'denied',
              authDenied: isAuthDenied(err),
            })
            resolve()
          },
        })
      })
    },

    fetchStations(page) {
      const { lat, lng } = this.data.point
      if (page === 1 && !this.data.stations.length) this.setData({ state: 'loading' })
      const query = { lat, lng, coord: 'gcj02', page, per_page: PER_PAGE }
      if (this.data.searched) query.q = this.data.searched
      return api
        .get('/stations', query)
        .then((data) => {
          const rows = data.items.map(toRow)
          const stations = page === 1 ? rows : this.data.stations.concat(rows)
          if (page === 1 && !this.data.searched) this.setData({ nearCity: rows.length ? rows[0].city : '' })
          this.setData({
            state: 'ready',
            latitude: lat,
            longitude: lng,
            stations,
            page: data.page,
            hasMore: data.has_more,
            loadingMore: false,
          })
          this.applyFilter()
        })
        .catch((err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          if (this.data.stations.length) {
            this.setData({ loadingMore: false })
            wx.showToast({ title: message, icon: 'none' })
          } else {
            this.setData({ state: 'error', errorMessage: message, loadingMore: false })
          }
        })
    },

    applyFilter() {
      const q = this.data.query.trim()
      const searched = this.data.searched && q === this.data.searched
      const shown = searched ? this.data.stations : this.data.stations.filter((row) => matches(row, q))
      const markers = shown.map((row) => ({
        id: row.id,
        latitude: row.latitude,
        longitude: row.longitude,
        title: row.name,
        iconPath: '/images/marker.png',
        width: 30,
        height: 40,
        callout: { content: row.name, display: 'BYCLICK', padding: 6, borderRadius: 4 },
      }))
      this.setData({ shown, markers })
    },

    onSearchInput(e) {
      this.setData({ query: e.detail.value })
      this.applyFilter()
    },

    onSearchConfirm() {
      const q = this.data.query.trim()
      if (!q || !this.data.point) return Promise.resolve()
      this.setData({ searched: q, stations: [], page: 1 })
      return this.fetchStations(1)
    },

    onSearchClear() {
      const wasSearched = this.data.searched
      this.setData({ query: '', searched: '' })
      if (wasSearched) {
        this.setData({ stations: [] })
        return this.fetchStations(1)
      }
      this.applyFilter()
      return Promise.resolve()
    },

    onRetry() {
      const p = this.data.point ? this.fetchStations(1) : this.locate()
      return p.then(() => this.followCity(this.data.nearCity))
    },

    openSettings() {
      wx.openSetting({
        success: (res) => {
          if (res.authSetting && res.authSetting['scope.userLocation']) {
            this.locate().then(() => this.followCity(this.data.nearCity))
          }
        },
      })
    },

    // 不给定位时：在微信的选点页里按地名搜索一个位置，看它附近的油站。
    chooseLocation() {
      wx.chooseLocation({
        success: (res) => {
          this.setData({ point: { lat: res.latitude, lng: res.longitude } })
          this.fetchStations(1).then(() => this.followCity(this.data.nearCity))
        },
      })
    },

    openStation(e) {
      const id = e.currentTarget.dataset.id
      wx.navigateTo({ url: '/pages/station/station?id=' + id })
    },

    onMarkerTap(e) {
      wx.navigateTo({ url: '/pages/station/station?id=' + e.detail.markerId })
    },
  },
})
