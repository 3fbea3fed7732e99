// One entry per page for `make miniprogram-screens` (docs/miniprogram/<name>.png):
//
//   page     the page's path as in app.json
//   query    its onLoad options
//   api      answers by 'METHOD /path' (path after API_BASE, no query): a JSON body (200), or
//            reply(status, body) / apiError(...) / networkDown() from tests/helpers/wx.js, or
//            (opts) => one of those. A call with no answer fails the build.
//   storage  wx storage before the page loads
//   steps    ['tap', '#id'], ['input', '#id', 'text'], ['wait', '#id'], ['call', 'method', ...]
//            or async (comp) => {}; run after the page has loaded
//   expect   texts the screen must show (checked by tests/screens.test.js)
//   shots    several screenshots of the page: [{name, steps, api, query, expect, scrollTo}],
//            each a fresh run (entry's steps first); without it one shot named after the page
//   back     show the navigation bar's back arrow (default: not for the first page or a tab)
const data = require('./data')

module.exports = [
  {
    page: 'pages/home/home',
    api: { 'GET /stations': data.NEARBY },
    expect: ['附近油站', '昆明北京路加油站', '¥7.48/升', '850m', '已打烊'],
  },
  {
    page: 'pages/station/station',
    query: { id: '7' },
    api: { 'GET /stations/7': data.BEIJING_ROAD },
    expect: ['昆明北京路加油站', '油品价格', '会员 ¥7.48/升', '去加油'],
    shots: [
      { name: 'station' },
      { name: 'station-more', scrollTo: '#nozzles', expect: ['5号枪', '营业时间'] },
    ],
  },
  {
    page: 'pages/order/order',
    query: { station_id: '7' },
    api: {
      'GET /stations/7': data.BEIJING_ROAD,
      'GET /vehicles': data.VEHICLES,
      'POST /orders': data.order({ nozzle: null }),
    },
    steps: [['tap', '#quick-20000']],
    expect: ['昆明北京路加油站', '云A12345', '任意油枪'],
    shots: [
      { name: 'order', expect: ['下单'] },
      { name: 'order-amount', scrollTo: '#nozzles', expect: ['按金额', '加满', '元'] },
      {
        name: 'order-breakdown',
        steps: [['tap', '#place'], ['wait', '#breakdown']],
        expect: ['价格明细', '金卡会员价再降0.10元/升', '¥7.38/升', '微信支付 ¥200.00', '钱包支付'],
      },
    ],
  },
  {
    page: 'pages/orders/orders',
    api: { 'GET /orders': data.ORDERS },
    expect: ['我的订单', '昆明北京路加油站', '大理下关加油站', '丽江古城加油站', '已支付，待加油', '¥184.50'],
  },
  {
    page: 'pages/order-detail/order-detail',
    query: { id: '5021' },
    api: { 'GET /orders/5021': data.SETTLED },
    expect: ['订单详情', '已完成', '加油差额退款', '¥15.50', '已到账'],
    shots: [
      { name: 'order-detail' },
      {
        name: 'order-detail-receipt',
        steps: [['tap', '#receipt-toggle']],
        scrollTo: '#refunds',
        expect: ['加油小票', 'JY2026112918021100005021'],
      },
    ],
  },
]
