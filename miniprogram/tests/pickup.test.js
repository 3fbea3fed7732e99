// 取油码页：二维码（客户端画的 GIF）和 4+4 分组的取油码；退避轮询（2、3、5、8、13、15 秒封顶），
// 终态、隐藏、卸载时停；加油完成和差额退款；取消、过期、待支付；断网横幅和本地存的上次取油码；
// 屏幕常亮和亮度（离开时还原）；加载失败和重试；下拉刷新。时间全用 jest 的假时钟。
require('miniprogram-simulate')
const jComponent = require('j-component')
const { loadComponent, mount } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, answerNothing, requests } = require('./helpers/wx')
const { qrDataUrl } = require('../utils/qr')
const { PAID: FIXTURE_PAID } = require('./helpers/fixtures')

const TOKEN = FIXTURE_PAID.pickup.token

// Paid, any nozzle, the pickup code valid a day from now.
const PAID = {
  ...FIXTURE_PAID,
  nozzle: null,
  pickup: { ...FIXTURE_PAID.pickup, expires_at: new Date(Date.now() + 86400e3).toISOString() },
}
const order = (over) => ({ ...PAID, ...over })
const FUELED = order({ status: 'fueled', status_name: '已加油，结算中', pickup: null, dispensed_ml: 25000, dispensed_fen: 18700, fueled_at: '2026-11-29T18:19:30+08:00' })
const SETTLED = {
  ...FUELED,
  status: 'settled',
  status_name: '已完成',
  refunded_fen: 1300,
  settled_at: '2026-11-29T18:19:31+08:00',
  refunds: [{ amount_fen: 1300, method: 'wallet', kind: 'settlement', status: 'PROCESSING', followup: null, reason: '加油差额退款', created_at: '2026-11-29T18:19:31+08:00', finished_at: null }],
}
const CANCELLED = order({
  status: 'cancelled',
  status_name: '已取消',
  pickup: null,
  refunded_fen: 20000,
  cancelled_at: '2026-11-29T18:05:00+08:00',
  refunds: [{ amount_fen: 20000, method: 'wallet', kind: 'cancel', status: 'SUCCESS', followup: null, reason: '司机取消订单，全额退款', created_at: '2026-11-29T18:05:00+08:00', finished_at: '2026-11-29T18:05:01+08:00' }],
})

let pageId
const mounted = []
beforeAll(() => {
  // simulate's built-in <image> drops its attributes; this one keeps src so the test can read it.
  jComponent.register({ id: 'image', tagName: 'wx-image', properties: { src: String, mode: String }, template: '<slot/>' })
  pageId = loadComponent('pages/pickup/pickup')
})
beforeEach(() => {
  jest.useFakeTimers()
})
afterEach(() => {
  while (mounted.length) mounted.pop().instance.onUnload()
  jest.useRealTimers()
})

/** Let the programmed answers (and timers due within ms) run. */
const pass = (ms = 0) => jest.advanceTimersByTimeAsync(ms)
/** Let the polls due within ms go out and be answered (an answer takes a tick of fake time). */
const after = (ms) => pass(ms + 50)

/** Open the page as WeChat does (onLoad, then onShow) and let the first answer arrive. */
async function opened(id = '5021') {
  const comp = mount(pageId)
  mounted.push(comp)
  comp.instance.onLoad({ order_id: id })
  comp.instance.onShow()
  await pass()
  return comp
}

/** Answer the given bodies in order (the last repeats), noting the fake time of each request. */
function answerTimed(...answers) {
  const times = []
  answerRequests(...answers.map((a) => () => {
    times.push(Date.now())
    return a
  }))
  return times
}
const gaps = (times) => times.slice(1).map((t, i) => t - times[i])
const txt = (comp, sel) => comp.querySelector(sel).dom.textContent

test('shows the QR drawn in the client, the code grouped 4+4, the order and the hints', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened()
  expect(requests()[0].method).toBe('GET')
  expect(requests()[0].url).toMatch(/\/orders\/5021$/)
  const src = comp.querySelector('#qr').data.src
  expect(src).toMatch(/^data:image\/gif;base64,/)
  expect(src).toBe(qrDataUrl(TOKEN))
  expect(txt(comp, '#code')).toBe('3817 0426')
  expect(txt(comp, '#station')).toBe('昆明北京路加油站')
  expect(txt(comp, '#fuel')).toBe('92#汽油')
  expect(txt(comp, '#nozzle')).toBe('任意油枪')
  expect(txt(comp, '#plate')).toBe('云A12345')
  expect(txt(comp, '#paid')).toContain('¥200.00')
  expect(txt(comp, '#code-card')).toContain('请把二维码给加油员扫描')
  expect(txt(comp, '#code-card')).toContain('扫不了时报 8 位取油码')
  expect(comp.querySelector('#notice')).toBeFalsy()
  expect(comp.querySelector('#done')).toBeFalsy()
})

test('a chosen nozzle shows as its number', async () => {
  answerRequests(reply(200, order({ nozzle: 3 })))
  const comp = await opened()
  expect(txt(comp, '#nozzle')).toBe('3号枪')
})

test('polls while paid with growing delays capped at 15 s', async () => {
  const times = answerTimed(reply(200, PAID))
  await opened()
  await pass((2 + 3 + 5 + 8 + 13 + 15 + 15) * 1000 + 100)
  const expected = [2000, 3000, 5000, 8000, 13000, 15000, 15000]
  const got = gaps(times).slice(0, expected.length)
  expect(got).toHaveLength(expected.length)
  got.forEach((gap, i) => {
    expect(gap).toBeGreaterThanOrEqual(expected[i])
    expect(gap).toBeLessThan(expected[i] + 50)
  })
})

test('no poll before the first 2 s', async () => {
  answerRequests(reply(200, PAID))
  await opened()
  await pass(1900)
  expect(requests()).toHaveLength(1)
  await pass(200)
  expect(requests()).toHaveLength(2)
})

test('the attendant confirms: the QR gives way to litres, fuel amount and the refund; polling stops', async () => {
  answerRequests(reply(200, PAID), reply(200, PAID), reply(200, SETTLED))
  const comp = await opened()
  await after(2000 + 3000)
  expect(requests()).toHaveLength(3)
  expect(comp.querySelector('#qr')).toBeFalsy()
  expect(comp.querySelector('#code')).toBeFalsy()
  expect(txt(comp, '#result-title')).toBe('加油完成')
  expect(txt(comp, '#litres')).toBe('25.00 升')
  expect(txt(comp, '#fuel-amount')).toBe('¥187.00')
  const refund = txt(comp, '#refund')
  expect(refund).toContain('加油差额退款')
  expect(refund).toContain('¥13.00')
  expect(refund).toContain('钱包')
  expect(refund).toContain('退款中')
  await pass(10 * 60 * 1000)
  expect(requests()).toHaveLength(3)
  expect(wx.getStorageSync('pickup:5021')).toBe('')
})

test('fuelled but not yet settled: the result shows, polling goes on until the refund is there', async () => {
  const done = { ...SETTLED, refunds: [{ ...SETTLED.refunds[0], status: 'SUCCESS' }] }
  answerRequests(reply(200, FUELED), reply(200, done))
  const comp = await opened()
  expect(txt(comp, '#result-title')).toBe('加油完成')
  expect(txt(comp, '#refund-none')).toContain('正在结算')
  await after(2000)
  expect(requests()).toHaveLength(2)
  expect(txt(comp, '#refund')).toContain('已到账')
  await pass(5 * 60 * 1000)
  expect(requests()).toHaveLength(2)
})

test('after the result: 查看订单 opens the order, 返回首页 switches to the home tab', async () => {
  answerRequests(reply(200, SETTLED))
  const comp = await opened()
  comp.querySelector('#open-order').dispatchEvent('tap')
  comp.querySelector('#go-home').dispatchEvent('tap')
  await pass()
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order-detail/order-detail?id=5021' })
  expect(wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/home/home' }))
})

test('cancelled: says so with the refund, no code, no polling', async () => {
  answerRequests(reply(200, CANCELLED))
  const comp = await opened()
  expect(txt(comp, '#result-title')).toBe('订单已取消')
  expect(comp.querySelector('#qr')).toBeFalsy()
  expect(txt(comp, '#refund')).toContain('取消订单退款')
  expect(txt(comp, '#refund')).toContain('¥200.00')
  expect(txt(comp, '#refund')).toContain('已到账')
  await pass(60 * 1000)
  expect(requests()).toHaveLength(1)
})

test('expired: says so', async () => {
  answerRequests(reply(200, order({ status: 'expired', status_name: '已过期', pickup: null, paid_fen: 0, payment_method: null })))
  const comp = await opened()
  expect(txt(comp, '#result-title')).toBe('订单已过期')
  expect(txt(comp, '#refund-none')).toBe('无退款')
})

test('unpaid: awaiting payment, with a way to the order', async () => {
  answerRequests(reply(200, order({ status: 'created', status_name: '待支付', pickup: null, paid_fen: 0, payment_method: null })))
  const comp = await opened()
  expect(txt(comp, '#result-title')).toBe('订单待支付')
  expect(txt(comp, '#amount')).toBe('¥200.00')
  comp.querySelector('#open-order').dispatchEvent('tap')
  await pass(60 * 1000)
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order-detail/order-detail?id=5021' })
  expect(requests()).toHaveLength(1)
})

test('hiding stops polling; showing again asks at once and polls fast again', async () => {
  const times = answerTimed(reply(200, PAID))
  const comp = await opened()
  await after(2000 + 3000) // two polls: the next delay would be 5 s
  expect(requests()).toHaveLength(3)
  comp.instance.onHide()
  await pass(5 * 60 * 1000)
  expect(requests()).toHaveLength(3)
  comp.instance.onShow()
  await pass()
  expect(requests()).toHaveLength(4)
  await after(2000)
  expect(requests()).toHaveLength(5)
  expect(gaps(times).slice(-1)[0]).toBeLessThan(2050)
})

test('unloading stops polling', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened()
  await pass(1999)
  comp.instance.onUnload()
  await pass(5 * 60 * 1000)
  expect(requests()).toHaveLength(1)
  expect(jest.getTimerCount()).toBe(0)
})

test('an answer that arrives after unloading starts no new poll', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened()
  answerNothing() // the poll gets no answer yet
  await after(2000)
  expect(requests()).toHaveLength(2)
  comp.instance.onUnload()
  requests()[1].success({ statusCode: 200, data: PAID, header: {} })
  await pass(5 * 60 * 1000)
  expect(requests()).toHaveLength(2)
  expect(jest.getTimerCount()).toBe(0)
})

test('a failed poll keeps the code on screen, shows a small banner and polls on with back-off', async () => {
  const times = answerTimed(reply(200, PAID), networkDown())
  const comp = await opened()
  await after(2000 + 3000 + 5000)
  expect(requests()).toHaveLength(4)
  expect(txt(comp, '#notice')).toBe('网络不佳，显示的是上次获取的取油码')
  expect(txt(comp, '#code')).toBe('3817 0426')
  expect(comp.querySelector('#qr').data.src).toBe(qrDataUrl(TOKEN))
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(wx.showToast).not.toHaveBeenCalled()
  expect(gaps(times)[2]).toBeGreaterThanOrEqual(5000)

  answerRequests(reply(200, PAID))
  await after(8000)
  expect(requests()).toHaveLength(5)
  expect(comp.querySelector('#notice')).toBeFalsy()
})

test('a server error while showing the code: its message in the banner, polling goes on', async () => {
  answerRequests(reply(200, PAID), apiError(503, 'unavailable', '服务维护中，请稍后再试'))
  const comp = await opened()
  await after(2000)
  expect(txt(comp, '#notice')).toBe('服务维护中，请稍后再试')
  await after(3000)
  expect(requests()).toHaveLength(3)
})

test('reopened with no network: the stored code shows at once, with the banner', async () => {
  answerRequests(reply(200, PAID))
  const first = await opened()
  first.instance.onUnload()
  expect(wx.getStorageSync('pickup:5021')).toEqual(PAID)

  answerRequests(networkDown())
  const comp = mount(pageId)
  mounted.push(comp)
  comp.instance.onLoad({ order_id: '5021' })
  comp.instance.onShow()
  expect(comp.data.state).toBe('ready')
  expect(txt(comp, '#code')).toBe('3817 0426')
  await pass()
  expect(txt(comp, '#notice')).toBe('网络不佳，显示的是上次获取的取油码')
  expect(comp.querySelector('#qr').data.src).toBe(qrDataUrl(TOKEN))
  expect(comp.querySelector('#error')).toBeFalsy()
  await after(2000)
  expect(requests()).toHaveLength(3) // the first page's one, and this page keeps trying
})

test('a stored code past its expiry is not shown when reopened with no network', async () => {
  wx.setStorageSync('pickup:5021', order({ pickup: { ...PAID.pickup, expires_at: new Date(Date.now() - 1000).toISOString() } }))
  answerRequests(networkDown())
  const comp = mount(pageId)
  mounted.push(comp)
  comp.instance.onLoad({ order_id: '5021' })
  expect(comp.querySelector('#qr')).toBeFalsy()
  await pass()
  expect(comp.data.state).toBe('error')
  expect(comp.querySelector('#qr')).toBeFalsy()
})

test('screen kept on and at full brightness while the code shows; given back on hide, unload and when done', async () => {
  answerRequests(reply(200, PAID), reply(200, SETTLED))
  const comp = await opened()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: true })
  expect(wx.getScreenBrightness).toHaveBeenCalledTimes(1)
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 1 })

  comp.instance.onHide()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.4 })

  answerRequests(reply(200, PAID), reply(200, SETTLED))
  comp.instance.onShow()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: true })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 1 })
  await pass()
  await after(2000) // settled: no code any more
  expect(comp.data.view.phase).toBe('done')
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.4 })
})

test('unloading gives the brightness back', async () => {
  wx.getScreenBrightness.mockImplementation((opts) => opts.success({ value: 0.25 }))
  answerRequests(reply(200, PAID))
  const comp = await opened()
  comp.instance.onUnload()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.25 })
})

test('the screen is left alone when there is no code to show', async () => {
  answerRequests(reply(200, CANCELLED))
  const comp = await opened()
  comp.instance.onHide()
  expect(wx.setKeepScreenOn).not.toHaveBeenCalled()
  expect(wx.setScreenBrightness).not.toHaveBeenCalled()
})

test('load failure with nothing stored: error state with the message, 重试 loads again', async () => {
  answerRequests(apiError(404, 'not_found', '订单不存在'), reply(200, PAID))
  const comp = await opened()
  expect(comp.data.state).toBe('error')
  expect(txt(comp, '#error-message')).toBe('订单不存在')
  await pass(60 * 1000)
  expect(requests()).toHaveLength(1)
  comp.querySelector('#retry').dispatchEvent('tap')
  await pass()
  expect(txt(comp, '#code')).toBe('3817 0426')
  expect(requests()).toHaveLength(2)
})

test('no network and nothing stored: the network message and 重试', async () => {
  answerRequests(networkDown())
  const comp = await opened()
  expect(txt(comp, '#error-message')).toBe('网络不给力，请检查网络后重试')
  expect(comp.querySelector('#retry')).toBeTruthy()
})

test('pull-down refresh asks again, stops the spinner and polls fast again', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened()
  await after(2000 + 3000) // the next poll would be in 5 s
  expect(requests()).toHaveLength(3)
  const refreshed = comp.instance.onPullDownRefresh()
  await pass()
  await refreshed
  expect(requests()).toHaveLength(4)
  expect(wx.stopPullDownRefresh).toHaveBeenCalled()
  await after(2000)
  expect(requests()).toHaveLength(5)
})

test('pull-down refresh shows what changed', async () => {
  answerRequests(reply(200, PAID), reply(200, CANCELLED))
  const comp = await opened()
  const refreshed = comp.instance.onPullDownRefresh()
  await pass()
  await refreshed
  expect(txt(comp, '#result-title')).toBe('订单已取消')
})
