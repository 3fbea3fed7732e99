// The 充值卡 tab of the wallet page: redeem a card's number and secret, sent as the driver typed
// them (the API takes spaces and dashes). The page gives balanceFrom(wallet) and refreshHistory().
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { messageOf } = require('./rows')

// The kept Idempotency-Key of the redeem action and the busy flag, per page instance.
const local = new WeakMap()
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { key: '', busy: false }
    local.set(page, mine)
  }
  return mine
}

module.exports = Behavior({
  data: {
    cardNumber: '',
    cardSecret: '',
    cardBusy: false,
    cardError: '',
    cardDone: null,
  },

  methods: {
    // A changed input is a new action: the next 兑换 gets a new key.
    cardChanged(values) {
      own(this).key = ''
      this.setData(Object.assign({ cardError: '', cardDone: null }, values))
    },

    onCardNumber(e) {
      this.cardChanged({ cardNumber: e.detail.value })
    },

    onCardSecret(e) {
      this.cardChanged({ cardSecret: e.detail.value })
    },

    redeem() {
      const mine = own(this)
      if (mine.busy) return Promise.resolve()
      const { cardNumber, cardSecret } = this.data
      if (!cardNumber.trim() || !cardSecret.trim()) {
        this.setData({ cardError: '请填写卡号和卡密' })
        return Promise.resolve()
      }
      mine.busy = true
      if (!mine.key) mine.key = api.newActionKey()
      this.setData({ cardBusy: true, cardError: '', cardDone: null })
      return api
        .post('/recharge-cards/redeem', { number: cardNumber, secret: cardSecret }, mine.key)
        .then(
          (answer) => {
            mine.key = ''
            this.setData({
              cardNumber: '',
              cardSecret: '',
              cardDone: {
                credited: fmt.yuan(answer.credited_fen),
                balance: fmt.yuan(answer.wallet.balance_fen),
              },
            })
            // The page's own methods (wallet.js, history.js).
            const page = /** @type {any} */ (this)
            page.balanceFrom(answer.wallet)
            page.refreshHistory()
          },
          (err) => {
            // A lock-out (429 card_locked) lasts: that is a refusal, not a retry.
            if (!err || !err.retryable || err.code === 'card_locked') mine.key = ''
            this.setData({ cardError: messageOf(err, '兑换失败，请稍后重试') })
          },
        )
        .then(() => {
          mine.busy = false
          this.setData({ cardBusy: false })
        })
    },
  },
})
