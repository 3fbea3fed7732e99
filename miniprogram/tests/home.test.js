// 首页：定位、请求附近的油站、列表与价格、搜索、点击进入油站、空/离线/未授权定位。
const { loadComponent, mount, waitFor, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, gets, parseRequest } = require('./helpers/wx')
const { page } = require('./helpers/fixtures')

const STATIONS = page([
  {
    id: 7,
    name: '昆明北京路加油站',
    city: '昆明',
    address: '盘龙区北京路 1088 号',
    phone: '0871-65550000',
    services: ['便利店'],
    location: { lat: 25.0406, lng: 102.7123, coord: 'gcj02' },
    distance_m: 850,
    open_now: true,
    hours_today: '24小时营业',
    fuels: [
      { code: '92', name: '92#汽油', kind: 'gasoline', list_price_fen: 768, member_price_fen: 748 },
      { code: '0', name: '0#柴油', kind: 'diesel', list_price_fen: null, member_price_fen: null },
    ],
    photos: [],
  },
  {
    id: 9,
    name: '大理下关加油站',
    city: '大理',
    address: '下关镇建设路 12 号',
    phone: '',
    services: [],
    location: { lat: 25.6, lng: 100.27, coord: 'gcj02' },
    distance_m: 12400,
    open_now: false,
    hours_today: '06:00-22:00',
    fuels: [{ code: '95', name: '95#汽油', kind: 'gasoline', list_price_fen: 815, member_price_fen: 795 }],
    photos: [],
  },
])

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/home/home')
})

beforeEach(() => {
  wx.getLocation = jest.fn((opts) => opts.success({ latitude: 25.04, longitude: 102.71 }))
})

function open() {
  const comp = mount(pageId)
  comp.instance.onLoad({})
  return comp
}

const NONE = reply(200, { items: [] })
/** GET /stations answers these in turn (the last repeats); no banners, no notices (home-marketing.test.js). */
const serve = (...stations) =>
  answerRoutes({ 'GET /stations': stations, 'GET /banners': NONE, 'GET /notices': NONE })

/** What the latest request for stations asked for. */
const lastAsked = () => parseRequest(gets('/stations').slice(-1)[0])

test('asks for a GCJ-02 location and sends it to GET /stations', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  expect(wx.getLocation).toHaveBeenCalledWith(expect.objectContaining({ type: 'gcj02' }))
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(gets('/stations')).toHaveLength(1)
  const req = lastAsked()
  expect(req.method).toBe('GET')
  expect(req.url).toMatch(/\/stations$/)
  expect(req.query).toMatchObject({ lat: '25.04', lng: '102.71', coord: 'gcj02', page: '1' })
})

test('shows the stations in the API order with distance, open now and prices', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  const rows = comp.querySelectorAll('.station').map((r) => r.dom.textContent)
  expect(rows[0]).toContain('昆明北京路加油站')
  expect(rows[0]).toContain('850m')
  expect(rows[0]).toContain('营业中')
  expect(rows[0]).toContain('¥7.68/升')
  expect(rows[0]).toContain('会员 ¥7.48/升')
  expect(rows[0]).toContain('暂无报价')
  expect(rows[1]).toContain('大理下关加油站')
  expect(rows[1]).toContain('12km')
  expect(rows[1]).toContain('已打烊')
  expect(rows[1]).toContain('¥8.15/升')
})

test('puts a marker on the map at each station GCJ-02 point', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.data.markers.length).toBe(2))
  expect(comp.data.markers[0]).toMatchObject({
    id: 7,
    latitude: 25.0406,
    longitude: 102.7123,
    iconPath: '/images/marker.png',
  })
  expect(comp.data.latitude).toBe(25.04)
  expect(comp.data.longitude).toBe(102.71)
})

test('tapping a station opens its page with its id', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#station-9')).toBeTruthy())
  comp.querySelector('#station-9').dispatchEvent('tap')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/station/station?id=9' }),
  )
})

test('tapping a marker opens its station', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  comp.instance.onMarkerTap({ detail: { markerId: 7 } })
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/station/station?id=7' })
})

test('the search box filters the list and the markers by name', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  comp.querySelector('#search').dispatchEvent('input', { detail: { value: '大理' } })
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(1))
  expect(text(comp)).toContain('大理下关加油站')
  expect(comp.data.markers.map((m) => m.id)).toEqual([9])
  comp.querySelector('#search').dispatchEvent('input', { detail: { value: '丽江' } })
  await waitFor(() => expect(comp.querySelector('#no-match')).toBeTruthy())
  expect(gets('/stations')).toHaveLength(1)
})

const LIJIANG = page([
  {
    ...STATIONS.items[0],
    id: 21,
    name: '丽江古城加油站',
    city: '丽江',
    address: '古城区香格里大道 9 号',
    distance_m: 402000,
  },
])

test('searching asks the server across the chain and clearing goes back to nearby', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  comp.querySelector('#search').dispatchEvent('input', { detail: { value: ' 丽江 ' } })
  await waitFor(() => expect(comp.querySelector('#no-match')).toBeTruthy())
  serve(reply(200, LIJIANG))
  comp.querySelector('#search').dispatchEvent('confirm', { detail: { value: ' 丽江 ' } })
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(1))
  const asked = lastAsked()
  expect(asked.url).toMatch(/\/stations$/)
  expect(asked.query).toMatchObject({ q: '丽江', lat: '25.04', lng: '102.71', page: '1' })
  expect(text(comp)).toContain('丽江古城加油站')
  expect(text(comp)).toContain('402km')
  expect(comp.data.markers.map((m) => m.id)).toEqual([21])

  serve(reply(200, STATIONS))
  comp.querySelector('#search-clear').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  expect(lastAsked().query.q).toBeUndefined()
})

test('a search the server finds nothing for says so', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  comp.querySelector('#search').dispatchEvent('input', { detail: { value: '上海' } })
  await waitFor(() => expect(comp.querySelector('#search-all')).toBeTruthy())
  serve(reply(200, page([])))
  comp.querySelector('#search-all').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#search-empty')).toBeTruthy())
  expect(text(comp)).toContain('没有找到“上海”')
  expect(lastAsked().query.q).toBe('上海')
})

test('no station nearby shows the empty state', async () => {
  serve(reply(200, page([])))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#empty')).toBeTruthy())
  expect(text(comp)).toContain('附近没有油站')
})

test('offline shows the message and retry loads the list', async () => {
  serve(networkDown())
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent.trim()).not.toBe('')
  serve(reply(200, STATIONS))
  comp.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
})

test('an API error shows its Chinese message', async () => {
  serve(apiError(400, 'invalid_request', '纬度不能大于 90'))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#error-message')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent).toContain('纬度不能大于 90')
})

test('location refused explains and offers to pick a place instead', async () => {
  wx.getLocation = jest.fn((opts) => opts.fail({ errMsg: 'getLocation:fail auth deny' }))
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#denied')).toBeTruthy())
  expect(text(comp)).toContain('没有获得位置权限')
  expect(gets('/stations')).toHaveLength(0)
  wx.chooseLocation = jest.fn((opts) => opts.success({ latitude: 26.87, longitude: 100.23, name: '丽江' }))
  comp.querySelector('#choose-location').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  expect(lastAsked().query).toMatchObject({ lat: '26.87', lng: '100.23' })
})

test('pull-down refresh reloads and stops the spinner', async () => {
  serve(reply(200, STATIONS))
  const comp = open()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(gets('/stations')).toHaveLength(2)
})

test('scrolling to the bottom loads the next page when there is one', async () => {
  const second = { ...STATIONS, items: [{ ...STATIONS.items[1], id: 11, name: '丽江古城加油站' }], page: 2 }
  serve(reply(200, { ...STATIONS, has_more: true }))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(2))
  serve(reply(200, second))
  comp.instance.onReachBottom()
  await waitFor(() => expect(comp.querySelectorAll('.station').length).toBe(3))
  expect(lastAsked().query).toMatchObject({ page: '2' })
  expect(text(comp)).toContain('没有更多了')
})
