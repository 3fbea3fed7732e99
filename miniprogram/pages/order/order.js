// 加油下单：选油品、油枪（或任意油枪）、车辆（默认车辆预填）、金额 / 升数 / 加满；
// 下单后先看服务端算好的价格明细，再用钱包或微信支付；支付成功去取油码页。
//
// 每个写操作（下单、钱包支付、微信支付）各保留一个 Idempotency-Key：网络不好重试时沿用同一个，
// 成功或服务端明确拒绝（!err.retryable）后才换新的，所以连点或重试都不会重复下单、重复扣款。
const api = require('../../utils/api')
const wechat = require('../../utils/wechat')
const fmt = require('../../utils/format')
const { campaignLines, valueOff, dayCut } = require('../../utils/campaigns')
const { behavior: coupons } = require('./coupons')

const QUICK_AMOUNTS_FEN = [10000, 20000, 30000, 50000]
const LOAD_FAILED = '加载失败，请稍后再试'

/** '250' / '250.5' / '250.50' → 25050；不合法答 null（只是把车主输入的数字换成分，不算钱）。 */
function inputToHundredths(text) {
  const m = /^(\d{1,6})(?:\.(\d{0,2}))?$/.exec(String(text || '').trim())
  if (!m) return null
  return parseInt(m[1], 10) * 100 + parseInt((m[2] || '').padEnd(2, '0') || '0', 10)
}

function perLitre(fen) {
  return fen === null || fen === undefined ? '' : fmt.yuan(fen) + '/升'
}

function toFuel(f) {
  return {
    code: f.code,
    name: f.name,
    list: perLitre(f.list_price_fen) || '暂无报价',
    member: perLitre(f.member_price_fen),
    available: f.list_price_fen !== null && f.list_price_fen !== undefined,
  }
}

function toVehicle(v) {
  return {
    id: v.id,
    plate: v.plate,
    name: v.name || '',
    fuelCode: v.fuel ? v.fuel.code : '',
    isDefault: !!v.is_default,
  }
}

/** The order's price breakdown as the server computed it. */
function toPlaced(o) {
  const p = o.pricing
  return {
    id: o.id,
    orderNo: o.order_no,
    fuelName: o.fuel.name,
    nozzle: o.nozzle,
    plate: o.plate || '',
    mode: o.mode,
    volume: o.preset_volume_ml ? fmt.litres(o.preset_volume_ml) : '',
    listPrice: perLitre(p.list_price_fen),
    memberPrice: perLitre(p.member_price_fen),
    tierCut: p.tier_cut_fen ? fmt.yuan(p.tier_cut_fen) + '/升' : '',
    note: p.note || '',
    dayCut: dayCut(p),
    unitPrice: perLitre(p.unit_price_fen),
    savingPerLitre: p.saving_per_litre_fen ? fmt.yuan(p.saving_per_litre_fen) + '/升' : '',
    saving: p.saving_fen ? fmt.yuan(p.saving_fen) : '',
    value: valueOff(o.bill),
    campaigns: campaignLines(o.bill),
    coupon: o.coupon ? { name: o.coupon.name, rule: o.coupon.rule, saving: '-' + fmt.yuan(o.coupon.saving_fen) } : null,
    amount: fmt.yuan(o.amount_fen),
  }
}

// The coupon or the price changed since it was shown: nothing was placed, ask again.
const REQUOTE = ['coupon_unusable', 'price_changed']

// What a page instance keeps outside its data: the kept key of each action and the busy flag.
const local = new WeakMap()
/** @returns {{keys: Record<string, string>, busy: boolean, vehiclesStale?: boolean}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { keys: { place: '', wallet: '', wechat: '' }, busy: false }
    local.set(page, mine)
  }
  return mine
}

Component({
  behaviors: [coupons],

  data: {
    // loading | ready | error
    state: 'loading',
    loadError: '',
    stationId: '',
    stationName: '',
    fuels: [],
    allNozzles: [],
    nozzles: [],
    vehicles: [],
    fuelCode: '',
    nozzle: 0, // 0 = 任意油枪
    plate: '',
    // amount | volume | fill_up
    mode: 'amount',
    quickAmounts: QUICK_AMOUNTS_FEN.map((fen) => ({ fen, label: fmt.yuan(fen).replace(/\.00$/, '') })),
    amountFen: 0,
    amountText: '',
    volumeText: '',
    placed: null,
    busy: false,
    error: '',
    errorCode: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ stationId: String((options && options.station_id) || '') })
      this.load()
    },

    load() {
      this.setData({ state: 'loading', loadError: '' })
      return Promise.all([api.get('/stations/' + this.data.stationId), api.get('/vehicles')])
        .then(([station, vehicleList]) => this.show(station, vehicleList))
        .catch((err) => {
          this.setData({ state: 'error', loadError: (err && err.message) || LOAD_FAILED })
        })
    },

    show(station, vehicleList) {
      const fuels = station.fuels.map(toFuel)
      const vehicles = (vehicleList.items || []).map(toVehicle)
      const chosen = vehicles.find((v) => v.isDefault) || vehicles[0]
      const orderable = fuels.filter((f) => f.available)
      const liked = chosen && orderable.find((f) => f.code === chosen.fuelCode)
      const fuel = liked || orderable[0]
      const allNozzles = station.nozzles.map((n) => ({
        number: n.number,
        fuelCode: n.fuel_code,
        fuelName: n.fuel_name,
      }))
      this.setData({
        state: 'ready',
        stationName: station.name,
        fuels,
        allNozzles,
        vehicles,
        plate: chosen ? chosen.plate : '',
      })
      this.pickFuelCode(fuel ? fuel.code : '')
      if (wx.setNavigationBarTitle) wx.setNavigationBarTitle({ title: station.name })
    },

    onRetry() {
      this.load()
    },

    // The form changed: a new action, so the next 下单 gets a new key.
    changed(values) {
      own(this).keys.place = ''
      this.setData(Object.assign({ error: '', errorCode: '' }, values))
      if (!this.data.placed) this.requote()
    },

    // Another coupon chosen: a new action too.
    changedCoupon() {
      own(this).keys.place = ''
      this.setData({ error: '', errorCode: '' })
    },

    pickFuelCode(code) {
      this.changed({
        fuelCode: code,
        nozzle: 0,
        nozzles: this.data.allNozzles.filter((n) => n.fuelCode === code),
      })
    },

    pickFuel(e) {
      const code = String(e.currentTarget.dataset.code)
      const fuel = this.data.fuels.find((f) => f.code === code)
      if (fuel && fuel.available) this.pickFuelCode(fuel.code)
    },

    pickNozzle(e) {
      this.changed({ nozzle: Number(e.currentTarget.dataset.number) || 0 })
    },

    pickVehicle(e) {
      const plate = e.currentTarget.dataset.plate
      this.changed({ plate: plate ? String(plate) : '' })
    },

    pickMode(e) {
      this.changed({ mode: e.currentTarget.dataset.mode })
    },

    pickAmount(e) {
      const fen = Number(e.currentTarget.dataset.fen)
      this.changed({ mode: 'amount', amountFen: fen, amountText: String(fen / 100) })
    },

    onAmountInput(e) {
      const fen = inputToHundredths(e.detail.value)
      this.changed({ amountText: e.detail.value, amountFen: fen || 0 })
    },

    onVolumeInput(e) {
      this.changed({ volumeText: e.detail.value })
    },

    /** The POST /orders body, or a Chinese reason it cannot be sent yet. */
    body() {
      const d = this.data
      if (!d.fuelCode) return { reason: '请选择油品' }
      /** @type {Record<string, any>} */
      const body = { station_id: Number(d.stationId), fuel: d.fuelCode, mode: d.mode }
      if (d.nozzle) body.nozzle = d.nozzle
      if (d.plate) body.plate = d.plate
      if (d.mode === 'amount') {
        if (!d.amountFen) return { reason: '请选择或输入加油金额' }
        body.amount_fen = d.amountFen
      } else if (d.mode === 'volume') {
        const centilitres = inputToHundredths(d.volumeText)
        if (!centilitres) return { reason: '请输入加油升数' }
        body.volume_ml = centilitres * 10
      }
      return { body }
    },

    fail(err, keyName) {
      if (!err || !err.retryable) own(this).keys[keyName] = ''
      this.setData({
        error: (err && err.message) || '操作失败，请稍后重试',
        errorCode: (err && err.code) || '',
      })
    },

    /** Run one write at a time: a double tap while busy does nothing. */
    once(work) {
      if (own(this).busy) return Promise.resolve()
      own(this).busy = true
      this.setData({ busy: true, error: '', errorCode: '' })
      return Promise.resolve()
        .then(work)
        .then(
          () => {
            own(this).busy = false
            this.setData({ busy: false })
          },
          () => {
            own(this).busy = false
            this.setData({ busy: false })
          },
        )
    },

    place() {
      const { body, reason } = this.body()
      if (!body) {
        this.setData({ error: reason, errorCode: 'form' })
        return Promise.resolve()
      }
      // The coupons for this form are not shown yet: 下单 waits (its button says so).
      if (this.placeWaits()) return Promise.resolve()
      Object.assign(body, this.couponFields(body))
      return this.once(() => {
        if (!own(this).keys.place) own(this).keys.place = api.newActionKey()
        return api.post('/orders', body, own(this).keys.place).then(
          (order) => {
            own(this).keys.place = ''
            own(this).keys.wallet = ''
            own(this).keys.wechat = ''
            this.forgetQuote()
            this.setData({ placed: toPlaced(order), couponPicker: false })
          },
          (err) => {
            this.fail(err, 'place')
            if (err && REQUOTE.includes(err.code)) return this.quote(true)
            return undefined
          },
        )
      })
    },

    // Back to the form; the unpaid order simply expires.
    edit() {
      if (own(this).busy) return
      this.changed({ placed: null })
    },

    pay(method) {
      const placed = this.data.placed
      if (!placed) return Promise.resolve()
      return this.once(() => {
        if (!own(this).keys[method]) own(this).keys[method] = api.newActionKey()
        return api.post('/orders/' + placed.id + '/pay', { method }, own(this).keys[method]).then(
          (answer) => {
            own(this).keys[method] = ''
            if (method === 'wechat') return this.wechatPay(placed.id, answer.wechat_pay)
            this.paid(placed.id)
            return undefined
          },
          (err) => this.fail(err, method),
        )
      })
    },

    payWallet() {
      return this.pay('wallet')
    },

    payWechat() {
      return this.pay('wechat')
    },

    wechatPay(orderId, params) {
      return wechat.requestPayment(params).then(
        () => this.paid(orderId),
        (res) => {
          const cancelled = res && /cancel/.test(res.errMsg || '')
          this.setData({
            error: cancelled ? '已取消支付，可重新支付' : '微信支付未完成，请重试或改用钱包支付',
            errorCode: cancelled ? 'pay_cancelled' : 'pay_failed',
          })
        },
      )
    },

    paid(orderId) {
      wx.redirectTo({ url: '/pages/pickup/pickup?order_id=' + orderId })
    },

    // Back from the vehicles page: show the vehicles as they are now.
    onShow() {
      if (!own(this).vehiclesStale) return Promise.resolve()
      own(this).vehiclesStale = false
      return api.get('/vehicles').then(
        (list) => {
          const vehicles = (list.items || []).map(toVehicle)
          const had = this.data.vehicles.length
          let plate = this.data.plate
          // 不登记车牌 chosen among vehicles stays; a plate gone (or none yet) takes the default.
          if (!vehicles.some((v) => v.plate === plate) && (plate || !had)) {
            const chosen = vehicles.find((v) => v.isDefault) || vehicles[0]
            plate = chosen ? chosen.plate : ''
          }
          this.setData({ vehicles })
          if (plate !== this.data.plate) this.changed({ plate })
        },
        () => undefined,
      )
    },

    addVehicle() {
      own(this).vehiclesStale = true
      wx.navigateTo({ url: '/pages/vehicles/vehicles' })
    },

    recharge() {
      // 我的 is a tab page: only switchTab opens it.
      wx.switchTab({ url: '/pages/me/me' })
    },
  },
})
