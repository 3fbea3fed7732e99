// 我的：登录、三个请求、钱包（本金和赠送金分开）、等级卡、入口；绑定手机号（成功、拒绝、未同意隐私
// 政策、号码已被绑定、断网后用同一个键重试）；出错、离线、下拉刷新、回到页签时刷新。
const fs = require('fs')
const path = require('path')
const { ROOT, loadComponent, mount, settle, waitFor, openPage, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerNothing, answerRoutes, requests, requestsTo } = require('./helpers/wx')
const { ME, WALLET, POINTS } = require('./helpers/fixtures')

const cut = (code, name, fen) => ({ fuel: { code, name }, cut_fen: fen })
const SILVER = { id: 1, name: '银卡', rank: 1, threshold: 200000, cuts: [] }
const GOLD = { id: 2, name: '金卡', rank: 2, threshold: 800000, cuts: [cut('92', '92#汽油', 10), cut('95', '95#汽油', 15)] }
const DIAMOND = { id: 3, name: '钻石卡', rank: 3, threshold: 2000000, cuts: [cut('92', '92#汽油', 30)] }
const TIER = {
  metric: 'spend',
  metric_name: '消费金额',
  unit: 'fen',
  window_days: 365,
  window_start: '2025-03-08T18:02:11+08:00',
  value: 853600,
  tier: GOLD,
  tier_since: '2026-02-14T09:30:05+08:00',
  next_tier: DIAMOND,
  missing: 1146400,
  tiers: [SILVER, GOLD, DIAMOND],
  saving: { total_fen: 23150, tier_fen: 4120 },
  history: [],
}

const BASE = {
  'GET /me': reply(200, ME), 'GET /wallet': reply(200, WALLET), 'GET /me/tier': reply(200, TIER),
  'GET /me/points': reply(200, POINTS),
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/me/me')
})

const loggedIn = () => wx.setStorageSync('jiayou.token', 'tok-1')

function opened(routes = {}) {
  loggedIn()
  answerRoutes({ ...BASE, ...routes })
  return openPage(pageId)
}

test('asks GET /me, /wallet, /me/tier and /me/points with the token and shows the header', async () => {
  const comp = await opened()
  expect(requests().map((r) => r.method + ' ' + r.url.replace(/^.*\/api\/v1/, '')).sort()).toEqual([
    'GET /me',
    'GET /me/points',
    'GET /me/tier',
    'GET /wallet',
  ])
  requests().forEach((r) => expect(r.header.Authorization).toBe('Bearer tok-1'))
  expect(text(comp, '#nickname')).toBe('张师傅')
  expect(text(comp, '#phone')).toBe('138****5678')
  expect(comp.querySelector('#bind-phone')).toBeFalsy()
  expect(text(comp, '#entry-vehicles')).toContain('2 辆')
  expect(text(comp, '#consent')).toContain('已同意')
})

test('the wallet shows the total, principal and bonus apart, and opens the wallet page', async () => {
  const comp = await opened()
  expect(text(comp, '#balance')).toBe('¥350.00')
  expect(text(comp, '#principal')).toBe('¥320.00')
  expect(text(comp, '#bonus')).toBe('¥30.00')
  expect(comp.querySelector('#frozen')).toBeFalsy()
  comp.querySelector('#wallet').dispatchEvent('tap')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/wallet/wallet' }))
})

test('a frozen wallet says why', async () => {
  const frozen = { ...WALLET, frozen: true, frozen_reason: '账户存在异常交易，请联系油站' }
  const comp = await opened({ 'GET /wallet': reply(200, frozen) })
  expect(text(comp, '#frozen')).toContain('账户存在异常交易，请联系油站')
})

test('the tier card shows the name, the progress to the next tier, what remains and the benefits', async () => {
  const comp = await opened()
  expect(text(comp, '#tier-name')).toBe('金卡')
  expect(text(comp, '#tier')).toContain('近365天消费金额 ¥8536.00')
  expect(comp.querySelector('#progress').dom.getAttribute('style')).toContain('width: 42%')
  expect(text(comp, '#remain')).toBe('再消费 ¥11464.00 升级为钻石卡')
  const benefits = text(comp, '#benefits')
  expect(benefits).toContain('92#汽油 会员价每升再降 ¥0.10')
  expect(benefits).toContain('95#汽油 会员价每升再降 ¥0.15')
  expect(text(comp, '#saving')).toContain('¥231.50')
})

test('a litres tier counts litres; the top tier has no bar; no tiers hides the card', async () => {
  const litres = { ...TIER, metric: 'litres', metric_name: '加油升数', unit: 'ml', value: 120500, tier: null, next_tier: SILVER, missing: 79500 }
  let comp = await opened({ 'GET /me/tier': reply(200, litres) })
  expect(text(comp, '#tier-name')).toBe('普通会员')
  expect(text(comp, '#remain')).toBe('再加油 79.50 升 升级为银卡')
  expect(text(comp, '#benefits')).toContain('暂无等级优惠')

  comp = await opened({ 'GET /me/tier': reply(200, { ...TIER, tier: DIAMOND, next_tier: null, missing: 0 }) })
  expect(text(comp, '#remain')).toBe('已是最高等级')
  expect(comp.querySelector('#progress')).toBeFalsy()

  comp = await opened({ 'GET /me/tier': reply(200, { ...TIER, missing: 0, value: 2000000 }) })
  expect(text(comp, '#remain')).toContain('已达到钻石卡门槛')

  comp = await opened({ 'GET /me/tier': reply(200, { ...TIER, tiers: [], tier: null, next_tier: null }) })
  expect(comp.querySelector('#tier')).toBeFalsy()
})

test('the entries open their pages; 我的订单 is a tab, so it switches to it', async () => {
  const comp = await opened()
  const cases = [
    ['#entry-code', '/pages/member-code/member-code'],
    ['#entry-vehicles', '/pages/vehicles/vehicles'],
    ['#entry-card', '/pages/wallet/wallet?tab=card'],
    ['#entry-coupon-centre', '/pages/coupon-centre/coupon-centre'],
    ['#entry-coupons', '/pages/coupons/coupons'],
    ['#entry-points', '/pages/points/points'],
    ['#entry-mall', '/pages/points-mall/points-mall'],
    ['#entry-redemptions', '/pages/redemptions/redemptions'],
    ['#entry-privacy', '/pages/privacy/privacy'],
  ]
  for (const [sel, url] of cases) {
    comp.querySelector(sel).dispatchEvent('tap')
    await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url }))
  }
  comp.querySelector('#entry-orders').dispatchEvent('tap')
  await waitFor(() => expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/orders/orders' }))
  expect(wx.navigateTo).toHaveBeenCalledTimes(9)
})

test('without a token it logs in first, then loads', async () => {
  answerRoutes({ ...BASE, 'POST /auth/wechat': reply(200, { token: 'tok-new', member: { id: 1024 } }) })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(requests()[0].url).toMatch(/\/auth\/wechat$/)
  expect(requests()[0].data).toEqual({ js_code: 'test-js-code' })
  expect(requestsTo('GET', '/me')[0].header.Authorization).toBe('Bearer tok-new')
})

test('a failed login offers 登录, which logs in and loads', async () => {
  answerRoutes({ ...BASE, 'POST /auth/wechat': [networkDown(), reply(200, { token: 'tok-2', member: {} })] })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#login')).toBeTruthy())
  expect(text(comp, '#login-message')).toContain('网络不给力')
  expect(requestsTo('GET', '/me')).toHaveLength(0)
  comp.querySelector('#login-btn').dispatchEvent('tap')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(text(comp, '#nickname')).toBe('张师傅')
})

const unbound = { 'GET /me': reply(200, { ...ME, phone: '' }) }
const BOUND = { phone: '139****0001', country_code: '86', bound_at: '2026-03-08T18:05:42+08:00' }
const phoneTap = (comp, detail) => comp.querySelector('#bind-phone').dispatchEvent('getphonenumber', { detail })

test('绑定手机号 posts the button’s code with an Idempotency-Key and shows the masked number', async () => {
  const comp = await opened({ ...unbound, 'POST /me/phone': reply(200, BOUND) })
  expect(comp.querySelector('#phone')).toBeFalsy()
  // WeChat's phone button: the simulator drops open-type, so read the page's markup.
  const wxml = fs.readFileSync(path.join(ROOT, 'pages/me/me.wxml'), 'utf8')
  expect(wxml).toMatch(/id="bind-phone"[^>]*open-type="getPhoneNumber"[^>]*bindgetphonenumber="onPhone"/)
  phoneTap(comp, { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' })
  await waitFor(() => expect(text(comp, '#phone')).toBe('139****0001'))
  const [post] = requestsTo('POST', '/me/phone')
  expect(post.data).toEqual({ code: 'phone-code-1' })
  expect(post.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(comp.querySelector('#bind-phone')).toBeFalsy()
})

test('a driver who denied sharing sends nothing and is told so', async () => {
  const comp = await opened(unbound)
  phoneTap(comp, { errMsg: 'getPhoneNumber:fail user deny' })
  await waitFor(() => expect(wx.showToast).toHaveBeenCalled())
  expect(wx.showToast.mock.calls[0][0].title).toContain('手机号未分享')
  expect(requestsTo('POST', '/me/phone')).toHaveLength(0)
})

test('consent_required explains and opens the privacy page', async () => {
  const comp = await opened({ ...unbound, 'POST /me/phone': apiError(409, 'consent_required', '请先同意隐私说明') })
  phoneTap(comp, { code: 'c1' })
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/privacy/privacy?from=phone' }))
  expect(wx.showModal.mock.calls[0][0].content).toContain('隐私政策')
})

test('consent_required and 以后再说 stays on the page', async () => {
  const comp = await opened({ ...unbound, 'POST /me/phone': apiError(409, 'consent_required', '请先同意隐私说明') })
  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }))
  phoneTap(comp, { code: 'c1' })
  await waitFor(() => expect(wx.showModal).toHaveBeenCalled())
  await settle()
  expect(wx.navigateTo).not.toHaveBeenCalled()
})

test('phone_taken shows the API message; the next tap is a new request with a new key', async () => {
  const comp = await opened({
    ...unbound,
    'POST /me/phone': [apiError(409, 'phone_taken', '这个手机号已绑定其他会员'), reply(200, BOUND)],
  })
  phoneTap(comp, { code: 'c1' })
  await waitFor(() => expect(wx.showModal).toHaveBeenCalled())
  expect(wx.showModal.mock.calls[0][0].content).toBe('这个手机号已绑定其他会员')
  expect(comp.querySelector('#phone-retry')).toBeFalsy()
  phoneTap(comp, { code: 'c2' })
  await waitFor(() => expect(text(comp, '#phone')).toBe('139****0001'))
  const [first, second] = requestsTo('POST', '/me/phone')
  expect(second.data).toEqual({ code: 'c2' })
  expect(second.header['Idempotency-Key']).not.toBe(first.header['Idempotency-Key'])
})

test('a network failure keeps the code and key: 重试 sends the same request again', async () => {
  const comp = await opened({ ...unbound, 'POST /me/phone': [networkDown(), reply(200, BOUND)] })
  phoneTap(comp, { code: 'c1' })
  await waitFor(() => expect(comp.querySelector('#phone-retry')).toBeTruthy())
  expect(wx.showModal.mock.calls[0][0].content).toContain('网络不给力')
  comp.querySelector('#phone-retry').dispatchEvent('tap')
  await waitFor(() => expect(text(comp, '#phone')).toBe('139****0001'))
  const [first, second] = requestsTo('POST', '/me/phone')
  expect(second.data).toEqual(first.data)
  expect(second.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
})

const UNBOUND = { phone: '', country_code: null, bound_at: null }

test('解绑 asks first, sends DELETE /me/phone with a key and shows the bind button again', async () => {
  const comp = await opened({ ...BASE, 'DELETE /me/phone': reply(200, UNBOUND) })
  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }))
  comp.querySelector('#unbind-phone').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(1))
  expect(wx.showModal.mock.calls[0][0].content).toContain('订单、钱包和充值记录都会保留')
  await settle()
  expect(requestsTo('DELETE', '/me/phone')).toHaveLength(0)

  comp.querySelector('#unbind-phone').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#bind-phone')).toBeTruthy())
  const [del] = requestsTo('DELETE', '/me/phone')
  expect(del.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(comp.querySelector('#phone')).toBeFalsy()
})

test('an unbind lost on the network is retried with the same key', async () => {
  const comp = await opened({ ...BASE, 'DELETE /me/phone': [networkDown(), reply(200, UNBOUND)] })
  comp.querySelector('#unbind-phone').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal.mock.calls.some((c) => c[0].title === '解绑失败')).toBe(true))
  expect(text(comp, '#phone')).toBe('138****5678')
  comp.querySelector('#unbind-phone').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#bind-phone')).toBeTruthy())
  const [first, second] = requestsTo('DELETE', '/me/phone')
  expect(second.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
})

test('offline shows 网络不可用 with the message; 重试 loads the page', async () => {
  loggedIn()
  answerRoutes({ ...BASE, 'GET /me': [networkDown(), reply(200, ME)] })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  expect(text(comp, '#error-message')).toContain('网络不给力')
  comp.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
})

test('a wallet or tier that fails alone says so beside the rest', async () => {
  const comp = await opened({
    'GET /wallet': apiError(503, 'unavailable', '服务暂时不可用，请稍后重试'),
    'GET /me/tier': networkDown(),
  })
  expect(text(comp, '#nickname')).toBe('张师傅')
  expect(text(comp, '#wallet-error')).toContain('服务暂时不可用')
  expect(comp.querySelector('#balance')).toBeFalsy()
  expect(text(comp, '#tier-error')).toContain('网络不给力')
})

test('the points cell shows the balance; without an answer it is still an entry', async () => {
  const comp = await opened()
  expect(text(comp, '#points')).toContain('1280 积分')
  const without = await opened({ 'GET /me/points': networkDown() })
  expect(text(without, '#points')).not.toContain('积分')
  expect(without.querySelector('#entry-points')).toBeTruthy()
  expect(without.querySelector('#error')).toBeFalsy()
})

test('pull-down refresh reloads and stops the spinner; a failed refresh keeps what is shown', async () => {
  const richer = { ...WALLET, principal_fen: 52000, balance_fen: 55000 }
  const comp = await opened({ 'GET /wallet': [reply(200, WALLET), reply(200, richer), networkDown()], 'GET /me': [reply(200, ME), reply(200, ME), networkDown()] })
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1))
  expect(text(comp, '#balance')).toBe('¥550.00')
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(2))
  expect(text(comp, '#balance')).toBe('¥550.00')
  expect(comp.querySelector('#offline')).toBeTruthy()
  expect(wx.showToast.mock.calls[0][0].title).toContain('网络不给力')
})

test('coming back to the tab reads everything again', async () => {
  const comp = await opened({ 'GET /me': [reply(200, { ...ME, consent: null }), reply(200, ME)] })
  expect(text(comp, '#consent')).toContain('未同意')
  comp.instance.onShow()
  await waitFor(() => expect(text(comp, '#consent')).toContain('已同意'))
  expect(requestsTo('GET', '/me')).toHaveLength(2)
})

test('shows loading until the answers arrive', () => {
  loggedIn()
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})
