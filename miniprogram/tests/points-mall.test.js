// 积分商城：登录后请求商品；可用积分、每件的种类、积分、剩余、限兑、截止日、兑换后得到什么；不能兑换的
// 按钮写原因（积分不足写还差多少）；兑换先确认（取消不发），请求体和 Idempotency-Key（断网重试沿用，
// 成功或被拒绝后换新）；加油券兑换成功可去我的优惠券，洗车打开兑换码页；被拒绝弹出接口的中文原因并
// 重新读取；连点只发一次；空、加载中、离线、下拉刷新；我的兑换入口。
const { loadComponent, mount, waitFor, openPage, settle, text, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, answerNothing, gets, writes } = require('./helpers/wx')
const { pointsItem, redemption } = require('./helpers/fixtures')
const { TOKEN_KEY } = require('../utils/api')
const { REFUSED } = require('../utils/points')

const COUPON_ITEM = pointsItem({
  id: 6, kind: 'coupon', kind_name: '加油券', name: '满100减10加油券', note: '', points: 1000,
  coupon: { template_id: 7, name: '满100减10', rule: '满100减10' }, stock_left: null, per_member_limit: null,
  redeemed: 0, ends_at: null,
})
const WATER = pointsItem({
  id: 9, kind: 'goods', kind_name: '便利店商品', name: '矿泉水一箱', note: '', points: 2000, stock_left: 3,
  per_member_limit: null, redeemed: 0, ends_at: null, may_redeem: false, reason: '积分不足',
})
const GONE = pointsItem({
  id: 12, kind: 'goods', kind_name: '便利店商品', name: '玻璃水', note: '', points: 200, stock_left: 0,
  per_member_limit: 1, redeemed: 0, ends_at: null, may_redeem: false, reason: '已兑完',
})
const CATALOGUE = { balance: 1280, items: [GONE, pointsItem(), COUPON_ITEM, WATER] }
const WASH_CODE = redemption()
const COUPON_DONE = redemption({
  id: 39, item_id: 6, item_name: '满100减10加油券', kind: 'coupon', kind_name: '加油券', points: 1000,
  status: 'issued', status_name: '已发券', code: null, code_text: null, coupon_id: 501,
})

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/points-mall/points-mall')
})

beforeEach(() => {
  wx.setStorageSync(TOKEN_KEY, 'token-1')
})

/** GET /points/catalogue answers `catalogues` in turn; the redemptions answer `answers` in turn. */
const serve = (catalogues = [CATALOGUE], ...answers) =>
  answerRoutes({ 'GET /points/catalogue': [].concat(catalogues).map((c) => (c.statusCode || c.fail ? c : reply(200, c))) },
    ...answers)
const redeems = () => writes()
/** wx.showModal answers confirm (or cancel) for the confirmation, then OK for what follows. */
const confirmWith = (confirm) =>
  wx.showModal.mockImplementation((opts) => {
    const asking = opts.title === '确认兑换'
    if (opts.success) opts.success({ confirm: asking ? confirm : true, cancel: asking ? !confirm : false })
  })

test('asks GET /points/catalogue with the token', async () => {
  serve()
  await openPage(pageId)
  expect(gets('/points/catalogue')[0].header.Authorization).toBe('Bearer token-1')
})

test('logs in first when there is no token', async () => {
  wx.removeStorageSync(TOKEN_KEY)
  answerRoutes({
    'POST /auth/wechat': reply(200, { token: 'token-2', member: { id: 1 } }),
    'GET /points/catalogue': reply(200, CATALOGUE),
  })
  await openPage(pageId)
  expect(gets('/points/catalogue')[0].header.Authorization).toBe('Bearer token-2')
})

test('the balance and each item: kind, points, stock, limit, last day and what it gives', async () => {
  serve()
  const comp = await openPage(pageId)
  expect(text(comp, '#balance')).toBe('1280')
  expect(comp.querySelectorAll('.item')).toHaveLength(4)
  // What may be taken first, then what needs more points, then what is gone (cheapest first within).
  expect(comp.data.items.map((i) => i.id)).toEqual([5, 6, 9, 12])
  const wash = text(comp, '#item-5')
  expect(wash).toContain('洗车')
  expect(wash).toContain('精致洗车一次')
  expect(wash).toContain('限本连锁有洗车服务的油站')
  expect(wash).toContain('300 积分')
  expect(wash).toContain('剩余 42 份 · 每人限兑 2 次，已兑 1 次')
  expect(wash).toContain('2027-12-30 截止兑换')
  expect(wash).toContain('兑换后得到兑换码，到油站柜台出示核销')
  expect(text(comp, '#redeem-5')).toContain('兑换')
  const coupon = text(comp, '#item-6')
  expect(coupon).toContain('加油券')
  expect(coupon).toContain('满100减10')
  expect(coupon).toContain('不限量')
  expect(coupon).toContain('兑换后直接发到「我的优惠券」')
})

test('an item the driver may not take says why on its button: how many points are missing', async () => {
  serve()
  const comp = await openPage(pageId)
  expect(text(comp, '#reason-9')).toBe('还差 720 积分')
  expect(text(comp, '#reason-12')).toBe('已兑完')
  expect(text(comp, '#item-12')).toContain('已兑完')
  expect(comp.querySelector('#redeem-9')).toBeFalsy()
  expect(comp.querySelector('#item-9').dom.className).toContain('item-off')
  tap(comp, '#reason-9')
  await settle()
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(redeems()).toHaveLength(0)
})

test('兑换 asks first; cancelled, nothing is sent', async () => {
  serve()
  confirmWith(false)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(1))
  const asked = wx.showModal.mock.calls[0][0]
  expect(asked.title).toBe('确认兑换')
  expect(asked.content).toBe('用 300 积分兑换「精致洗车一次」，兑换后得到兑换码，到油站柜台出示核销。')
  await settle()
  expect(redeems()).toHaveLength(0)
})

test('a car wash redeemed: the item with a key, then its code page; the catalogue is read again', async () => {
  serve([CATALOGUE, { ...CATALOGUE, balance: 980 }], reply(201, WASH_CODE))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/redemption/redemption?id=41&new=1' }))
  expect(redeems()).toHaveLength(1)
  expect(redeems()[0].url).toMatch(/\/points\/redeem$/)
  expect(redeems()[0].data).toEqual({ item_id: 5 })
  expect(redeems()[0].header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(redeems()[0].header.Authorization).toBe('Bearer token-1')
  await waitFor(() => expect(text(comp, '#balance')).toBe('980'))
})

test('a fuel coupon redeemed says it is in 我的优惠券 and 去看看 opens it', async () => {
  serve([CATALOGUE], reply(201, COUPON_DONE))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-6')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(2))
  const done = wx.showModal.mock.calls[1][0]
  expect(done.title).toBe('兑换成功')
  expect(done.content).toContain('「满100减10加油券」已发到我的优惠券')
  expect(done.confirmText).toBe('去看看')
  expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/coupons/coupons' })
})

test('a redemption lost to the network is sent again with the same key; the next one gets a new key', async () => {
  serve([CATALOGUE], networkDown(), reply(201, WASH_CODE), reply(201, { ...WASH_CODE, id: 42 }))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(2))
  const lost = wx.showModal.mock.calls[1][0]
  expect(lost.title).toBe('没有收到兑换结果')
  expect(lost.content).toContain('网络不给力')
  expect(lost.content).toContain('不会重复扣积分')
  await waitFor(() => expect(comp.data.items.find((i) => i.id === 5).busy).toBe(false))
  expect(text(comp, '#redeem-5')).toContain('兑换')
  tap(comp, '#redeem-5')
  await waitFor(() => expect(redeems()).toHaveLength(2))
  expect(redeems()[1].header['Idempotency-Key']).toBe(redeems()[0].header['Idempotency-Key'])
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledTimes(1))
  tap(comp, '#redeem-5')
  await waitFor(() => expect(redeems()).toHaveLength(3))
  expect(redeems()[2].header['Idempotency-Key']).not.toBe(redeems()[0].header['Idempotency-Key'])
})

test.each([
  ['points_insufficient', '积分不足：兑换「精致洗车一次」需要 300 积分，您现有 120 积分', '积分不足'],
  ['points_item_sold_out', '「精致洗车一次」已兑完', '已兑完'],
  ['points_item_limit_reached', '「精致洗车一次」每人限兑 2 次，您已兑换 2 次', '已达兑换上限'],
  ['points_item_unavailable', '「精致洗车一次」已结束兑换', '暂不可兑换'],
])('a refusal %s shows the API message and reads the catalogue again', async (code, message, reason) => {
  serve([CATALOGUE, { ...CATALOGUE, balance: 120 }], apiError(409, code, message))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(2))
  expect(wx.showModal.mock.calls[1][0]).toEqual(expect.objectContaining({ title: '兑换失败', content: message }))
  await waitFor(() => expect(gets('/points/catalogue')).toHaveLength(2))
  await waitFor(() => expect(text(comp, '#balance')).toBe('120'))
  expect(REFUSED[code]).toBe(reason)
})

test('after a refusal the button says why until the catalogue answers', async () => {
  serve([CATALOGUE, networkDown()], apiError(409, 'points_item_sold_out', '「精致洗车一次」已兑完'))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  await waitFor(() => expect(comp.querySelector('#reason-5')).toBeTruthy())
  expect(text(comp, '#reason-5')).toBe('已兑完')
  // The catalogue could not be read again: the page keeps what it knows and says offline.
  await waitFor(() => expect(comp.querySelector('#offline')).toBeTruthy())
  expect(text(comp, '#reason-5')).toBe('已兑完')
})

test('a double tap sends one redemption', async () => {
  serve([CATALOGUE], reply(201, WASH_CODE))
  confirmWith(true)
  const comp = await openPage(pageId)
  tap(comp, '#redeem-5')
  tap(comp, '#redeem-5')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalled())
  await settle()
  expect(redeems()).toHaveLength(1)
})

test('我的兑换 opens the driver\'s redemptions', async () => {
  serve()
  const comp = await openPage(pageId)
  tap(comp, '#open-redemptions')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/redemptions/redemptions' }))
})

test('nothing on offer shows the empty state', async () => {
  serve([{ balance: 50, items: [] }])
  const comp = await openPage(pageId)
  expect(text(comp, '#empty')).toContain('暂时没有可兑换的商品')
  expect(text(comp, '#balance')).toBe('50')
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
  expect(text(comp, '#balance')).toBe('—')
})

test('offline says so and 重试 loads the catalogue', async () => {
  serve([networkDown(), CATALOGUE])
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
})

test('pull-down refresh reads the catalogue again and stops the spinner', async () => {
  serve([CATALOGUE, { ...CATALOGUE, balance: 1500 }])
  const comp = await openPage(pageId)
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(text(comp, '#balance')).toBe('1500')
})

test('back on the page it reads the catalogue again', async () => {
  serve([CATALOGUE, { ...CATALOGUE, balance: 980 }])
  const comp = await openPage(pageId)
  comp.instance.onShow()
  await waitFor(() => expect(text(comp, '#balance')).toBe('980'))
})

