// The top-up history of the wallet page (paged, newest first) and its refund requests:
// 申请退款 where the API would take it (a credited WeChat top-up with principal left and no
// open request), 撤回申请 of an open one. Each write keeps its Idempotency-Key for its retry.
const api = require('../../utils/api')
const { toTopup, messageOf } = require('./rows')

const PER_PAGE = 20

// Per page instance: the top-ups as the API sent them (a refund answer updates one) and the
// kept key (with the reason it was for) of each refund action.
const local = new WeakMap()
function own(page) {
  let mine = local.get(page)
  if (!mine) {
    mine = { raw: [], actions: {}, busy: false }
    local.set(page, mine)
  }
  return mine
}

module.exports = Behavior({
  data: {
    // loading | ready | error
    historyState: 'loading',
    historyError: '',
    topups: [],
    historyPage: 0,
    hasMore: false,
    loadingMore: false,
    moreError: '',
    rowError: { id: 0, message: '' },
  },

  methods: {
    showTopups(raw) {
      own(this).raw = raw
      this.setData({ topups: raw.map(toTopup) })
    },

    /** Page 1 again; rows already shown stay while it loads. */
    refreshHistory() {
      if (!this.data.topups.length) this.setData({ historyState: 'loading', historyError: '' })
      return api
        .get('/topups', { page: 1, per_page: PER_PAGE })
        .then((data) => {
          this.showTopups(data.items)
          this.setData({
            historyState: 'ready',
            historyPage: data.page,
            hasMore: data.has_more,
            moreError: '',
          })
        })
        .catch((err) => {
          const message = messageOf(err, '加载失败，请稍后再试')
          if (this.data.topups.length) wx.showToast({ title: message, icon: 'none' })
          else this.setData({ historyState: 'error', historyError: message })
        })
    },

    loadMore() {
      const d = this.data
      if (!d.hasMore || d.loadingMore || d.historyState !== 'ready') return Promise.resolve()
      this.setData({ loadingMore: true, moreError: '' })
      return api
        .get('/topups', { page: d.historyPage + 1, per_page: PER_PAGE })
        .then((data) => {
          const known = {}
          own(this).raw.forEach((t) => {
            known[t.id] = true
          })
          // A new top-up meanwhile shifts the pages: skip rows already shown.
          this.showTopups(own(this).raw.concat(data.items.filter((t) => !known[t.id])))
          this.setData({ historyPage: data.page, hasMore: data.has_more, loadingMore: false })
        })
        .catch((err) => {
          this.setData({ loadingMore: false, moreError: messageOf(err, '加载失败') })
        })
    },

    onMore() {
      this.loadMore()
    },

    onHistoryRetry() {
      this.refreshHistory()
    },

    /** Replace one top-up's refund request by the API's answer (new or cancelled). */
    putRequest(topupId, request) {
      const raw = own(this).raw.map((t) => {
        if (t.id !== topupId) return t
        const others = (t.refund_requests || []).filter((r) => r.id !== request.id)
        return Object.assign({}, t, { refund_requests: others.concat([request]) })
      })
      this.showTopups(raw)
    },

    /** One refund write at a time; its message goes on its row. */
    refundWrite(name, topupId, path, data, reason) {
      const mine = own(this)
      if (mine.busy) return Promise.resolve()
      const kept = mine.actions[name]
      // The same action again (a retry) keeps its key; another reason is another action.
      const key = kept && kept.reason === reason ? kept.key : api.newActionKey()
      mine.actions[name] = { key, reason }
      mine.busy = true
      this.setData({ rowError: { id: 0, message: '' } })
      return api
        .post(path, data, key)
        .then(
          (request) => {
            delete mine.actions[name]
            this.putRequest(topupId, request)
          },
          (err) => {
            if (!err || !err.retryable) delete mine.actions[name]
            this.setData({ rowError: { id: topupId, message: messageOf(err, '操作失败，请稍后重试') } })
          },
        )
        .then(() => {
          mine.busy = false
        })
    },

    /** 申请退款: ask the reason in a modal (prefilled with the one of a failed try). */
    askRefund(e) {
      const id = Number(e.currentTarget.dataset.id)
      const kept = own(this).actions['refund:' + id]
      return new Promise((resolve) => {
        wx.showModal({
          title: '申请退回剩余本金',
          editable: true,
          placeholderText: '请填写退款原因',
          content: kept ? kept.reason : '',
          confirmText: '提交申请',
          success: (res) => {
            if (!res.confirm) return resolve(undefined)
            const reason = String(res.content || '').trim()
            const path = '/topups/' + id + '/refund-requests'
            resolve(this.refundWrite('refund:' + id, id, path, { reason }, reason))
          },
          fail: () => resolve(undefined),
        })
      })
    },

    cancelRefund(e) {
      const id = Number(e.currentTarget.dataset.id)
      const requestId = Number(e.currentTarget.dataset.request)
      const path = '/topups/' + id + '/refund-requests/' + requestId + '/cancel'
      return this.refundWrite('cancel:' + requestId, id, path, undefined, '')
    },
  },
})
