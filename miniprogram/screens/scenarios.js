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
//   now      the page's Date.now() as an ISO time (pages that count days from now)
const data = require('./data')
const marketing = require('./data-marketing')
const points = require('./data-points')
const { reply, networkDown } = require('../tests/helpers/wx')

// The order page's coupons for the form are shown (it asks them after a pause).
const QUOTED = ['wait', '#coupon-chosen']

module.exports = [
  {
    page: 'pages/home/home',
    api: { 'GET /stations': data.NEARBY, 'GET /banners': marketing.BANNERS, 'GET /notices': marketing.NOTICES },
    expect: ['附近油站', '领券', '元旦营业时间', '4 条', '昆明北京路加油站', '¥7.48/升', '850m', '已打烊'],
  },
  {
    page: 'pages/notices/notices',
    query: { city: encodeURIComponent('昆明') },
    api: { 'GET /notices': marketing.NOTICES },
    expect: ['公告', '置顶', '元旦营业时间', '92#汽油调价', '将于 12-24 00:00 生效', '¥7.80/升', '+¥0.12', '-¥0.15',
      '适用油站：昆明北京路加油站'],
  },
  {
    page: 'pages/coupon-centre/coupon-centre',
    storage: data.LOGGED_IN,
    api: { 'GET /coupons/claimable': marketing.OFFERS, 'POST /coupons/claim': reply(201, marketing.CLAIMED) },
    expect: ['领券中心', '我的优惠券', '周末加油满减', '满¥100可用', '9折', '已领完'],
    shots: [
      { name: 'coupon-centre', expect: ['领取', '剩余 128 张'] },
      { name: 'coupon-centre-claimed', steps: [['tap', '#claim-7'], ['wait', '#use-7']],
        expect: ['已领取', '去使用', '剩余 127 张 · 每人限领 2 张，已领 1 张'] },
    ],
  },
  {
    page: 'pages/coupons/coupons',
    storage: data.LOGGED_IN,
    now: '2026-12-09T10:00:00+08:00',
    api: { 'GET /me/coupons': marketing.myCoupons },
    expect: ['我的优惠券', '可用', '已使用', '已过期'],
    shots: [
      { name: 'coupons', expect: ['今天过期', '2天后过期', '使用中', '去使用', '新会员礼'] },
      { name: 'coupons-expired', steps: [['tap', '#tab-expired'], ['wait', '#coupon-470']], expect: ['已作废', '油站发放'] },
    ],
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
      'GET /orders/coupons': points.ORDER_COUPONS,
      'POST /orders': reply(201, points.PLACED),
    },
    // ¥200 chosen: 下单 waits until the coupons for it are shown (after the page's pause).
    steps: [['tap', '#quick-20000']],
    expect: ['昆明北京路加油站', '云A12345', '任意油枪'],
    shots: [
      { name: 'order', steps: [QUOTED], expect: ['下单', '应付', '¥190.00', '用券省 ¥10.00'] },
      { name: 'order-amount', steps: [QUOTED], scrollTo: '#nozzles', expect: ['按金额', '加满', '元'] },
      {
        name: 'order-coupon',
        steps: [QUOTED],
        scrollTo: '#coupons',
        expect: ['优惠券', '满100减10', '油款', '¥200.00', '-¥10.00', '应付', '¥190.00'],
      },
      {
        name: 'order-coupon-picker',
        steps: [QUOTED, ['tap', '#coupon-row'], ['wait', '#coupon-picker']],
        scrollTo: '#coupons',
        expect: ['周末加油满减 · 满100减10', '新会员礼 · 满50减5', '-¥5.00', '不使用优惠券', '满300元可用，本单还差100元'],
      },
      {
        // 活动: the members' day (already in the 油款) and 满200减10, then the coupon.
        name: 'order-campaigns',
        api: { 'GET /orders/coupons': marketing.CAMPAIGN_COUPONS },
        steps: [QUOTED],
        scrollTo: '#coupons',
        expect: ['油款', '¥200.00', '周三会员日（每升再降¥0.30）', '省¥8.49', '92#满200减10', '-¥10.00', '应付', '¥180.00'],
      },
      {
        name: 'order-coupon-failed',
        api: { 'GET /orders/coupons': networkDown() },
        steps: [['wait', '#coupon-fallback']],
        scrollTo: '#coupons',
        expect: ['未能查到', '网络不给力', '本单将不使用优惠券', '重新查询优惠券', '不使用优惠券'],
      },
      {
        name: 'order-breakdown',
        steps: [QUOTED, ['tap', '#place'], ['wait', '#breakdown']],
        expect: ['价格明细', '金卡会员价再降0.10元/升', '¥7.38/升', '优惠券 满100减10', '-¥10.00', '微信支付 ¥190.00',
          '钱包支付'],
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
    expect: ['订单详情', '已完成'],
    shots: [
      { name: 'order-detail', expect: ['加油差额退款', '¥15.50', '已到账'] },
      {
        name: 'order-detail-receipt',
        steps: [['tap', '#receipt-toggle']],
        scrollTo: '#refunds',
        expect: ['加油小票', 'JY2026112918021100005021'],
      },
      {
        name: 'order-detail-campaigns',
        query: { id: '5102' },
        api: { 'GET /orders/5102': marketing.CAMPAIGN_SETTLED },
        scrollTo: '#pricing',
        expect: ['活动 周三会员日（每升再降¥0.30）', '省¥9.00', '活动 92#满200减10', '-¥10.00', '¥192.40'],
      },
      {
        name: 'order-detail-refund',
        api: { 'GET /orders/5021': data.REFUND_ASKED },
        scrollTo: '#refunds',
        expect: ['退款申请', '申请退款 ¥30.00', '待处理', '该订单已有待处理的退款申请'],
      },
    ],
  },
  {
    page: 'pages/refund-request/refund-request',
    query: { id: '5021' },
    api: { 'GET /orders/5021': data.SETTLED },
    expect: ['申请退款', '最多可申请', '¥184.50', '未加到油或加油量不符', '提交申请'],
    shots: [
      {
        name: 'refund-request',
        steps: [['input', '#amount', '30'], ['tap', '#reason-short_fuel'],
          ['input', '#note', '油机显示 25 升，实际只加了约 21 升']],
        expect: ['油品问题', '重复支付', '同意后退回钱包'],
      },
      {
        name: 'refund-request-errors',
        steps: [['input', '#amount', '190'], ['tap', '#reason-other'], ['tap', '#submit'], ['wait', '#note-error']],
        expect: ['退款金额不能超过 ¥184.50', '选择“其他”时请在说明中写明原因'],
      },
    ],
  },
  {
    page: 'pages/pickup/pickup',
    query: { order_id: '5021' },
    shots: [
      {
        name: 'pickup',
        api: { 'GET /orders/5021': data.PAID },
        expect: ['请把二维码给加油员扫描', '3817 0426', '扫不了时报 8 位取油码', '已付', '¥200.00'],
      },
      {
        name: 'pickup-done',
        api: { 'GET /orders/5021': data.SETTLED },
        expect: ['加油完成', '25.00 升', '¥184.50', '加油差额退款', '¥15.50', '退回钱包', '已到账'],
      },
    ],
  },
  {
    page: 'pages/me/me',
    storage: data.LOGGED_IN,
    api: { 'GET /me': data.ME, 'GET /wallet': data.WALLET, 'GET /me/tier': data.TIER, 'GET /me/points': points.POINTS },
    shots: [
      { name: 'me', expect: ['张师傅', '138****5678', '¥350.00', '本金', '赠送金', '金卡', '升级为钻石卡', '会员码'] },
      { name: 'me-entries', scrollTo: '#entries', expect: ['我的积分', '1280 积分', '积分商城', '我的兑换'] },
      {
        name: 'me-unbound',
        api: { 'GET /me': Object.assign({}, data.ME, { phone: '' }) },
        expect: ['绑定手机号'],
      },
    ],
  },
  {
    page: 'pages/wallet/wallet',
    storage: data.LOGGED_IN,
    api: {
      'GET /wallet': data.WALLET,
      'GET /topup-packages': data.PACKAGES,
      'GET /topups': data.TOPUPS,
      'POST /recharge-cards/redeem': data.REDEEMED,
    },
    shots: [
      { name: 'wallet', expect: ['钱包余额', '¥350.00', '充¥500', '送¥30', '自定义金额', '充值记录'] },
      {
        name: 'wallet-history',
        scrollTo: '#packages',
        expect: ['充值记录', '申请退款（可退 ¥320.00）', '充值卡 · 10-15 14:30', '没有更多了'],
      },
      {
        name: 'wallet-card',
        query: { tab: 'card' },
        steps: [
          ['input', '#card-number', '8203 4417 5097'],
          ['input', '#card-secret', '4821 0937 5562 1180'],
          ['tap', '#redeem'],
          ['wait', '#card-done'],
        ],
        expect: ['兑换充值卡', '兑换成功', '已存入本金 ¥500.00，当前余额 ¥850.00'],
      },
    ],
  },
  {
    page: 'pages/vehicles/vehicles',
    storage: data.LOGGED_IN,
    api: { 'GET /vehicles': data.VEHICLES },
    shots: [
      { name: 'vehicles', expect: ['云A12345', '默认', '云AD67890', '设为默认', '添加车辆'] },
      { name: 'vehicles-edit', steps: [['tap', '#edit-2']], expect: ['修改车辆', '车牌号', '常用油品', '保存'] },
    ],
  },
  {
    page: 'pages/member-code/member-code',
    storage: data.LOGGED_IN,
    api: { 'GET /member-code': data.MEMBER_CODE },
    expect: ['到店出示会员码', '8812 3456 7890 1234 56', '50 秒后自动刷新', '刷新'],
  },
  {
    page: 'pages/points/points',
    storage: data.LOGGED_IN,
    now: '2027-12-26T10:00:00+08:00',
    api: { 'GET /me/points': points.POINTS, 'GET /me/points/ledger': points.LEDGER },
    expect: ['我的积分', '1280'],
    shots: [
      { name: 'points', expect: ['380 积分有效期至 2027-12-31', '5天后过期', '积分商城', '我的兑换', '每 2 元积 1 分',
        '每天最多积 500 分', '1.5 倍'] },
      { name: 'points-ledger', scrollTo: '#ledger-title', expect: ['积分明细', '+224', '余额 1280', '-300',
        '30 分已用掉，未扣回', '积分过期', '加载更多'] },
    ],
  },
  {
    page: 'pages/points-mall/points-mall',
    storage: data.LOGGED_IN,
    api: { 'GET /points/catalogue': points.CATALOGUE },
    expect: ['积分商城', '1280', '我的兑换', '精致洗车一次', '300', '剩余 42 份', '每人限兑 2 次，已兑 1 次', '满100减10',
      '已兑完', '还差 720 积分', '兑换'],
  },
  {
    page: 'pages/redemptions/redemptions',
    storage: data.LOGGED_IN,
    api: { 'GET /me/redemptions': points.REDEMPTIONS },
    expect: ['我的兑换', '待核销', '4829 1037 5561', '出示兑换码', '已发券', '已发到我的优惠券',
      '2027-02-12 16:45 在昆明北京路加油站核销'],
  },
  {
    page: 'pages/redemption/redemption',
    storage: data.LOGGED_IN,
    query: { id: '41' },
    shots: [
      {
        name: 'redemption',
        query: { new: '1' },
        api: { 'GET /me/redemptions/41': points.REDEMPTIONS.items[0] },
        expect: ['兑换码', '兑换成功', '精致洗车一次', '4829 1037 5561', '待核销', '到油站柜台出示', '刷新状态'],
      },
      {
        name: 'redemption-used',
        api: { 'GET /me/redemptions/41': Object.assign({}, points.USED, { id: 41 }) },
        expect: ['已核销', '2027-02-12 16:45 在昆明北京路加油站核销'],
      },
    ],
  },
  {
    page: 'pages/privacy/privacy',
    storage: data.LOGGED_IN,
    api: { 'GET /privacy-notice': data.PRIVACY_NOTICE, 'GET /me': Object.assign({}, data.ME, { consent: null }) },
    expect: ['隐私说明', '版本 1 · 云岭能源', '谁能看到', '你还没有同意隐私政策', '同意'],
  },
]
