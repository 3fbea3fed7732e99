// 隐私政策：GET /privacy-notice（无须登录）逐节显示；显示司机是否已同意这一版本；
// 同意：POST /me/consent {version}（Idempotency-Key 留给断网后的重试）；版本已更新（409
// notice_outdated）就重新读取。从绑定手机号过来（?from=phone）的，同意后回到原页面。
const api = require('../../utils/api')
const fmt = require('../../utils/format')

function noticeView(n) {
  return {
    version: n.version,
    title: n.title,
    operator: n.operator,
    contact: n.contact,
    sections: n.sections.map((s, i) => ({
      key: i,
      heading: s.heading,
      paragraphs: s.body.split('\n').filter((p) => p.trim()),
    })),
  }
}

Component({
  data: {
    // loading | ready | error
    state: 'loading',
    offline: false,
    errorMessage: '',
    notice: null,
    // What the driver agreed to (from GET /me): null when unknown (not logged in).
    consent: null,
    agreeing: false,
    // Opened from the phone binding: go back there after agreeing.
    from: '',
    // The consent action in progress: its version and Idempotency-Key, kept for its retries.
    attemptVersion: '',
    attemptKey: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ from: (options && options.from) || '', attemptVersion: '', attemptKey: '' })
      this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      this.load().then(done, done)
    },

    load() {
      if (!this.data.notice) this.setData({ state: 'loading', errorMessage: '' })
      // Reading the notice needs no login; whether the driver agreed does.
      const me = api.getToken() ? api.get('/me').catch(() => null) : Promise.resolve(null)
      return Promise.all([api.get('/privacy-notice'), me])
        .then(([notice, profile]) => {
          this.setData({ state: 'ready', offline: false, notice: noticeView(notice) })
          if (profile) this.showConsent(profile.consent)
        })
        .catch((err) => {
          const message = (err && err.message) || '加载失败，请稍后再试'
          const offline = !!err && err.status === 0
          if (this.data.notice) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ state: 'error', offline, errorMessage: message })
        })
    },

    /** @param {{version: string, at: string} | null} consent */
    showConsent(consent) {
      this.setData({
        consent: consent
          ? { version: consent.version, at: fmt.dateTime(consent.at) }
          : { version: '', at: '' },
      })
    },

    onRetry() {
      this.load()
    },

    agree() {
      const notice = this.data.notice
      if (!notice || this.data.agreeing) return Promise.resolve()
      // The same version after a failure that may be retried: the same request, the same key.
      const key =
        this.data.attemptKey && this.data.attemptVersion === notice.version
          ? this.data.attemptKey
          : api.newActionKey()
      const version = notice.version
      this.setData({ agreeing: true, attemptVersion: version, attemptKey: key })
      const ready = api.getToken() ? Promise.resolve() : api.login()
      return ready
        .then(() => api.post('/me/consent', { version }, key))
        .then((answer) => {
          this.setData({ agreeing: false, attemptVersion: '', attemptKey: '' })
          this.showConsent({ version: answer.version, at: answer.consented_at })
          wx.showToast({ title: '已同意', icon: 'success' })
          if (this.data.from === 'phone') wx.navigateBack()
        })
        .catch((err) => {
          this.setData({ agreeing: false })
          if (!(err && err.retryable)) this.setData({ attemptVersion: '', attemptKey: '' })
          const outdated = !!err && err.code === 'notice_outdated'
          wx.showModal({
            title: outdated ? '隐私政策已更新' : '提交失败',
            content: outdated
              ? '隐私政策有了新版本，请阅读后再同意。'
              : (err && err.message) || '提交失败，请稍后重试',
            showCancel: false,
            confirmText: '知道了',
          })
          if (outdated) return this.load()
          return undefined
        })
    },
  },
})
