// The member's coupons for the order being composed (a Behavior of the order page): asked again
// (debounced) whenever the complete form changes, the suggested one preselected, a picker with
// the usable ones and their saving, 不使用优惠券, and the unusable ones greyed with the reason.
// The amounts shown are the server's (coupon_fen / pay_fen); 下单 sends the chosen coupon_id and
// the pay_fen shown as expected_amount_fen, so a price changed meanwhile is refused, not charged.
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { campaignLines } = require('../../utils/campaigns')

const DEBOUNCE_MS = 300

/** The order page this Behavior is part of (its body() and changedCoupon()). */
const host = (self) => /** @type {any} */ (self)

// Per page instance: the debounce timer and the last answer, with the query it was for.
const local = new WeakMap()
/** @returns {{timer: any, asked: string, answer: any}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { timer: null, asked: '', answer: null }
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

module.exports = Behavior({
  data: {
    // idle (form not complete) | loading | ready | error
    couponState: 'idle',
    coupon: null,
    couponPicker: false,
    couponNote: '',
  },

  detached() {
    clearTimeout(own(this).timer)
  },

  methods: {
    /** The form changed: ask again after a pause, if it is complete. */
    requote() {
      const mine = own(this)
      clearTimeout(mine.timer)
      mine.timer = null
      const { body } = host(this).body()
      if (!body) {
        mine.asked = ''
        mine.answer = null
        this.setData({ couponState: 'idle', coupon: null, couponPicker: false })
        return
      }
      mine.timer = setTimeout(() => {
        mine.timer = null
        this.quote()
      }, DEBOUNCE_MS)
    },

    /** Stop a pending re-query (下单 sends what is shown now). */
    holdQuote() {
      clearTimeout(own(this).timer)
      own(this).timer = null
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
      const before = this.data.coupon ? this.data.coupon.chosen : 'none'
      this.setData({ couponState: 'loading', couponNote: '' })
      return api.get('/orders/coupons', query).then(
        (answer) => {
          if (mine.asked !== asked) return // the form changed meanwhile
          mine.answer = answer
          const still = keep && (before === 'none' || answer.coupons.some((c) => c.id === before))
          const chosen = still ? before : answer.suggested_coupon_id || 'none'
          this.setData({ couponState: 'ready', coupon: toView(answer, chosen), couponNote: note })
        },
        (err) => {
          if (mine.asked !== asked) return
          mine.answer = null
          this.setData({ couponState: 'error', coupon: null, couponNote: (err && err.message) || note })
        },
      )
    },

    /** coupon_id and expected_amount_fen for POST /orders, if the answer shown is for `body`. */
    couponFields(body) {
      const mine = own(this)
      const shown = this.data.coupon
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
