// The member's coupons for the order being composed (a Behavior of the order page): asked again
// (debounced) whenever the complete form changes, the suggested one preselected, a picker with
// the usable ones and their saving, 不使用优惠券, and the unusable ones greyed with the reason.
// The amounts shown are the server's (coupon_fen / pay_fen); 下单 sends the chosen coupon_id and
// the pay_fen shown as expected_amount_fen, so a price changed meanwhile is refused, not charged.
//
// 下单 waits for the answer: from the moment the form changes until the coupons for it are
// shown, couponState is 'loading' and 下单 is off (placeWaits()). When the coupons cannot be had
// (an error, or no answer within WAIT_MS) the row says so and 下单 places the order explicitly
// without a coupon (coupon_id "none"); the amount is then shown on the breakdown before paying.
// An answer that comes after the wait still shows (the driver sees the coupon appear).
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { campaignLines } = require('../../utils/campaigns')

const DEBOUNCE_MS = 300
// How long 下单 waits for the coupons before it lets the driver order without one. Read at each
// query (tests shorten it).
const timing = { waitMs: 5000 }
const SLOW = '优惠券查询超时'

/** The order page this Behavior is part of (its body() and changedCoupon()). */
const host = (self) => /** @type {any} */ (self)

// Per page instance: the debounce and wait timers and the last answer, with the query it was for.
const local = new WeakMap()
/** @returns {{timer: any, wait: any, asked: string, answer: any}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { timer: null, wait: null, asked: '', answer: null }
    local.set(page, mine)
  }
  return mine
}

/** The coupons query for a POST /orders body (nozzle if one is chosen, else the fuel). */
function queryOf(body) {
  /** @type {Record<string, any>} */
  const q = { station_id: body.station_id, mode: body.mode }
  if (body.nozzle) q.nozzle = body.nozzle
  else q.fuel = body.fuel
  if (body.amount_fen) q.amount_fen = body.amount_fen
  if (body.volume_ml) q.volume_ml = body.volume_ml
  return q
}

/** What the page shows for an answer with `chosen` ('none' or a coupon id) picked. */
function toView(answer, chosen) {
  const coupon = answer.coupons.find((c) => c.id === chosen)
  const p = answer.pricing
  return {
    chosen: coupon ? coupon.id : 'none',
    label: coupon ? coupon.rule : answer.coupons.length ? '不使用优惠券' : '无可用优惠券',
    saving: coupon ? '-' + fmt.yuan(coupon.saving_fen) : '',
    cut: coupon ? fmt.yuan(coupon.saving_fen) : '',
    payFen: coupon ? coupon.pay_fen : p.pay_fen,
    pay: fmt.yuan(coupon ? coupon.pay_fen : p.pay_fen),
    value: fmt.yuan(p.value_fen),
    campaigns: campaignLines(p),
    usable: answer.coupons.map((c) => ({
      id: c.id,
      name: c.name,
      rule: c.rule,
      scope: c.scope,
      saving: '-' + fmt.yuan(c.saving_fen),
      on: coupon ? c.id === coupon.id : false,
    })),
    unusable: answer.unusable.map((c) => ({ id: c.id, name: c.name, rule: c.rule, reason: c.reason })),
  }
}

const behavior = Behavior({
  data: {
    // idle (form not complete) | loading (asked or about to be) | ready | error (order without)
    couponState: 'idle',
    coupon: null,
    couponPicker: false,
    couponNote: '',
  },

  detached() {
    const mine = own(this)
    clearTimeout(mine.timer)
    clearTimeout(mine.wait)
  },

  methods: {
    /** The form changed: ask again after a pause, if it is complete and another order. */
    requote() {
      const mine = own(this)
      const { body } = host(this).body()
      if (!body) {
        clearTimeout(mine.timer)
        clearTimeout(mine.wait)
        mine.timer = null
        mine.asked = ''
        mine.answer = null
        this.setData({ couponState: 'idle', coupon: null, couponPicker: false, couponNote: '' })
        return
      }
      // The same order as asked (only the plate changed): its answer stands.
      const same = JSON.stringify(queryOf(body)) === mine.asked
      if (!mine.timer && same && this.data.couponState !== 'error') return
      clearTimeout(mine.timer)
      // 下单 waits from now: the coupons shown are for another order.
      this.setData({ couponState: 'loading', couponNote: '', couponPicker: false })
      mine.timer = setTimeout(() => {
        mine.timer = null
        this.quote()
      }, DEBOUNCE_MS)
    },

    /** An order was placed: the next form asks again (its coupon is held by that order now). */
    forgetQuote() {
      const mine = own(this)
      clearTimeout(mine.timer)
      clearTimeout(mine.wait)
      mine.timer = null
      mine.asked = ''
      mine.answer = null
    },

    /** True while 下单 must wait for the coupons of the form as it is. */
    placeWaits() {
      return this.data.couponState === 'loading'
    },

    /**
     * Ask the coupons for the form as it is now. `keep`: keep the chosen coupon if still usable
     * (else the suggested one); `note`: a message to show with the new amount.
     */
    quote(keep = false, note = '') {
      const { body } = host(this).body()
      if (!body) return Promise.resolve()
      const mine = own(this)
      const query = queryOf(body)
      const asked = JSON.stringify(query)
      mine.asked = asked
      mine.answer = null
      const before = this.data.coupon ? this.data.coupon.chosen : 'none'
      this.setData({ couponState: 'loading', couponNote: '' })
      clearTimeout(mine.wait)
      mine.wait = setTimeout(() => {
        mine.wait = null
        if (mine.asked !== asked || this.data.couponState !== 'loading') return
        this.setData({ couponState: 'error', coupon: null, couponPicker: false, couponNote: SLOW })
      }, timing.waitMs)
      return api.get('/orders/coupons', query).then(
        (answer) => {
          if (mine.asked !== asked) return // the form changed meanwhile
          clearTimeout(mine.wait)
          mine.answer = answer
          const still = keep && (before === 'none' || answer.coupons.some((c) => c.id === before))
          const chosen = still ? before : answer.suggested_coupon_id || 'none'
          this.setData({ couponState: 'ready', coupon: toView(answer, chosen), couponNote: note })
        },
        (err) => {
          if (mine.asked !== asked) return
          clearTimeout(mine.wait)
          mine.answer = null
          this.setData({ couponState: 'error', coupon: null, couponPicker: false, couponNote: (err && err.message) || note })
        },
      )
    },

    /** 重试 on the coupon row after a failure. */
    retryCoupons() {
      return this.quote()
    },

    /**
     * coupon_id and expected_amount_fen for POST /orders: the coupon and amount shown for `body`;
     * after a failure, explicitly no coupon (the amount is shown on the breakdown before paying).
     */
    couponFields(body) {
      const mine = own(this)
      const shown = this.data.coupon
      if (this.data.couponState === 'error') return { coupon_id: 'none' }
      if (!shown || !mine.answer || mine.asked !== JSON.stringify(queryOf(body))) return {}
      return { coupon_id: shown.chosen, expected_amount_fen: shown.payFen }
    },

    openCoupons() {
      if (this.data.coupon) this.setData({ couponPicker: true })
    },

    closeCoupons() {
      this.setData({ couponPicker: false })
    },

    chooseCoupon(e) {
      const raw = e.currentTarget.dataset.id
      const id = raw === 'none' ? 'none' : Number(raw)
      const answer = own(this).answer
      if (!answer) return
      host(this).changedCoupon()
      this.setData({ coupon: toView(answer, id), couponPicker: false })
    },
  },
})

module.exports = { behavior, timing }
