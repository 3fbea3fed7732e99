// 我的钱包：本金、赠送金和合计（冻结时说明）；充值套餐（付 X 送 Y）→ POST /topups →
// wx.requestPayment（原样传服务端参数）→ 退避轮询 GET /topups/{id} 直到到账；充值记录与退款申请
// （history.js）；「充值卡」页签兑换充值卡（card.js，?tab=card 直接打开）。
const api = require('../../utils/api')
const wechat = require('../../utils/wechat')
const fmt = require('../../utils/format')
const poll = require('../../utils/poll')
const { toBalance, toPackage, messageOf, typedFen } = require('./rows')
const history = require('./history')
const card = require('./card')

// Per page instance: the kept top-up key and the body it was for, busy, and whether the page
// is gone (a poll stops then).
const local = new WeakMap()
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { key: '', sent: '', busy: false, gone: false, packages: [] }
    local.set(page, mine)
  }
  return mine
}

Component({
  behaviors: [history, card],

  data: {
    // loading | ready | error
    state: 'loading',
    loadError: '',
    tab: 'topup',
    stationId: '',
    balance: null,
    packages: [],
    packagesError: '',
    freeId: 0,
    freeText: '',
    topupBusy: false,
    topupError: '',
    topupNote: '',
    topupDone: null,
  },

  methods: {
    onLoad(options) {
      const o = options || {}
      this.setData({ tab: o.tab === 'card' ? 'card' : 'topup', stationId: String(o.station_id || '') })
      this.load()
    },

    onUnload() {
      own(this).gone = true
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    onReachBottom() {
      if (this.data.tab === 'topup') this.loadMore()
    },

    /** The balance first (the page needs it); packages and history show their own errors. */
    load() {
      if (!this.data.balance) this.setData({ state: 'loading', loadError: '' })
      return Promise.all([
        this.loadBalance().then(
          () => this.setData({ state: 'ready' }),
          (err) => {
            const message = messageOf(err, '加载失败，请稍后再试')
            if (this.data.balance) wx.showToast({ title: message, icon: 'none' })
            else this.setData({ state: 'error', loadError: message })
          },
        ),
        this.loadPackages(),
        this.refreshHistory(),
      ])
    },

    loadBalance() {
      return api.get('/wallet').then((w) => {
        this.setData({ balance: toBalance(w) })
        return w
      })
    },

    /** A redeemed card's wallet (no frozen state in it: that stays as it was). */
    balanceFrom(w) {
      const was = this.data.balance || { frozen: false, frozenReason: '' }
      this.setData({
        balance: Object.assign(toBalance(w), { frozen: was.frozen, frozenReason: was.frozenReason }),
      })
    },

    loadPackages() {
      const query = this.data.stationId ? { station_id: this.data.stationId } : undefined
      return api.get('/topup-packages', query).then(
        (data) => {
          own(this).packages = data.items
          this.setData({ packages: data.items.map(toPackage), packagesError: '' })
        },
        (err) => this.setData({ packagesError: messageOf(err, '充值套餐加载失败') }),
      )
    },

    onRetry() {
      this.load()
    },

    pickTab(e) {
      this.setData({ tab: e.currentTarget.dataset.tab })
    },

    choosePackage(e) {
      if (own(this).busy) return Promise.resolve()
      const id = Number(e.currentTarget.dataset.id)
      const p = own(this).packages.find((x) => x.id === id)
      if (!p) return Promise.resolve()
      if (p.kind === 'free') {
        this.setData({ freeId: id, topupError: '', topupDone: null })
        return Promise.resolve()
      }
      this.setData({ freeId: 0 })
      return this.topup({ package_id: id })
    },

    onFreeInput(e) {
      this.setData({ freeText: e.detail.value, topupError: '' })
    },

    topupFree() {
      const fen = typedFen(this.data.freeText)
      if (!fen) {
        this.setData({ topupError: '请输入充值金额' })
        return Promise.resolve()
      }
      return this.topup({ package_id: this.data.freeId, amount_fen: fen })
    },

    /** POST /topups, then WeChat Pay, then wait for the credit. One at a time. */
    topup(body) {
      const mine = own(this)
      if (mine.busy) return Promise.resolve()
      if (this.data.stationId) body.station_id = Number(this.data.stationId)
      // The same package and amount again is a retry of the same action: same key.
      const sent = JSON.stringify(body)
      if (!mine.key || mine.sent !== sent) mine.key = api.newActionKey()
      mine.sent = sent
      mine.busy = true
      this.setData({ topupBusy: true, topupError: '', topupNote: '', topupDone: null })
      return api
        .post('/topups', body, mine.key)
        .then(
          (answer) => {
            mine.key = ''
            return this.pay(answer.topup, answer.wechat_pay)
          },
          (err) => {
            if (!err || !err.retryable) mine.key = ''
            this.setData({ topupError: messageOf(err, '充值失败，请稍后重试') })
          },
        )
        .then(() => {
          mine.busy = false
          this.setData({ topupBusy: false })
        })
    },

    pay(topup, params) {
      return wechat.requestPayment(params).then(
        () => this.waitCredited(topup.id),
        (res) => {
          const cancelled = /cancel/.test((res && res.errMsg) || '')
          this.setData({ topupError: cancelled ? '已取消支付' : '微信支付未完成，请重试' })
        },
      )
    },

    /** The server learns of the payment from WeChat: ask a few times, backing off. */
    waitCredited(id) {
      this.setData({ topupNote: '支付成功，正在确认到账…' })
      const stopped = () => own(this).gone
      return poll
        .until(() => api.get('/topups/' + id), (t) => t.status === 'credited', { stopped })
        .then(({ done, answer }) => {
          if (stopped()) return undefined
          this.refreshHistory()
          if (!done) {
            this.setData({ topupNote: '支付已完成，到账可能稍有延迟，请稍后下拉刷新查看' })
            return undefined
          }
          const shown = {
            amount: fmt.yuan(answer.principal_fen),
            bonus: answer.bonus_fen ? fmt.yuan(answer.bonus_fen) : '',
            balance: '',
          }
          this.setData({ topupNote: '', topupDone: shown })
          return this.loadBalance().then(
            (w) => this.setData({ topupDone: Object.assign(shown, { balance: fmt.yuan(w.balance_fen) }) }),
            () => undefined,
          )
        })
    },
  },
})
