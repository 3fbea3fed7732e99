// 我的兑换：登录后请求第一页兑换记录；待核销的显示兑换码、点开兑换码页；已核销的显示何时在哪个油站；
// 加油券点开我的优惠券；触底加载更多；空（去积分商城）、加载中、离线、下拉刷新；回到页面刷新。
const { loadComponent, mount, waitFor, openPage, text, tap } = require('./helpers/simulate')
const { reply, networkDown, answerRoutes, answerNothing, gets, parseRequest } = require('./helpers/wx')
const { redemption, page } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')

const COUPON = redemption({
  id: 39, item_id: 6, item_name: '满100减10加油券', kind: 'coupon', kind_name: '加油券', points: 2000,
  status: 'issued', status_name: '已发券', code: null, code_text: null, coupon_id: 501,
  created_at: '2027-02-20T12:00:00+08:00',
})
const USED = redemption({
  id: 38, status: 'used', status_name: '已核销', code: null, code_text: null,
  created_at: '2027-02-11T09:30:00+08:00', used_at: '2027-02-12T16:45:20+08:00',
  used_station: { id: 1, name: '昆明北京路加油站' },
})
const MINE = page([redemption(), COUPON, USED])

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/redemptions/redemptions')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
})

const serve = (answers = [reply(200, MINE)], routes = {}) => answerRoutes({ 'GET /me/redemptions': answers, ...routes })

test('asks page 1 of GET /me/redemptions with the token', async () => {
  serve()
  await openPage(pageId)
  const asked = gets('/me/redemptions')[0]
  expect(parseRequest(asked).query).toEqual({ page: '1', per_page: '20' })
  expect(asked.header.Authorization).toBe('Bearer token-1')
})

test('logs in first when there is no token', async () => {
  wx.removeStorageSync(TOKEN_KEY)
  serve([reply(200, MINE)], { 'POST /auth/wechat': reply(200, { token: 'token-2', member: { id: 1 } }) })
  await openPage(pageId)
  expect(gets('/me/redemptions')[0].header.Authorization).toBe('Bearer token-2')
})

test('an unused code is shown with its status; a used one says when and where; a coupon where it went', async () => {
  serve()
  const comp = await openPage(pageId)
  const unused = text(comp, '#redemption-41')
  expect(unused).toContain('精致洗车一次')
  expect(unused).toContain('待核销')
  expect(unused).toContain('洗车 · 300 积分 · 2027-03-01 18:02 兑换')
  expect(unused).toContain('4829 1037 5561')
  expect(unused).toContain('出示兑换码')
  expect(comp.querySelector('#redemption-41').dom.className).toContain('status-unused')
  const used = text(comp, '#redemption-38')
  expect(used).toContain('已核销')
  expect(used).toContain('2027-02-12 16:45 在昆明北京路加油站核销')
  expect(used).not.toContain('4829')
  const coupon = text(comp, '#redemption-39')
  expect(coupon).toContain('已发券')
  expect(coupon).toContain('已发到我的优惠券')
})

test('a code opens its page; a coupon opens 我的优惠券', async () => {
  serve()
  const comp = await openPage(pageId)
  tap(comp, '#redemption-41')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/redemption/redemption?id=41' }))
  tap(comp, '#redemption-38')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/redemption/redemption?id=38' }))
  tap(comp, '#redemption-39')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenLastCalledWith({ url: '/pages/coupons/coupons' }))
})

test('reaching the bottom loads the next page without repeats, then shows the end', async () => {
  const older = redemption({ id: 30, item_name: '矿泉水一箱', kind: 'goods', kind_name: '便利店商品', code_text: '1111 2222 3333' })
  serve([reply(200, page([redemption(), COUPON], { has_more: true, total: 4 })),
    reply(200, page([COUPON, older], { page: 2, total: 4 }))])
  const comp = await openPage(pageId)
  expect(text(comp, '#more')).toContain('加载更多')
  comp.instance.onReachBottom()
  await waitFor(() => expect(comp.querySelector('#redemption-30')).toBeTruthy())
  expect(parseRequest(gets('/me/redemptions')[1]).query).toEqual({ page: '2', per_page: '20' })
  expect(comp.data.items.map((r) => r.id)).toEqual([41, 39, 30])
  expect(text(comp, '#end')).toContain('没有更多了')
})

test('nothing redeemed yet leads to 积分商城', async () => {
  serve([reply(200, page([]))])
  const comp = await openPage(pageId)
  expect(text(comp, '#empty')).toContain('还没有兑换记录')
  tap(comp, '#go-mall')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/points-mall/points-mall' }))
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('offline says so and 重试 loads the list', async () => {
  serve([networkDown(), reply(200, MINE)])
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelector('#redemption-41')).toBeTruthy())
})

test('back from a code page the list is read again: a code just verified shows so', async () => {
  const verified = { ...redemption(), status: 'used', status_name: '已核销', code: null, code_text: null,
    used_at: '2027-03-02T08:10:00+08:00', used_station: { id: 7, name: '昆明滇池路加油站' } }
  serve([reply(200, MINE), reply(200, page([verified, COUPON, USED])), networkDown()])
  const comp = await openPage(pageId)
  comp.instance.onShow()
  await waitFor(() => expect(text(comp, '#redemption-41')).toContain('在昆明滇池路加油站核销'))
  expect(text(comp, '#redemption-41')).not.toContain('4829')
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(comp.querySelector('#offline')).toBeTruthy()
  expect(comp.querySelector('#redemption-41')).toBeTruthy()
})
