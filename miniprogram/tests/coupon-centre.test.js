// 领券中心：登录后请求可领的券（可按油站），卡片内容（优惠、范围、有效期、剩余、限领、不能领的原因），
// 领取（请求体、Idempotency-Key 断网重试沿用、成功后换新）、成功后已领取/去使用、被拒绝的中文原因，
// 空、加载中、离线、下拉刷新，我的优惠券入口。
const { loadComponent, mount, waitFor, openPage, settle, text, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, answerNothing, gets, writes, method, path, parseRequest } = require('./helpers/wx')
const { offer, coupon } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')

const OFFERS = {
  items: [
    offer(),
    offer({
      template_id: 9,
      name: '新会员直降',
      kind: 'per_litre',
      kind_name: '每升直降券',
      rule: '每升直降0.30元 最高减20元',
      note: '',
      off_fen: null,
      per_litre_fen: 30,
      max_off_fen: 2000,
      min_spend_fen: 0,
      fuels: [],
      stations: [{ id: 7, name: '昆明北京路加油站' }],
      scope: '限昆明北京路加油站',
      validity: 'fixed',
      validity_text: '2026-12-01 至 2026-12-31',
      claim_ends_at: null,
      stock_left: 0,
      per_member_limit: 1,
      may_claim: false,
      reason: '已领完',
    }),
    offer({
      template_id: 11,
      name: '会员9折',
      kind: 'percent_off',
      kind_name: '折扣券',
      rule: '9折 最高减20元',
      off_fen: null,
      pay_percent: 90,
      max_off_fen: 2000,
      min_spend_fen: 0,
      stock_left: null,
      claimed: 2,
      may_claim: false,
      reason: '已达领取上限',
    }),
  ],
}
const CLAIMED = coupon({ template_id: 7 })

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/coupon-centre/coupon-centre')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
})

/** GET /coupons/claimable answers `offers`; the claims answer `claims` in turn. */
const serve = (offers = OFFERS, ...claims) =>
  answerRoutes({ 'GET /coupons/claimable': [].concat(offers).map((o) => (o.statusCode || o.fail ? o : reply(200, o))) }, ...claims)

const card = (comp, id) => text(comp, '#offer-' + id)
const claims = () => writes().filter((r) => method(r) === 'POST' && path(r) === '/coupons/claim')

test('asks GET /coupons/claimable with the token, for a station when opened from one', async () => {
  serve()
  await openPage(pageId, { station_id: '7' })
  expect(gets('/coupons/claimable')).toHaveLength(1)
  const asked = gets('/coupons/claimable')[0]
  expect(parseRequest(asked).query).toEqual({ station_id: '7' })
  expect(asked.header.Authorization).toBe('Bearer token-1')
})

test('logs in first when there is no token', async () => {
  wx.removeStorageSync(TOKEN_KEY)
  answerRoutes({
    'POST /auth/wechat': reply(200, { token: 'token-2', member: { id: 1 } }),
    'GET /coupons/claimable': reply(200, OFFERS),
  })
  await openPage(pageId, {})
  expect(wx.login).toHaveBeenCalled()
  expect(gets('/coupons/claimable')[0].header.Authorization).toBe('Bearer token-2')
})

test('each card shows what it gives, where, how long, the stock and the limit', async () => {
  serve()
  const comp = await openPage(pageId, {})
  expect(comp.querySelectorAll('.coupon')).toHaveLength(3)
  const first = card(comp, 7)
  expect(first).toContain('¥10')
  expect(first).toContain('满¥100可用')
  expect(first).toContain('满减券')
  expect(first).toContain('周末加油满减')
  expect(first).toContain('满100减10')
  expect(first).toContain('限92#汽油')
  expect(first).toContain('领取后7天内有效（含领取当天）')
  expect(first).toContain('剩余 128 张 · 每人限领 2 张')
  expect(first).toContain('12-31 00:00 截止领取')
  expect(first).toContain('仅限本人使用')
  expect(text(comp, '#claim-7')).toContain('领取')
  const perLitre = card(comp, 9)
  expect(perLitre).toContain('¥0.30/升')
  expect(perLitre).toContain('最高减¥20')
  expect(perLitre).toContain('限昆明北京路加油站')
  expect(perLitre).toContain('2026-12-01 至 2026-12-31')
  expect(perLitre).toContain('剩余 0 张')
  expect(text(comp, '#reason-9')).toContain('已领完')
  const percent = card(comp, 11)
  expect(percent).toContain('9折')
  expect(percent).toContain('不限量 · 每人限领 2 张，已领 2 张')
  expect(text(comp, '#reason-11')).toContain('已达领取上限')
  expect(comp.querySelector('#claim-9')).toBeFalsy()
})

test('领取 sends the template with a key; success marks the card 已领取 with 去使用', async () => {
  serve(OFFERS, reply(201, CLAIMED))
  const comp = await openPage(pageId, {})
  tap(comp, '#claim-7')
  await waitFor(() => expect(comp.querySelector('#use-7')).toBeTruthy())
  expect(claims()).toHaveLength(1)
  expect(claims()[0].data).toEqual({ template_id: 7 })
  expect(claims()[0].header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(claims()[0].header.Authorization).toBe('Bearer token-1')
  expect(card(comp, 7)).toContain('已领取')
  expect(card(comp, 7)).toContain('剩余 127 张 · 每人限领 2 张，已领 1 张')
  expect(comp.querySelector('#claim-7')).toBeFalsy()
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '领取成功' }))
})

test('a claim lost to the network is sent again with the same key; the next claim gets a new one', async () => {
  const two = { items: [offer(), offer({ template_id: 8, name: '第二张' })] }
  serve(two, networkDown(), reply(201, CLAIMED), reply(201, coupon({ template_id: 8 })))
  const comp = await openPage(pageId, {})
  tap(comp, '#claim-7')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalled())
  expect(wx.showModal.mock.calls[0][0].content).toContain('网络不给力')
  await waitFor(() => expect(comp.data.items[0].busy).toBe(false))
  expect(comp.querySelector('#claim-7')).toBeTruthy()
  tap(comp, '#claim-7')
  await waitFor(() => expect(comp.querySelector('#use-7')).toBeTruthy())
  tap(comp, '#claim-8')
  await waitFor(() => expect(comp.querySelector('#use-8')).toBeTruthy())
  const sent = claims().map((r) => r.header['Idempotency-Key'])
  expect(sent).toHaveLength(3)
  expect(sent[1]).toBe(sent[0])
  expect(sent[2]).not.toBe(sent[0])
})

test('a double tap sends one claim', async () => {
  serve(OFFERS, reply(201, CLAIMED))
  const comp = await openPage(pageId, {})
  comp.instance.claim({ currentTarget: { dataset: { id: 7 } } })
  comp.instance.claim({ currentTarget: { dataset: { id: 7 } } })
  await waitFor(() => expect(comp.querySelector('#use-7')).toBeTruthy())
  await settle()
  expect(claims()).toHaveLength(1)
})

test.each([
  ['coupon_sold_out', '「周末加油满减」已经领完了', '已领完'],
  ['coupon_limit_reached', '「周末加油满减」每人限领 2 张，你已领满', '已达领取上限'],
  ['coupon_ended', '「周末加油满减」已结束领取', '已结束'],
])('a refusal (%s) shows the API message and the card says why', async (code, message, reason) => {
  serve(OFFERS, apiError(409, code, message), reply(201, CLAIMED))
  const comp = await openPage(pageId, {})
  tap(comp, '#claim-7')
  await waitFor(() => expect(comp.querySelector('#reason-7')).toBeTruthy())
  expect(text(comp, '#reason-7')).toContain(reason)
  expect(wx.showModal).toHaveBeenCalledWith(
    expect.objectContaining({ title: '领取失败', content: message, showCancel: false }),
  )
  expect(comp.querySelector('#claim-7')).toBeFalsy()
})

test('after a refusal a new claim of the same coupon gets a new key', async () => {
  const refreshed = { items: [offer({ claimed: 0 })] }
  serve([OFFERS, refreshed], apiError(429, 'rate_limited', '操作太频繁，请稍后再试'), apiError(409, 'coupon_ended', '已结束'), reply(201, CLAIMED))
  const comp = await openPage(pageId, {})
  tap(comp, '#claim-7')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(1))
  await waitFor(() => expect(comp.data.items[0].busy).toBe(false))
  tap(comp, '#claim-7') // 429 may be retried with its key: refused for good this time
  await waitFor(() => expect(comp.querySelector('#reason-7')).toBeTruthy())
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(comp.querySelector('#claim-7')).toBeTruthy())
  tap(comp, '#claim-7')
  await waitFor(() => expect(comp.querySelector('#use-7')).toBeTruthy())
  const sent = claims().map((r) => r.header['Idempotency-Key'])
  expect(sent[1]).toBe(sent[0])
  expect(sent[2]).not.toBe(sent[1])
})

test('去使用 opens the one station a coupon is for, else the nearby stations', async () => {
  const oneStation = offer({ template_id: 9, stations: [{ id: 7, name: '昆明北京路加油站' }] })
  serve({ items: [offer(), oneStation] }, reply(201, CLAIMED), reply(201, coupon({ template_id: 9 })))
  const comp = await openPage(pageId, {})
  tap(comp, '#claim-7')
  await waitFor(() => expect(comp.querySelector('#use-7')).toBeTruthy())
  tap(comp, '#use-7')
  await waitFor(() => expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/home/home' }))
  tap(comp, '#claim-9')
  await waitFor(() => expect(comp.querySelector('#use-9')).toBeTruthy())
  tap(comp, '#use-9')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/station/station?id=7' }))
})

test('我的优惠券 opens the driver\'s coupons', async () => {
  serve()
  const comp = await openPage(pageId, {})
  tap(comp, '#mine')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/coupons/coupons' }))
})

test('nothing on offer shows the empty state', async () => {
  serve({ items: [] })
  const comp = await openPage(pageId, {})
  expect(text(comp, '#empty')).toContain('暂时没有可领的优惠券')
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('offline says so and 重试 loads the coupons', async () => {
  serve([networkDown(), OFFERS])
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  expect(text(comp, '#error-message')).toContain('网络不给力')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelectorAll('.coupon')).toHaveLength(3))
})

test('pull-down refresh reads the offers again; a failure keeps them', async () => {
  serve([OFFERS, { items: [offer()] }, networkDown()])
  const comp = await openPage(pageId, {})
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1))
  expect(comp.querySelectorAll('.coupon')).toHaveLength(1)
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(2))
  expect(comp.querySelectorAll('.coupon')).toHaveLength(1)
  expect(comp.querySelector('#offline')).toBeTruthy()
})
