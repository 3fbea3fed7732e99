// 油站详情：请求、渲染（照片、地址、服务、价格、油枪、营业时间）、导航、去加油、错误与离线。
const { loadComponent, mount, openPage, waitFor, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, answerNothing, requests, method, path } = require('./helpers/wx')

const DAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']
const STATION = {
  id: 7,
  name: '昆明北京路加油站',
  city: '昆明',
  address: '盘龙区北京路 1088 号',
  phone: '0871-65550000',
  services: ['便利店', '洗车'],
  location: { lat: 25.0406, lng: 102.7123, coord: 'gcj02' },
  open_now: true,
  hours_today: '06:00-22:00',
  hours: DAYS.map((name, weekday) => ({
    weekday,
    name,
    text: weekday === 6 ? '休息' : '06:00-22:00',
    opens: weekday === 6 ? null : '06:00',
    closes: weekday === 6 ? null : '22:00',
  })),
  fuels: [
    {
      code: '92',
      name: '92#汽油',
      kind: 'gasoline',
      list_price_fen: 768,
      member_price_fen: 748,
      next_price: { list_price_fen: 775, member_price_fen: 755, effective_at: '2030-03-10T00:00:00+08:00' },
    },
    { code: '0', name: '0#柴油', kind: 'diesel', list_price_fen: 730, member_price_fen: null, next_price: null },
  ],
  nozzles: [
    { number: 1, fuel_code: '92', fuel_name: '92#汽油' },
    { number: 2, fuel_code: '0', fuel_name: '0#柴油' },
  ],
  photos: [
    { id: 3, url: 'http://127.0.0.1:5000/api/v1/photos/3?v=1a2b', caption: '站前', width: 1280, height: 960 },
    { id: 4, url: 'http://127.0.0.1:5000/api/v1/photos/4?v=3c4d', caption: '便利店', width: 1280, height: 960 },
  ],
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/station/station')
})

function open(id = '7') {
  const comp = mount(pageId)
  comp.instance.onLoad({ id })
  return comp
}

function loaded() {
  answerRequests(reply(200, STATION))
  return openPage(pageId, { id: '7' })
}

test('asks GET /stations/{id} for the id in the page query', async () => {
  await loaded()
  expect(requests().map((r) => [method(r), path(r)])).toEqual([['GET', '/stations/7']])
})

test('shows photos, address, hours, services, prices and nozzles', async () => {
  const comp = await loaded()
  expect(comp.querySelectorAll('swiper-item').length || comp.querySelectorAll('.photo').length).toBe(2)
  const all = text(comp)
  expect(all).toContain('昆明北京路加油站')
  expect(all).toContain('盘龙区北京路 1088 号')
  expect(all).toContain('营业中')
  expect(all).toContain('便利店')
  expect(all).toContain('洗车')
  expect(all).toContain('周日')
  expect(all).toContain('休息')
  const p92 = comp.querySelector('#fuel-92').dom.textContent
  expect(p92).toContain('¥7.68/升')
  expect(p92).toContain('会员 ¥7.48/升')
  expect(p92).toContain('¥7.75/升')
  const diesel = comp.querySelector('#fuel-0').dom.textContent
  expect(diesel).toContain('¥7.30/升')
  expect(diesel).not.toContain('会员')
  const nozzles = comp.querySelector('#nozzles').dom.textContent
  expect(nozzles).toContain('1号枪')
  expect(nozzles).toContain('2号枪')
  expect(wx.setNavigationBarTitle).toHaveBeenCalledWith({ title: '昆明北京路加油站' })
})

test('navigation opens the map at the GCJ-02 point with name and address', async () => {
  const comp = await loaded()
  comp.querySelector('#navigate').dispatchEvent('tap')
  await waitFor(() =>
    expect(wx.openLocation).toHaveBeenCalledWith(
      expect.objectContaining({
        latitude: 25.0406,
        longitude: 102.7123,
        name: '昆明北京路加油站',
        address: '盘龙区北京路 1088 号',
      }),
    ),
  )
  comp.querySelector('#go-navigate').dispatchEvent('tap')
  await waitFor(() => expect(wx.openLocation).toHaveBeenCalledTimes(2))
})

test('去加油 opens the order page for this station', async () => {
  const comp = await loaded()
  expect(comp.querySelector('#order').dom.textContent).toContain('去加油')
  comp.querySelector('#order').dispatchEvent('tap')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order/order?station_id=7' }),
  )
})

test('tapping the phone number calls the station', async () => {
  const comp = await loaded()
  comp.querySelector('#call').dispatchEvent('tap')
  await waitFor(() => expect(wx.makePhoneCall).toHaveBeenCalledWith({ phoneNumber: '0871-65550000' }))
})

test('a station that is gone shows the API message', async () => {
  answerRequests(apiError(404, 'not_found', '油站不存在'))
  const comp = open('99')
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent).toContain('油站不存在')
  expect(comp.querySelector('#order')).toBeFalsy()
})

test('offline shows the message and retry loads the station', async () => {
  answerRequests(networkDown())
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent.trim()).not.toBe('')
  answerRequests(reply(200, STATION))
  comp.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#order')).toBeTruthy())
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = open()
  expect(comp.querySelector('#loading')).toBeTruthy()
})
