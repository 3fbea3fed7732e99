// 油站详情：照片、地址、营业时间、服务、油品价格、油枪；一键导航，去加油。
const api = require('../../utils/api')
const fmt = require('../../utils/format')

function price(fen) {
  return fen === null || fen === undefined ? '' : fmt.yuan(fen) + '/升'
}

function toFuel(f) {
  const next = f.next_price
  return {
    code: f.code,
    name: f.name,
    list: price(f.list_price_fen) || '暂无报价',
    member: price(f.member_price_fen),
    next: next
      ? fmt.dateTime(next.effective_at) + ' 起 ' + price(next.list_price_fen) +
        '（会员 ' + price(next.member_price_fen) + '）'
      : '',
  }
}

function toView(s) {
  return {
    id: s.id,
    name: s.name,
    city: s.city,
    address: s.address,
    phone: s.phone,
    services: s.services,
    openNow: s.open_now,
    hoursToday: s.hours_today,
    hours: s.hours.map((d) => ({ weekday: d.weekday, name: d.name, text: d.text })),
    fuels: s.fuels.map(toFuel),
    nozzles: s.nozzles.map((n) => ({ number: n.number, fuelName: n.fuel_name })),
    photos: s.photos.map((p) => ({ id: p.id, url: p.url, caption: p.caption })),
    location: s.location,
  }
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    errorMessage: '',
    stationId: '',
    station: null,
  },

  methods: {
    onLoad(options) {
      this.setData({ stationId: (options && options.id) || '' })
      this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    load() {
      if (!this.data.station) this.setData({ state: 'loading', errorMessage: '' })
      return api
        .get('/stations/' + this.data.stationId)
        .then((data) => {
          this.setData({ state: 'ready', station: toView(data) })
          wx.setNavigationBarTitle({ title: data.name })
        })
        .catch((err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          if (this.data.station) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ state: 'error', errorMessage: message })
        })
    },

    onRetry() {
      this.load()
    },

    navigate() {
      const s = this.data.station
      wx.openLocation({
        latitude: s.location.lat,
        longitude: s.location.lng,
        name: s.name,
        address: s.address,
        scale: 16,
      })
    },

    call() {
      wx.makePhoneCall({ phoneNumber: this.data.station.phone })
    },

    previewPhoto(e) {
      const urls = this.data.station.photos.map((p) => p.url)
      wx.previewImage({ urls, current: e.currentTarget.dataset.url })
    },

    order() {
      wx.navigateTo({ url: '/pages/order/order?station_id=' + this.data.station.id })
    },
  },
})
