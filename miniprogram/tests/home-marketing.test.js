// 首页的横幅和公告：按最近油站的城市请求（不需要登录），轮播、点击跳转（tab 页用 switchTab）、
// 公告栏和公告页入口、领券入口；加载中、空、出错重试、下拉刷新、换了地点换城市。
const { loadComponent, mount, settle, waitFor, text, tap } = require('./helpers/simulate')
const { reply, networkDown, answerRoutes, answerNothing, gets, parseRequest } = require('./helpers/wx')
const { page, banner, notice, priceNotice } = require('./helpers/fixtures')

const station = (id, city, name) => ({
  id, name, city, address: '', phone: '', services: [], photos: [], open_now: true, hours_today: '24小时营业',
  location: { lat: 25.04, lng: 102.71, coord: 'gcj02' }, distance_m: 850, fuels: [],
})
const KUNMING = page([station(7, '昆明', '昆明北京路加油站'), station(9, '大理', '大理下关加油站')])
const DALI = page([station(9, '大理', '大理下关加油站')])

const BANNERS = {
  items: [
    banner(),
    banner({ id: 13, title: '新会员领券', target: { page: '/pages/coupon-centre/coupon-centre', tab: false } }),
    banner({ id: 14, title: '查看订单', target: { page: '/pages/orders/orders', tab: true } }),
    banner({ id: 15, title: '只看不点', target: null }),
  ],
}
const NOTICES = { items: [notice(), priceNotice()] }

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/home/home')
})

beforeEach(() => {
  wx.getLocation = jest.fn((opts) => opts.success({ latitude: 25.04, longitude: 102.71 }))
})

/** The home page's GETs: stations, banners and notices, each an answer or a list used in turn. */
const serve = (routes = {}) =>
  answerRoutes({
    'GET /stations': reply(200, KUNMING),
    'GET /banners': reply(200, BANNERS),
    'GET /notices': reply(200, NOTICES),
    ...routes,
  })

async function open() {
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.data.marketing).not.toBe('loading'))
  return comp
}

const query = (req) => parseRequest(req).query

test('banners and notices are asked for the nearest station city, without logging in', async () => {
  serve()
  await open()
  expect(gets('/banners')).toHaveLength(1)
  expect(gets('/notices')).toHaveLength(1)
  expect(query(gets('/banners')[0])).toEqual({ city: '昆明' })
  expect(query(gets('/notices')[0])).toEqual({ city: '昆明' })
  expect(gets('/banners')[0].header.Authorization).toBeUndefined()
  expect(wx.login).not.toHaveBeenCalled()
})

test('the carousel shows each banner picture in the API order', async () => {
  serve()
  const comp = await open()
  expect(comp.querySelectorAll('.banner-image')).toHaveLength(4)
  expect(comp.data.banners.map((b) => [b.id, b.image])).toEqual(BANNERS.items.map((b) => [b.id, b.image.url]))
  expect(comp.querySelector('#banners')).toBeTruthy()
  expect(comp.querySelector('#banners-loading')).toBeFalsy()
})

test('tapping a banner opens its page: navigateTo, switchTab for a tab, nothing without a target', async () => {
  serve()
  const comp = await open()
  tap(comp, '#banner-12')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/wallet/wallet' })),
  )
  tap(comp, '#banner-13')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenLastCalledWith(
      expect.objectContaining({ url: '/pages/coupon-centre/coupon-centre' }),
    ),
  )
  tap(comp, '#banner-14')
  await waitFor(() =>
    expect(wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/orders/orders' })),
  )
  tap(comp, '#banner-15')
  await settle()
  expect(wx.navigateTo).toHaveBeenCalledTimes(2)
  expect(wx.switchTab).toHaveBeenCalledTimes(1)
})

test('a banner whose page cannot open says so', async () => {
  serve()
  const comp = await open()
  wx.navigateTo = jest.fn((opts) => opts.fail({ errMsg: 'navigateTo:fail page not found' }))
  tap(comp, '#banner-12')
  await waitFor(() => expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '这个活动暂时打不开' })))
})

test('the notice bar shows the first notice (pinned) and opens all notices for the city', async () => {
  serve()
  const comp = await open()
  expect(text(comp, '#notice-title')).toBe('元旦营业时间')
  expect(text(comp, '#notice-bar')).toContain('置顶')
  expect(text(comp, '#notice-bar')).toContain('2 条')
  tap(comp, '#notice-bar')
  const url = '/pages/notices/notices?city=' + encodeURIComponent('昆明')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url }))
})

test('a price change first shows as 调价', async () => {
  serve({ 'GET /notices': reply(200, { items: [priceNotice()] }) })
  const comp = await open()
  expect(text(comp, '#notice-bar')).toContain('调价')
  expect(text(comp, '#notice-title')).toBe('92#汽油调价')
})

test('nothing live: no carousel, no notice bar, no error', async () => {
  serve({ 'GET /banners': reply(200, { items: [] }), 'GET /notices': reply(200, { items: [] }) })
  const comp = await open()
  expect(comp.querySelector('#banners')).toBeFalsy()
  expect(comp.querySelector('#notice-bar')).toBeFalsy()
  expect(comp.querySelector('#marketing-error')).toBeFalsy()
  expect(comp.querySelectorAll('.station')).toHaveLength(2)
})

test('a grey 5:2 placeholder holds the carousel place while loading', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#banners-loading')).toBeTruthy()
})

test('offline: the stations still show, the banners say so and 轻触重试 loads them', async () => {
  serve({ 'GET /banners': [networkDown(), reply(200, BANNERS)], 'GET /notices': [networkDown(), reply(200, NOTICES)] })
  const comp = await open()
  expect(comp.querySelector('#marketing-error')).toBeTruthy()
  expect(comp.querySelector('#banners')).toBeFalsy()
  await waitFor(() => expect(comp.querySelectorAll('.station')).toHaveLength(2))
  tap(comp, '#marketing-error')
  await waitFor(() => expect(comp.querySelectorAll('.banner-image')).toHaveLength(4))
  expect(comp.querySelector('#marketing-error')).toBeFalsy()
  expect(query(gets('/banners')[1])).toEqual({ city: '昆明' })
})

test('one part failing keeps the other', async () => {
  serve({ 'GET /notices': networkDown() })
  const comp = await open()
  expect(comp.querySelectorAll('.banner-image')).toHaveLength(4)
  expect(comp.querySelector('#notice-bar')).toBeFalsy()
  expect(comp.querySelector('#marketing-error')).toBeTruthy()
})

test('without a location the chain banners are asked (no city)', async () => {
  wx.getLocation = jest.fn((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }))
  serve()
  const comp = await open()
  expect(comp.querySelector('#denied')).toBeTruthy()
  expect(query(gets('/banners')[0])).toEqual({})
  expect(query(gets('/notices')[0])).toEqual({})
  expect(comp.querySelectorAll('.banner-image')).toHaveLength(4)
})

test('a place picked in another city brings that city banners', async () => {
  wx.getLocation = jest.fn((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }))
  serve({ 'GET /stations': reply(200, DALI) })
  const comp = await open()
  wx.chooseLocation = jest.fn((opts) => opts.success({ latitude: 25.6, longitude: 100.27, name: '大理' }))
  tap(comp, '#choose-location')
  await waitFor(() => expect(gets('/banners')).toHaveLength(2))
  expect(query(gets('/banners')[1])).toEqual({ city: '大理' })
  await waitFor(() => expect(comp.data.marketingCity).toBe('大理'))
})

test('pull-down refresh reloads the banners and notices too', async () => {
  serve({ 'GET /notices': [reply(200, NOTICES), reply(200, { items: [priceNotice()] })] })
  const comp = await open()
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(gets('/stations')).toHaveLength(2)
  expect(gets('/banners')).toHaveLength(2)
  expect(gets('/notices')).toHaveLength(2)
  expect(text(comp, '#notice-title')).toBe('92#汽油调价')
})

test('the 领券 shortcut opens the claim centre; it gives way to 取消 while searching', async () => {
  serve()
  const comp = await open()
  tap(comp, '#coupon-entry')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/coupon-centre/coupon-centre' }))
  comp.querySelector('#search').dispatchEvent('input', { detail: { value: '大理' } })
  await waitFor(() => expect(comp.querySelector('#search-clear')).toBeTruthy())
  expect(comp.querySelector('#coupon-entry')).toBeFalsy()
})
