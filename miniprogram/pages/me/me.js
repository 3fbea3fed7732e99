// 我的：登录状态、手机号（微信手机号快速验证）、钱包（本金、赠送金分开）、会员等级、积分和入口。
// 下拉刷新；加载中、出错、离线；每次回到这个页签都重新读取（从隐私政策、钱包回来时会变）。
const api = require('../../utils/api')
const wechat = require('../../utils/wechat')
const fmt = require('../../utils/format')

const PRIVACY = '/pages/privacy/privacy'

function walletView(w) {
  return {
    balance: fmt.yuan(w.balance_fen),
    principal: fmt.yuan(w.principal_fen),
    bonus: fmt.yuan(w.bonus_fen),
    frozen: !!w.frozen,
    frozenReason: w.frozen_reason || '',
  }
}

/** The tier's metric value as the driver says it: yuan for spending, litres for fuel. */
function metricText(t, value) {
  return t.unit === 'ml' ? fmt.litres(value) : fmt.yuan(value)
}

function tierView(t) {
  if (!t.tiers || !t.tiers.length) return null
  const next = t.next_tier
  let progress = 100
  let remain = '已是最高等级'
  if (next) {
    progress = next.threshold > 0 ? Math.min(100, Math.floor((t.value * 100) / next.threshold)) : 100
    const verb = t.unit === 'ml' ? '再加油 ' : '再消费 '
    remain = t.missing > 0
      ? verb + metricText(t, t.missing) + ' 升级为' + next.name
      : '已达到' + next.name + '门槛，下次结算后升级'
  }
  const cuts = t.tier ? t.tier.cuts : []
  return {
    name: t.tier ? t.tier.name : '普通会员',
    value: '近' + t.window_days + '天' + t.metric_name + ' ' + metricText(t, t.value),
    nextName: next ? next.name : '',
    progress,
    remain,
    benefits: cuts.map((c) => ({
      code: c.fuel.code,
      text: c.fuel.name + ' 会员价每升再降 ' + fmt.yuan(c.cut_fen),
    })),
    saving: t.saving && t.saving.total_fen > 0 ? fmt.yuan(t.saving.total_fen) : '',
  }
}

function profileView(me) {
  return {
    nickname: me.nickname || '微信用户',
    phone: me.phone || '',
    vehicleCount: me.vehicle_count || 0,
    consented: !!me.consent,
  }
}

Component({
  data: {
    // loading | login (could not log in) | ready | error
    state: 'loading',
    offline: false,
    errorMessage: '',
    profile: null,
    wallet: null,
    walletError: '',
    tier: null,
    tierError: '',
    points: '',
    binding: false,
    // A phone binding that may be sent again as it was: the same code with the same key
    // (the key belongs to the request's body, and a code works for 5 minutes).
    phoneRetry: false,
    phoneCode: '',
    phoneKey: '',
    // The Idempotency-Key of unbinding the phone, kept for its retries.
    unbindKey: '',
  },

  methods: {
    onLoad() {
      this.load()
    },

    onShow() {
      if (this.data.state === 'ready') this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    /** Log in when there is no token, then read the profile, the wallet and the tier. */
    load() {
      if (!this.data.profile) this.setData({ state: 'loading', errorMessage: '' })
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready.then(
        () => this.fetch(),
        (err) => {
          this.setData({ state: 'login', errorMessage: (err && err.message) || '登录失败，请重试' })
        },
      )
    },

    fetch() {
      const part = (p) => p.then((data) => ({ data }), (err) => ({ err }))
      const asked = [api.get('/me'), api.get('/wallet'), api.get('/me/tier'), api.get('/me/points')]
      return Promise.all(asked.map(part))
        .then(([me, wallet, tier, summary]) => {
          if (me.err) return this.failed(me.err)
          const message = (r) => (r.err ? r.err.message || '加载失败' : '')
          this.setData({
            state: 'ready',
            offline: false,
            profile: profileView(me.data),
            // A part that failed keeps what it showed before, with the reason beside it.
            wallet: wallet.data ? walletView(wallet.data) : this.data.wallet,
            walletError: message(wallet),
            tier: tier.data ? tierView(tier.data) : this.data.tier,
            tierError: message(tier),
            // The points cell shows the balance when it came (the page itself says why not).
            points: summary.data ? String(summary.data.balance) : this.data.points,
          })
        })
    },

    failed(err) {
      const message = (err && err.message) || '加载失败，请稍后再试'
      const offline = !!err && err.status === 0
      if (this.data.profile) {
        this.setData({ offline })
        wx.showToast({ title: message, icon: 'none' })
      } else {
        this.setData({ state: 'error', offline, errorMessage: message })
      }
    },

    onRetry() {
      this.load()
    },

    /** bindgetphonenumber: e.detail.code only when the driver agreed to share the number. */
    onPhone(e) {
      return wechat.phoneCode((e && e.detail) || {}).then((code) => {
        if (!code) {
          wx.showToast({ title: '你没有授权，手机号未分享', icon: 'none' })
          return undefined
        }
        // A new code is a new request: it gets its own key.
        this.setData({ phoneCode: code, phoneKey: api.newActionKey() })
        return this.bindPhone()
      })
    },

    onPhoneRetry() {
      return this.data.phoneKey ? this.bindPhone() : Promise.resolve()
    },

    bindPhone() {
      const { phoneCode, phoneKey } = this.data
      if (this.data.binding) return Promise.resolve()
      this.setData({ binding: true, phoneRetry: false })
      wx.showLoading({ title: '正在绑定', mask: true })
      return api
        .post('/me/phone', { code: phoneCode }, phoneKey)
        .then((answer) => {
          wx.hideLoading()
          this.setData({ binding: false, phoneCode: '', phoneKey: '', 'profile.phone': answer.phone })
          wx.showToast({ title: '手机号已绑定', icon: 'success' })
        })
        .catch((err) => {
          wx.hideLoading()
          const retryable = !!(err && err.retryable)
          // The code works 5 minutes: a retry sends it again with the same key.
          this.setData({ binding: false, phoneRetry: retryable })
          if (!retryable) this.setData({ phoneCode: '', phoneKey: '' })
          if (err && err.code === 'consent_required') return this.askConsent()
          wx.showModal({
            title: '绑定失败',
            content: (err && err.message) || '绑定失败，请稍后重试',
            showCancel: false,
            confirmText: '知道了',
          })
          return undefined
        })
    },

    askUnbindPhone() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '解绑手机号',
          content: '解绑后在油站不能再按手机号找到你的会员账户；订单、钱包和充值记录都会保留。',
          confirmText: '解绑',
          confirmColor: '#fa5151',
          cancelText: '不解绑',
          success: (res) => resolve(res.confirm ? this.unbindPhone() : undefined),
          fail: () => resolve(undefined),
        })
      })
    },

    unbindPhone() {
      const key = this.data.unbindKey || api.newActionKey()
      this.setData({ unbindKey: key })
      return api
        .del('/me/phone', undefined, key)
        .then((answer) => {
          this.setData({ unbindKey: '', 'profile.phone': answer.phone })
          wx.showToast({ title: '手机号已解绑', icon: 'success' })
        })
        .catch((err) => {
          // The same request may be sent again with its key; a refusal ends this action.
          this.setData({ unbindKey: err && err.retryable ? key : '' })
          wx.showModal({ title: '解绑失败', content: (err && err.message) || '解绑失败，请稍后重试', showCancel: false, confirmText: '知道了' })
        })
    },

    askConsent() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '请先同意隐私政策',
          content: '绑定手机号前，需要你阅读并同意隐私政策，说明我们如何使用你的手机号。',
          confirmText: '去查看',
          cancelText: '以后再说',
          success: (res) => {
            if (res.confirm) wx.navigateTo({ url: PRIVACY + '?from=phone' })
            resolve(undefined)
          },
          fail: () => resolve(undefined),
        })
      })
    },

    openWallet() {
      wx.navigateTo({ url: '/pages/wallet/wallet' })
    },

    /** The entries: data-url, and data-tab for a tab page (navigateTo cannot open one). */
    open(e) {
      const { url, tab } = e.currentTarget.dataset
      if (tab) wx.switchTab({ url })
      else wx.navigateTo({ url })
    },
  },
})
