// 我的订单：分页的历史订单（新的在前）；下拉刷新、触底加载更多；空、加载中、离线状态。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const pagedList = require('../../behaviors/paged-list')

const PER_PAGE = 20

/** What the driver spent: the fuel taken once fuelled, else what was paid, else what is due. */
function spent(o) {
  if (typeof o.dispensed_fen === 'number') return o.dispensed_fen
  return o.paid_fen || o.amount_fen
}

function toRow(o) {
  return {
    id: o.id,
    station: o.station.name,
    fuel: o.fuel.name,
    amount: fmt.yuan(spent(o)),
    // Money back on an order that was never fuelled (cancelled after paying): said, not hidden.
    refunded: o.refunded_fen && typeof o.dispensed_fen !== 'number' ? '已退 ' + fmt.yuan(o.refunded_fen) : '',
    status: o.status,
    statusName: o.status_name,
    time: fmt.dateTime(o.created_at),
  }
}

Component({
  behaviors: [pagedList],

  methods: {
    onLoad() {
      this.refresh()
    },

    fetchPage(page) {
      return api.get('/orders', { page, per_page: PER_PAGE })
    },

    itemView(o) {
      return toRow(o)
    },

    open(e) {
      wx.navigateTo({ url: '/pages/order-detail/order-detail?id=' + e.currentTarget.dataset.id })
    },

    goHome() {
      wx.reLaunch({ url: '/pages/home/home' })
    },
  },
})
