// 我的优惠券：三个页签请求各自的状态、分页和加载更多、可用券的到期提示（按固定的“现在”）、
// 使用中/已使用/已过期的显示、去使用、空状态去领券中心、登录、离线、下拉刷新、切换页签时丢弃旧答案。
const { loadComponent, mount, waitFor, openPage, settle, text, tap } = require('./helpers/simulate')
const { reply, networkDown, answerRoutes, answerRequests, answerNothing, gets, parseRequest } = require('./helpers/wx')
const { coupon, page } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')

// 2026-12-09 10:00 in Kunming: the coupon good through 12-11 ends in 2 days.
const NOW = Date.UTC(2026, 11, 9, 2, 0)

const AVAILABLE = page(
  [
    coupon({ id: 503, valid_until: '2026-12-10T00:00:00+08:00', validity_text: '2026-12-03 至 2026-12-09' }),
    coupon(),
    coupon({
      id: 505,
      template_id: 9,
      name: '新会员直降',
      kind: 'per_litre',
      kind_name: '每升直降券',
      rule: '每升直降0.30元 最高减20元',
      off_fen: null,
      per_litre_fen: 30,
      max_off_fen: 2000,
      min_spend_fen: 0,
      fuels: [],
      stations: [{ id: 7, name: '昆明北京路加油站' }],
      scope: '限昆明北京路加油站',
      source: 'join_gift',
      source_name: '新会员礼',
      status: 'held',
      status_name: '使用中',
      order_id: 5021,
      valid_until: '2027-01-01T00:00:00+08:00',
      validity_text: '2026-12-01 至 2026-12-31',
    }),
  ],
  { has_more: true, total: 4 },
)
const USED = page([
  coupon({ id: 488, status: 'used', status_name: '已使用', used_at: '2026-12-06T08:40:02+08:00', order_id: 3120 }),
])
const EXPIRED = page([
  coupon({ id: 470, status: 'expired', status_name: '已过期', valid_until: '2026-12-01T00:00:00+08:00' }),
  coupon({ id: 471, status: 'voided', status_name: '已作废' }),
])

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/coupons/coupons')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
  jest.spyOn(Date, 'now').mockReturnValue(NOW)
})

afterEach(() => {
  jest.restoreAllMocks()
})

/** GET /me/coupons by its status query: each an answer or a list used in turn. */
function serve(byStatus) {
  const used = {}
  return answerRoutes({
    'GET /me/coupons': (opts) => {
      const status = parseRequest(opts).query.status
      const list = [].concat(byStatus[status] || reply(200, page([])))
      const i = used[status] || 0
      used[status] = i + 1
      const answer = list[Math.min(i, list.length - 1)]
      return answer.statusCode || answer.fail ? answer : reply(200, answer)
    },
  })
}

const asked = () => gets('/me/coupons').map((r) => parseRequest(r).query)
const card = (comp, id) => text(comp, '#coupon-' + id)

test('opens on 可用 and asks page 1 of the available coupons with the token', async () => {
  serve({ available: AVAILABLE })
  const comp = await openPage(pageId, {})
  expect(asked()).toEqual([{ status: 'available', page: '1', per_page: '20' }])
  expect(gets('/me/coupons')[0].header.Authorization).toBe('Bearer token-1')
  expect(comp.querySelector('#tab-available').dom.className).toContain('tab-on')
})

test('available coupons in the API order, soonest first, with how soon they end', async () => {
  serve({ available: AVAILABLE })
  const comp = await openPage(pageId, {})
  expect(comp.data.items.map((c) => c.id)).toEqual([503, 501, 505])
  expect(card(comp, 503)).toContain('今天过期')
  const second = card(comp, 501)
  expect(second).toContain('¥10')
  expect(second).toContain('满¥100可用')
  expect(second).toContain('周末加油满减')
  expect(second).toContain('满100减10')
  expect(second).toContain('限92#汽油')
  expect(second).toContain('2026-12-05 至 2026-12-11')
  expect(second).toContain('2天后过期')
  expect(second).toContain('领券中心领取')
  expect(comp.querySelector('#use-501')).toBeTruthy()
})

test('a coupon held on an order says 使用中 and cannot be used again', async () => {
  serve({ available: AVAILABLE })
  const comp = await openPage(pageId, {})
  const held = card(comp, 505)
  expect(held).toContain('使用中')
  expect(held).toContain('新会员礼')
  expect(held).toContain('¥0.30/升')
  expect(held).not.toContain('过期')
  expect(comp.querySelector('#use-505')).toBeFalsy()
})

test('去使用 goes to the nearby stations', async () => {
  serve({ available: AVAILABLE })
  const comp = await openPage(pageId, {})
  tap(comp, '#use-501')
  await waitFor(() => expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/home/home' }))
})

test('the tabs ask for used and expired coupons and show why each cannot be used', async () => {
  serve({ available: AVAILABLE, used: USED, expired: EXPIRED })
  const comp = await openPage(pageId, {})
  tap(comp, '#tab-used')
  await waitFor(() => expect(comp.querySelector('#coupon-488')).toBeTruthy())
  expect(card(comp, 488)).toContain('已使用 12-06 08:40')
  expect(comp.querySelector('#use-488')).toBeFalsy()
  expect(comp.querySelector('#tab-used').dom.className).toContain('tab-on')
  tap(comp, '#tab-expired')
  await waitFor(() => expect(comp.querySelector('#coupon-470')).toBeTruthy())
  expect(card(comp, 470)).toContain('已过期')
  expect(card(comp, 471)).toContain('已作废')
  expect(card(comp, 470)).not.toContain('天后过期')
  expect(asked().map((q) => q.status)).toEqual(['available', 'used', 'expired'])
  expect(asked().every((q) => q.page === '1')).toBe(true)
})

test('?status=expired opens that tab', async () => {
  serve({ expired: EXPIRED })
  await openPage(pageId, { status: 'expired' })
  expect(asked()).toEqual([{ status: 'expired', page: '1', per_page: '20' }])
})

test('reaching the bottom loads the next page of the same tab, then shows the end', async () => {
  const next = page([coupon(), coupon({ id: 506 })], { page: 2, has_more: false })
  serve({ available: [AVAILABLE, next] })
  const comp = await openPage(pageId, {})
  expect(comp.querySelector('#more')).toBeTruthy()
  comp.instance.onReachBottom()
  await waitFor(() => expect(comp.querySelector('#end')).toBeTruthy())
  expect(asked()[1]).toEqual({ status: 'available', page: '2', per_page: '20' })
  // the coupon already on page 1 is not shown twice
  expect(comp.data.items.map((c) => c.id)).toEqual([503, 501, 505, 506])
  comp.instance.onReachBottom()
  await settle()
  expect(asked()).toHaveLength(2)
})

test('a page that fails to load offers 重试', async () => {
  serve({ available: [AVAILABLE, networkDown(), page([coupon({ id: 506 })], { page: 2 })] })
  const comp = await openPage(pageId, {})
  tap(comp, '#more')
  await waitFor(() => expect(comp.querySelector('#more-error')).toBeTruthy())
  expect(text(comp, '#more-error')).toContain('网络不给力')
  tap(comp, '#more-retry')
  await waitFor(() => expect(comp.querySelector('#coupon-506')).toBeTruthy())
  expect(asked()[2].page).toBe('2')
})

test('an empty tab says so and leads to the claim centre', async () => {
  serve({ available: page([]) })
  const comp = await openPage(pageId, {})
  expect(text(comp, '#empty')).toContain('暂无可用的优惠券')
  tap(comp, '#go-centre')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/coupon-centre/coupon-centre' }),
  )
})

test('an answer for a tab left meanwhile is dropped', async () => {
  const held = []
  wx.request.mockImplementation((opts) => {
    held.push(opts)
    return { abort: jest.fn() }
  })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  comp.instance.onTab({ currentTarget: { dataset: { status: 'used' } } })
  await waitFor(() => expect(held).toHaveLength(2))
  held[1].success({ statusCode: 200, data: USED, header: {} })
  held[0].success({ statusCode: 200, data: AVAILABLE, header: {} })
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  await settle()
  expect(comp.data.tab).toBe('used')
  expect(comp.data.items.map((c) => c.id)).toEqual([488])
})

test('logs in first when there is no token', async () => {
  wx.removeStorageSync(TOKEN_KEY)
  answerRoutes({
    'POST /auth/wechat': reply(200, { token: 'token-2', member: { id: 1 } }),
    'GET /me/coupons': reply(200, USED),
  })
  await openPage(pageId, {})
  expect(gets('/me/coupons')[0].header.Authorization).toBe('Bearer token-2')
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('offline says so and 重试 loads the coupons', async () => {
  answerRequests(networkDown(), reply(200, AVAILABLE))
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelectorAll('.coupon')).toHaveLength(3))
})

test('pull-down refresh reloads page 1 of the tab; a failure keeps the list', async () => {
  serve({ available: [AVAILABLE, page([coupon()]), networkDown()] })
  const comp = await openPage(pageId, {})
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1))
  expect(comp.querySelectorAll('.coupon')).toHaveLength(1)
  expect(asked()[1].page).toBe('1')
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(2))
  expect(comp.querySelectorAll('.coupon')).toHaveLength(1)
  expect(comp.querySelector('#offline')).toBeTruthy()
})
