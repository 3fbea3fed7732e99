// 公告：首页公告栏（?city=）或油站（?station_id=）的全部公告和调价通知，置顶的在前，其余从新到旧。
// 调价通知列出调整前后的挂牌价和会员价、生效时间和油站；各站价格不同时逐站列出挂牌价。不需要登录；下拉刷新；加载中、空、出错。
const api = require('../../utils/api')
const fmt = require('../../utils/format')
const { NOTICE_KINDS, SCOPES } = require('../../utils/labels')
const loadState = require('../../behaviors/load-state')

/** A price change's before and after, e.g. ¥7.68 → ¥7.80 (+¥0.12). */
function priceRows(p) {
  const change = (fen) => (fen > 0 ? '+' : '') + fmt.yuan(fen)
  return [
    {
      name: '挂牌价',
      before: fmt.yuan(p.previous_list_price_fen),
      after: fmt.yuan(p.list_price_fen),
      change: change(p.change_fen),
      trend: p.change_fen > 0 ? 'up' : p.change_fen < 0 ? 'down' : '',
    },
    {
      name: '会员价',
      before: fmt.yuan(p.previous_member_price_fen),
      after: fmt.yuan(p.member_price_fen),
      change: change(p.member_price_fen - p.previous_member_price_fen),
      trend: p.member_price_fen > p.previous_member_price_fen ? 'up'
        : p.member_price_fen < p.previous_member_price_fen ? 'down' : '',
    },
  ]
}

/** Stations a few fen apart, changed by the same amount: each one's list price before and after. */
function stationRows(p) {
  if (new Set(p.stations.map((s) => s.list_price_fen)).size < 2) return []
  return p.stations.map((s) => ({
    id: s.id,
    name: s.name,
    before: fmt.yuan(s.previous_list_price_fen),
    after: fmt.yuan(s.list_price_fen),
  }))
}

function toNotice(n) {
  const p = n.price_change
  const byStation = p ? stationRows(p) : []
  return {
    id: n.id,
    kind: n.kind,
    tag: n.pinned ? '置顶' : NOTICE_KINDS[n.kind] || '公告',
    title: n.title,
    text: n.text,
    scope: SCOPES[n.scope] || '',
    time: p ? (p.in_effect ? '已于 ' : '将于 ') + fmt.dateTime(p.effective_at) + ' 生效' : fmt.dateTime(n.published_at),
    prices: p && !byStation.length ? priceRows(p) : [],
    byStation,
    stations: p ? p.stations.map((s) => s.name).join('、') : '',
  }
}

Component({
  behaviors: [loadState],

  data: {
    items: [],
    // what the notices are for: {city} or {station_id} ({} for the chain's)
    query: {},
  },

  methods: {
    onLoad(options) {
      const query = {}
      if (options && options.station_id) query.station_id = options.station_id
      else if (options && options.city) query.city = decodeURIComponent(options.city)
      this.setData({ query })
      this.refresh()
    },

    refresh() {
      return this.read(
        () => api.get('/notices', this.data.query),
        (data) => ({ items: data.items.map(toNotice) }),
      )
    },
  },
})
