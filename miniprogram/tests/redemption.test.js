// 兑换码页：GET /me/redemptions/{id}；待核销的显示大号兑换码和二维码（本机画的），屏幕常亮调到最亮，离开时
// 恢复；刚兑换的说兑换成功；回到页面、下拉刷新、刷新状态都重新读取，核销后显示何时在哪个油站、不再显示码；
// 加油券的去我的优惠券；出错、离线（已显示的码保留）、加载中。
const { loadComponent, mount, waitFor, openPage, settle, text, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, answerNothing, gets } = require('./helpers/wx')
const { redemption } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')
const { qrDataUrl } = require('../utils/qr')

const USED = redemption({
  status: 'used', status_name: '已核销', code: null, code_text: null,
  used_at: '2027-03-02T08:10:00+08:00', used_station: { id: 7, name: '昆明北京路加油站' },
})
const ISSUED = redemption({
  id: 39, item_name: '满100减10加油券', kind: 'coupon', kind_name: '加油券', points: 2000,
  status: 'issued', status_name: '已发券', code: null, code_text: null, coupon_id: 501,
})

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/redemption/redemption')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
})

const serve = (...answers) => answerRoutes({ 'GET /me/redemptions/41': answers.length ? answers : reply(200, redemption()) })

test('asks GET /me/redemptions/{id} with the token and shows the code large with its QR', async () => {
  serve()
  const comp = await openPage(pageId, { id: '41' })
  expect(gets('/me/redemptions/41')[0].header.Authorization).toBe('Bearer token-1')
  expect(text(comp, '#name')).toBe('精致洗车一次')
  expect(text(comp, '#code')).toBe('4829 1037 5561')
  expect(text(comp, '#status')).toBe('待核销')
  // The QR is drawn on the phone from the 12 digits (no network needed to show it).
  expect(comp.data.qr).toBe(qrDataUrl('482910375561'))
  expect(comp.querySelector('#qr')).toBeTruthy()
  expect(comp.querySelector('#fresh')).toBeFalsy()
  expect(text(comp)).toContain('到油站柜台出示')
})

test('just redeemed it says so', async () => {
  serve()
  const comp = await openPage(pageId, { id: '41', new: '1' })
  expect(text(comp, '#fresh')).toContain('兑换成功')
})

test('the screen stays on at full brightness while the code shows, and comes back on leaving', async () => {
  serve()
  const comp = await openPage(pageId, { id: '41' })
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: true })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 1 })
  comp.instance.onHide()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.4 })
})

test('verified at the counter: 刷新状态 shows when and where, and no code any more', async () => {
  serve(reply(200, redemption()), reply(200, USED))
  const comp = await openPage(pageId, { id: '41' })
  tap(comp, '#refresh')
  await waitFor(() => expect(comp.querySelector('#used')).toBeTruthy())
  expect(text(comp, '#used')).toContain('已核销')
  expect(text(comp, '#used')).toContain('2027-03-02 08:10 在昆明北京路加油站核销')
  expect(comp.querySelector('#code')).toBeFalsy()
  expect(comp.querySelector('#qr')).toBeFalsy()
  expect(comp.data.qr).toBe('')
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
})

test('shown again (back to the page) and pulled down, it asks again', async () => {
  serve(reply(200, redemption()), reply(200, redemption()), reply(200, USED))
  const comp = await openPage(pageId, { id: '41' })
  comp.instance.onShow()
  await waitFor(() => expect(gets('/me/redemptions/41')).toHaveLength(2))
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(comp.querySelector('#used')).toBeTruthy()
})

test('a fuel coupon says it is in 我的优惠券 and opens it; no screen brightening', async () => {
  answerRoutes({ 'GET /me/redemptions/39': reply(200, ISSUED) })
  const comp = await openPage(pageId, { id: '39' })
  expect(text(comp, '#issued')).toContain('已发券')
  expect(text(comp, '#issued')).toContain('已发到我的优惠券')
  expect(wx.setScreenBrightness).not.toHaveBeenCalled()
  tap(comp, '#open-coupons')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/coupons/coupons' }))
})

test('a refresh that fails keeps the code shown (it does not expire) and says offline', async () => {
  serve(reply(200, redemption()), networkDown())
  const comp = await openPage(pageId, { id: '41' })
  tap(comp, '#refresh')
  await waitFor(() => expect(comp.querySelector('#offline')).toBeTruthy())
  expect(text(comp, '#code')).toBe('4829 1037 5561')
  expect(wx.showToast.mock.calls[0][0].title).toContain('网络不给力')
})

test('another driver\'s or an unknown redemption: the API message, and 重试', async () => {
  serve(apiError(404, 'not_found', '兑换记录不存在'), reply(200, redemption()))
  const comp = mount(pageId)
  comp.instance.onLoad({ id: '41' })
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error-message')).toBe('兑换记录不存在')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelector('#code')).toBeTruthy())
})

test('offline at first says 网络不可用', async () => {
  serve(networkDown())
  const comp = mount(pageId)
  comp.instance.onLoad({ id: '41' })
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
})

test('shows loading until the answer arrives; an answer after leaving is ignored', async () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({ id: '41' })
  expect(comp.querySelector('#loading')).toBeTruthy()
  await waitFor(() => expect(gets('/me/redemptions/41')).toHaveLength(1))
  comp.instance.onUnload()
  gets('/me/redemptions/41')[0].success({ statusCode: 200, header: {}, data: redemption() })
  await settle()
  expect(comp.data.state).toBe('loading')
  expect(wx.setKeepScreenOn).not.toHaveBeenCalled()
})
