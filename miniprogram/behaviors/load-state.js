// What a page read, shown with its state (a Behavior): data.state is loading | ready | error,
// with errorMessage and offline (no answer at all: status 0). The page's refresh() reads with
// read(ask, view); 重试 (onRetry) and the pull-down call refresh().
// - Only the latest read shows: the answer to an older one, or to one the page dropped with
//   dropAnswers() (it hid or closed), is ignored.
// - Until the page has shown once it says 正在加载…, then the error with 重试. Once shown, what
//   it shows stays while it reads again and when that fails: it says offline and the message
//   comes in a toast.

// Per page instance: the number of the latest read.
const local = new WeakMap()
/** @returns {{seq: number}} */
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { seq: 0 }
    local.set(page, mine)
  }
  return mine
}

/** The page this Behavior is part of (its refresh()). */
const host = (self) => /** @type {any} */ (self)

module.exports = Behavior({
  data: {
    // loading | ready | error
    state: 'loading',
    offline: false,
    errorMessage: '',
  },

  methods: {
    /**
     * ask() the API, then show what view(answer) gives (the data to set) with state 'ready'.
     * @param {() => Promise<any>} ask
     * @param {(answer: any) => Record<string, any>} view
     * @returns {Promise<Record<string, any> | undefined>} the data shown; undefined when the
     *   answer was dropped or the read failed
     */
    read(ask, view) {
      this.dropAnswers() // an answer to an earlier read is old now
      const latest = this.latest()
      if (this.data.state !== 'ready') this.setData({ state: 'loading', errorMessage: '' })
      return ask().then(
        (answer) => {
          if (!latest()) return undefined
          const shown = view(answer)
          this.setData(Object.assign({ state: 'ready', offline: false }, shown))
          return shown
        },
        (err) => {
          if (latest()) this.failed(err)
          return undefined
        },
      )
    },

    /** A check that says true while no read has started (or answers were dropped) since now. */
    latest() {
      const mine = own(this)
      const seq = mine.seq
      return () => seq === mine.seq
    },

    /** Answers still on their way are ignored. */
    dropAnswers() {
      own(this).seq += 1
    },

    failed(err) {
      const message = (err && err.message) || '加载失败，请稍后再试'
      const offline = !!err && err.status === 0
      if (this.data.state === 'ready') {
        this.setData({ offline })
        wx.showToast({ title: message, icon: 'none' })
      } else {
        this.setData({ state: 'error', offline, errorMessage: message })
      }
    },

    onRetry() {
      host(this).refresh()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return host(this).refresh().then(done, done)
    },
  },
})
