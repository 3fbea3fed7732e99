// 我的积分：可用积分、最先到期的一批积分（有效期至哪天，一周内到期时提示“3天后过期”）、怎么积分
// （现行规则：各油品的积分、每日上限、会员等级倍数、过期规则）、积分商城和我的兑换的入口，以及
// 积分明细（积分流水，新的在前，分页：每笔的变动和变动后的余额，点开看订单或兑换码）。
// 下拉刷新；加载中、出错、离线；从积分商城回来时重新读取（积分变了）。
const api = require('../../utils/api')
const points = require('../../utils/points')
const pagedList = require('../../behaviors/paged-list')

const PER_PAGE = 20

Component({
  behaviors: [pagedList],

  data: {
    balance: 0,
    expiring: null,
    rule: null,
  },

  methods: {
    onLoad() {
      this.refresh()
    },

    onShow() {
      if (this.data.state === 'ready') this.refresh()
    },

    /** Log in when there is no token, then the summary and the ledger's first page. */
    refresh() {
      return this.read(
        () => {
          const ready = api.getToken() ? Promise.resolve() : api.login()
          return ready.then(() => Promise.all([api.get('/me/points'), this.fetchPage(1)]))
        },
        ([summary, ledger]) =>
          Object.assign(this.firstPage(ledger), {
            balance: summary.balance,
            expiring: points.expiringView(summary.expiring, Date.now()),
            rule: points.ruleView(summary.rule),
          }),
      )
    },

    fetchPage(page) {
      return api.get('/me/points/ledger', { page, per_page: PER_PAGE })
    },

    itemView(entry) {
      return points.entryView(entry)
    },

    openMall() {
      wx.navigateTo({ url: points.MALL })
    },

    openRedemptions() {
      wx.navigateTo({ url: points.REDEMPTIONS })
    },

    /** A line of the ledger: its order or its redemption. */
    openEntry(e) {
      const url = e.currentTarget.dataset.url
      if (url) wx.navigateTo({ url })
    },
  },
})
