// 领券中心：此刻可领的优惠券（?station_id= 只列在该站可用的），每张的优惠、适用范围、有效期、
// 剩余张数和每人限领；领取（POST /coupons/claim，网络不好重试时沿用同一个 Idempotency-Key，
// 成功或被明确拒绝后换新的），成功后这张显示已领取和去使用，被拒绝显示接口的中文原因。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const coupon = require('../../utils/coupon')
const loadState = require('../../behaviors/load-state')

// What a card says after the API refused a claim (the dialog shows the API's own message).
const REFUSED = {
  coupon_sold_out: '已领完',
  coupon_limit_reached: '已达领取上限',
  coupon_ended: '已结束',
  coupon_not_started: '未开始',
  coupon_not_claimable: '不可领取',
  not_found: '已下架',
}

function limitText(o) {
  return '每人限领 ' + o.per_member_limit + ' 张' + (o.claimed ? '，已领 ' + o.claimed + ' 张' : '')
}

function toOffer(o) {
  return {
    id: o.template_id,
    face: coupon.face(o),
    name: o.name,
    kindName: o.kind_name,
    rule: o.rule,
    note: o.note,
    scope: o.scope,
    stations: o.stations,
    validity: o.validity_text,
    claimEnds: o.claim_ends_at ? fmt.dateTime(o.claim_ends_at) + ' 截止领取' : '',
    stockLeft: o.stock_left,
    stock: o.stock_left === null ? '不限量' : '剩余 ' + o.stock_left + ' 张',
    perMember: o.per_member_limit,
    claimed: o.claimed,
    limit: limitText(o),
    mayClaim: o.may_claim,
    reason: o.reason || '',
    claimedNow: false,
    busy: false,
  }
}

// Per page instance: the kept Idempotency-Key of each coupon's claim, by template id.
const local = new WeakMap()
function keys(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = {}
    local.set(page, mine)
  }
  return mine
}

Component({
  behaviors: [loadState],

  data: {
    query: {},
    items: [],
  },

  methods: {
    onLoad(options) {
      this.setData({ query: options && options.station_id ? { station_id: options.station_id } : {} })
      this.refresh()
    },

    /** Log in when there is no token, then read the coupons on offer. */
    refresh() {
      return this.read(
        () => {
          const ready = api.getToken() ? Promise.resolve() : api.login()
          return ready.then(() => api.get('/coupons/claimable', this.data.query))
        },
        (data) => ({ items: data.items.map(toOffer) }),
      )
    },

    /** Change the card of template `id`. */
    update(id, change) {
      const i = this.data.items.findIndex((o) => o.id === id)
      if (i < 0) return
      this.setData({ ['items[' + i + ']']: Object.assign({}, this.data.items[i], change) })
    },

    claim(e) {
      const id = Number(e.currentTarget.dataset.id)
      const offer = this.data.items.find((o) => o.id === id)
      if (!offer || offer.busy || !offer.mayClaim) return Promise.resolve()
      const mine = keys(this)
      if (!mine[id]) mine[id] = api.newActionKey()
      this.update(id, { busy: true })
      return api.post('/coupons/claim', { template_id: id }, mine[id]).then(
        () => {
          delete mine[id]
          const claimed = offer.claimed + 1
          const stockLeft = offer.stockLeft === null ? null : Math.max(0, offer.stockLeft - 1)
          this.update(id, {
            busy: false,
            claimedNow: true,
            mayClaim: false,
            claimed,
            stockLeft,
            stock: stockLeft === null ? '不限量' : '剩余 ' + stockLeft + ' 张',
            limit: limitText({ per_member_limit: offer.perMember, claimed }),
          })
          wx.showToast({ title: '领取成功', icon: 'success' })
        },
        (err) => {
          // The same claim may be sent again with its key; a refusal ends this action.
          if (!err || !err.retryable) delete mine[id]
          const reason = err && REFUSED[err.code]
          this.update(id, reason ? { busy: false, mayClaim: false, reason } : { busy: false })
          wx.showModal({
            title: '领取失败',
            content: (err && err.message) || '领取失败，请稍后重试',
            showCancel: false,
            confirmText: '知道了',
          })
        },
      )
    },

    use(e) {
      const offer = this.data.items.find((o) => o.id === Number(e.currentTarget.dataset.id))
      if (offer) coupon.use(offer)
    },

    openMine() {
      wx.navigateTo({ url: '/pages/coupons/coupons' })
    },
  },
})
