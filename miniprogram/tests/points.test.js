// 我的积分：登录后同时请求积分概况和第一页积分流水；可用积分、最先到期的一批（有效期至哪天，一周内
// 提示）、积分规则（各油品、每日上限、等级倍数、过期规则；未开通时说明）；流水每笔的变动和余额、
// 退款扣回没扣到的分；点开订单或兑换码；触底加载更多；空、加载中、出错、离线、下拉刷新；回到页面刷新。
const { loadComponent, mount, waitFor, openPage, settle, text, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, answerNothing, gets, parseRequest } = require('./helpers/wx')
const { POINTS, POINTS_RULE, pointsEntry, page } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')

const REDEEMED = pointsEntry({
  id: 87, kind: 'redeem', kind_name: '积分兑换', delta: -300, balance_after: 1056, note: '兑换「精致洗车一次」',
  order_id: null, redemption_id: 41, created_at: '2027-03-01T18:02:11+08:00',
})
const REVERSED = pointsEntry({
  id: 86, kind: 'reverse', kind_name: '退款扣回', delta: -20, balance_after: 1356, shortfall: 30,
  note: '订单退款 50.00 元', order_id: 3001, created_at: '2027-02-20T09:00:00+08:00',
})
const LEDGER = page([pointsEntry(), REDEEMED, REVERSED], { total: 3 })

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/points/points')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
})

const serve = (routes = {}) =>
  answerRoutes({ 'GET /me/points': reply(200, POINTS), 'GET /me/points/ledger': reply(200, LEDGER), ...routes })

test('asks the summary and page 1 of the ledger with the token', async () => {
  serve()
  await openPage(pageId)
  expect(gets('/me/points')).toHaveLength(1)
  expect(gets('/me/points')[0].header.Authorization).toBe('Bearer token-1')
  expect(parseRequest(gets('/me/points/ledger')[0]).query).toEqual({ page: '1', per_page: '20' })
})

test('logs in first when there is no token', async () => {
  wx.removeStorageSync(TOKEN_KEY)
  serve({ 'POST /auth/wechat': reply(200, { token: 'token-2', member: { id: 1 } }) })
  await openPage(pageId)
  expect(wx.login).toHaveBeenCalled()
  expect(gets('/me/points')[0].header.Authorization).toBe('Bearer token-2')
})

test('the balance, the points that expire first with their last day, and how points are earned', async () => {
  serve()
  const comp = await openPage(pageId)
  expect(text(comp, '#balance')).toBe('1280')
  // expires_at 2028-01-01 00:00 is exclusive: good through 2027-12-31.
  expect(text(comp, '#expiring')).toContain('380 积分有效期至 2027-12-31')
  expect(comp.querySelector('#expiring-hint')).toBeFalsy()
  const rule = text(comp, '#rule')
  expect(rule).toContain('92#汽油')
  expect(rule).toContain('每 1 元积 1 分')
  expect(rule).toContain('0#柴油')
  expect(rule).toContain('每 2 元积 1 分')
  expect(text(comp, '#rule-cap')).toBe('每天最多积 500 分')
  expect(text(comp, '#rule-tier')).toBe('你的会员等级积分按 1.5 倍计')
  expect(text(comp, '#rule-expiry')).toContain('次年年底')
})

test('points about to expire say how soon', async () => {
  serve()
  const now = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2027-12-29T10:00:00+08:00'))
  try {
    const comp = await openPage(pageId)
    expect(text(comp, '#expiring-hint')).toContain('2天后过期')
  } finally {
    now.mockRestore()
  }
})

test('no points and no rule: says how points come and that the chain gives none yet', async () => {
  serve({
    'GET /me/points': reply(200, { balance: 0, lots: [], expiring: null, rule: null }),
    'GET /me/points/ledger': reply(200, page([])),
  })
  const comp = await openPage(pageId)
  expect(text(comp, '#balance')).toBe('0')
  expect(text(comp, '#no-points')).toContain('加油结算后积分到账')
  expect(text(comp, '#no-rule')).toContain('暂未开通')
  expect(text(comp, '#empty')).toContain('还没有积分记录')
  expect(comp.querySelector('#ledger')).toBeFalsy()
})

test('a rule at 100 % says nothing of the tier and no cap says nothing of a cap', async () => {
  const plain = { ...POINTS, rule: { ...POINTS_RULE, tier_percent: 100, daily_cap: null } }
  serve({ 'GET /me/points': reply(200, plain) })
  const comp = await openPage(pageId)
  expect(comp.querySelector('#rule-tier')).toBeFalsy()
  expect(comp.querySelector('#rule-cap')).toBeFalsy()
})

test('each line of the ledger shows what changed, why, when and the balance after it', async () => {
  serve()
  const comp = await openPage(pageId)
  const earned = text(comp, '#entry-88')
  expect(earned).toContain('加油积分')
  expect(earned).toContain('昆明北京路加油站 92#汽油 20.00 升 149.60 元')
  expect(earned).toContain('2027-03-05 10:12')
  expect(earned).toContain('+224')
  expect(earned).toContain('余额 1280')
  expect(comp.querySelector('#entry-88 .up')).toBeTruthy()
  const spent = text(comp, '#entry-87')
  expect(spent).toContain('积分兑换')
  expect(spent).toContain('-300')
  expect(spent).toContain('余额 1056')
  const reversed = text(comp, '#entry-86')
  expect(reversed).toContain('-20')
  expect(reversed).toContain('30 分已用掉，未扣回')
  expect(text(comp, '#end')).toContain('没有更多了')
})

test('a line opens its order or its redemption', async () => {
  serve()
  const comp = await openPage(pageId)
  tap(comp, '#entry-88')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/order-detail/order-detail?id=3120' }))
  tap(comp, '#entry-87')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/redemption/redemption?id=41' }))
})

test('积分商城 and 我的兑换 open their pages', async () => {
  serve()
  const comp = await openPage(pageId)
  tap(comp, '#open-mall')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/points-mall/points-mall' }))
  tap(comp, '#open-redemptions')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/redemptions/redemptions' }))
})

test('reaching the bottom loads the next page without repeating a line, then shows the end', async () => {
  const second = page([REVERSED, pointsEntry({ id: 80, delta: 100, balance_after: 1376, order_id: 2900 })],
    { page: 2, total: 4 })
  serve({
    'GET /me/points/ledger': [reply(200, page([pointsEntry(), REDEEMED, REVERSED], { has_more: true, total: 4 })),
      reply(200, second)],
  })
  const comp = await openPage(pageId)
  expect(text(comp, '#more')).toContain('加载更多')
  comp.instance.onReachBottom()
  await waitFor(() => expect(comp.querySelector('#entry-80')).toBeTruthy())
  expect(parseRequest(gets('/me/points/ledger')[1]).query).toEqual({ page: '2', per_page: '20' })
  expect(comp.data.items.map((e) => e.id)).toEqual([88, 87, 86, 80])
  expect(text(comp, '#end')).toContain('没有更多了')
})

test('a next page that fails offers 重试 below the lines', async () => {
  serve({
    'GET /me/points/ledger': [reply(200, page([pointsEntry()], { has_more: true })), networkDown(),
      reply(200, page([REDEEMED], { page: 2 }))],
  })
  const comp = await openPage(pageId)
  tap(comp, '#more')
  await waitFor(() => expect(text(comp, '#more-error')).toContain('网络不给力'))
  tap(comp, '#more-retry')
  await waitFor(() => expect(comp.querySelector('#entry-87')).toBeTruthy())
})

test('shows loading until the answers arrive', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('offline says so and 重试 loads the page', async () => {
  serve({ 'GET /me/points': [networkDown(), reply(200, POINTS)] })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  expect(text(comp, '#error-message')).toContain('网络不给力')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(text(comp, '#balance')).toBe('1280')
})

test('a refusal shows the API message', async () => {
  serve({ 'GET /me/points': apiError(403, 'member_blocked', '会员已停用，请联系油站') })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('加载失败')
  expect(text(comp, '#error-message')).toBe('会员已停用，请联系油站')
})

test('pull-down refresh reads both again; a failure keeps what is shown and says offline', async () => {
  const more = { ...POINTS, balance: 1504 }
  serve({ 'GET /me/points': [reply(200, POINTS), reply(200, more), networkDown()] })
  const comp = await openPage(pageId)
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1))
  expect(text(comp, '#balance')).toBe('1504')
  expect(gets('/me/points/ledger')).toHaveLength(2)
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(2))
  expect(text(comp, '#balance')).toBe('1504')
  expect(comp.querySelector('#offline')).toBeTruthy()
  expect(wx.showToast.mock.calls[0][0].title).toContain('网络不给力')
})

test('back on the page (from 积分商城) it reads again; not before it first loaded', async () => {
  serve({ 'GET /me/points': [reply(200, POINTS), reply(200, { ...POINTS, balance: 980 })] })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  comp.instance.onShow()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  await settle()
  expect(gets('/me/points')).toHaveLength(1)
  comp.instance.onShow()
  await waitFor(() => expect(text(comp, '#balance')).toBe('980'))
})
