// 加油下单：加载油站和车辆、默认车辆预填、快捷金额下单（带 Idempotency-Key）、断网重试沿用同一个键、
// 价格明细、钱包支付、微信支付（原样传服务端参数）、余额不足、连点只发一次。
const { loadComponent, simulate, settle } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, requests } = require('./helpers/wx')

const STATION = {
  id: 7,
  name: '昆明北京路加油站',
  city: '昆明',
  address: '盘龙区北京路 1088 号',
  open_now: true,
  fuels: [
    { code: '92', name: '92#汽油', kind: 'gasoline', list_price_fen: 768, member_price_fen: 748 },
    { code: '95', name: '95#汽油', kind: 'gasoline', list_price_fen: 815, member_price_fen: 795 },
    { code: '0', name: '0#柴油', kind: 'diesel', list_price_fen: null, member_price_fen: null },
  ],
  nozzles: [
    { number: 1, fuel_code: '92', fuel_name: '92#汽油' },
    { number: 2, fuel_code: '95', fuel_name: '95#汽油' },
    { number: 3, fuel_code: '95', fuel_name: '95#汽油' },
  ],
  photos: [],
}

const VEHICLES = {
  items: [
    { id: 1, plate: '云A12345', name: '家里的车', fuel: { code: '92', name: '92#汽油' }, is_default: false },
    { id: 2, plate: '云AD67890', name: '', fuel: { code: '95', name: '95#汽油' }, is_default: true },
  ],
  max_vehicles: 5,
}

const ORDER = {
  id: 5021,
  order_no: 'JY2026030818021112345678',
  status: 'created',
  status_name: '待支付',
  station: { id: 7, name: '昆明北京路加油站' },
  fuel: { code: '95', name: '95#汽油' },
  nozzle: null,
  plate: '云AD67890',
  mode: 'amount',
  preset_amount_fen: 20000,
  preset_volume_ml: null,
  list_price_fen: 815,
  unit_price_fen: 785,
  member_price_applied: true,
  pricing: {
    list_price_fen: 815,
    member_price_fen: 795,
    tier_id: 2,
    tier_cut_fen: 10,
    unit_price_fen: 785,
    saving_per_litre_fen: 30,
    saving_fen: null,
    note: '金卡会员价再降0.10元/升',
  },
  amount_fen: 20000,
  payment_method: null,
  paid_fen: 0,
  refunded_fen: 0,
  dispensed_ml: null,
  dispensed_fen: null,
  pickup: null,
  refunds: [],
  created_at: '2026-03-08T18:02:11+08:00',
  expires_at: '2026-03-08T18:17:11+08:00',
  paid_at: null,
  fueled_at: null,
  settled_at: null,
  cancelled_at: null,
}

const PAID = {
  ...ORDER,
  status: 'paid',
  status_name: '已支付，待加油',
  payment_method: 'wallet',
  paid_fen: 20000,
  pickup: { token: 'K7Q2', code: '38170426', qr_url: 'http://x/qr.png', expires_at: '2026-03-09T18:02:40+08:00' },
}

const WECHAT_PAY = {
  appId: 'wx8888888888888888',
  timeStamp: '1772964131',
  nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  package: 'prepay_id=wx201410272009395522657a690389285100',
  signType: 'RSA',
  paySign: 'oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ',
}

const path = (opts) => opts.url.split('?')[0].replace(/^https?:\/\/[^/]+(\/api\/v1)?/, '')
const method = (opts) => (opts.method || 'GET').toUpperCase()

/** Answer the page's GETs; writes answered by `writes` (a list, used in order, last repeats). */
function serve(...writes) {
  let i = 0
  return answerRequests((opts) => {
    if (method(opts) === 'GET') {
      if (/\/stations\/7$/.test(path(opts))) return reply(200, STATION)
      if (/\/vehicles$/.test(path(opts))) return reply(200, VEHICLES)
      return reply(404, { error: { code: 'not_found', message: '不存在' } })
    }
    const w = writes[Math.min(i, writes.length - 1)]
    i += 1
    return typeof w === 'function' ? w(opts) : w
  })
}

const writes = () => requests().filter((r) => method(r) !== 'GET')

async function waitFor(check, ms = 4000) {
  const start = Date.now()
  for (;;) {
    try {
      return check()
    } catch (e) {
      if (Date.now() - start > ms) throw e
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/order/order')
})

beforeEach(() => {
  wx.setNavigationBarTitle = jest.fn()
})

async function open() {
  const comp = simulate.render(pageId)
  comp.attach(document.createElement('parent-wrapper'))
  comp.instance.onLoad({ station_id: '7' })
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  return comp
}

const tap = (comp, sel) => comp.querySelector(sel).dispatchEvent('tap')

async function placed(...writeAnswers) {
  serve(...writeAnswers)
  const comp = await open()
  tap(comp, '#quick-20000')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  return comp
}

test('loads the station and the vehicles in parallel', async () => {
  serve()
  const comp = simulate.render(pageId)
  comp.attach(document.createElement('parent-wrapper'))
  comp.instance.onLoad({ station_id: '7' })
  // Both asked before either answered.
  expect(requests().map((r) => [method(r), path(r)])).toEqual([
    ['GET', '/stations/7'],
    ['GET', '/vehicles'],
  ])
  expect(comp.querySelector('#loading')).toBeTruthy()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(comp.querySelector('#station-name').dom.textContent).toContain('昆明北京路加油站')
  expect(comp.querySelector('#fuel-92').dom.textContent).toContain('会员 ¥7.48/升')
  expect(comp.querySelector('#fuel-0').dom.textContent).toContain('暂无报价')
})

test('the default vehicle is prefilled, with its fuel and that fuel\'s nozzles', async () => {
  serve()
  const comp = await open()
  expect(comp.data.plate).toBe('云AD67890')
  expect(comp.querySelector('#vehicle-2').dom.className).toContain('chip-on')
  expect(comp.querySelector('#vehicle-1').dom.className).not.toContain('chip-on')
  expect(comp.querySelector('#fuel-95').dom.className).toContain('chip-on')
  const nozzles = comp.querySelector('#nozzles').dom.textContent
  expect(nozzles).toContain('任意油枪')
  expect(nozzles).toContain('2号枪')
  expect(nozzles).toContain('3号枪')
  expect(nozzles).not.toContain('1号枪')
})

test('a quick amount and 下单 send the right body with an Idempotency-Key', async () => {
  serve(reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-20000')
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  const sent = writes()[0]
  expect(method(sent)).toBe('POST')
  expect(path(sent)).toMatch(/\/orders$/)
  expect(sent.data).toEqual({ station_id: 7, fuel: '95', mode: 'amount', amount_fen: 20000, plate: '云AD67890' })
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
})

test('a nozzle, another vehicle and a volume go into the body', async () => {
  serve(reply(201, ORDER))
  const comp = await open()
  tap(comp, '#fuel-92')
  await waitFor(() => expect(comp.querySelector('#nozzle-1')).toBeTruthy())
  tap(comp, '#nozzle-1')
  tap(comp, '#vehicle-1')
  tap(comp, '#mode-volume')
  await waitFor(() => expect(comp.querySelector('#volume')).toBeTruthy())
  comp.querySelector('#volume').dispatchEvent('input', { detail: { value: '30.5' } })
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({
    station_id: 7, fuel: '92', nozzle: 1, mode: 'volume', volume_ml: 30500, plate: '云A12345',
  })
})

test('加满 sends mode fill_up without an amount', async () => {
  serve(reply(201, { ...ORDER, mode: 'fill_up' }))
  const comp = await open()
  tap(comp, '#mode-fill')
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({ station_id: 7, fuel: '95', mode: 'fill_up', plate: '云AD67890' })
  await waitFor(() => expect(comp.querySelector('#amount-due').dom.textContent).toContain('预付'))
})

test('a network failure then retry reuses the same key; a new order gets a new key', async () => {
  serve(networkDown(), reply(201, ORDER), reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-20000')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error').dom.textContent).toContain('网络')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  const [first, retry] = writes()
  expect(retry.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
  expect(retry.data).toEqual(first.data)
  tap(comp, '#edit')
  await settle()
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(3))
  expect(writes()[2].header['Idempotency-Key']).not.toBe(first.header['Idempotency-Key'])
})

test('a refusal that is not retryable makes a new key for the next try', async () => {
  serve(apiError(409, 'rejected', '超过本站单笔上限'), reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-50000')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#error').dom.textContent).toContain('超过本站单笔上限'))
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(2))
  expect(writes()[1].header['Idempotency-Key']).not.toBe(writes()[0].header['Idempotency-Key'])
})

test('the server\'s price breakdown is shown before paying', async () => {
  const comp = await placed(reply(201, ORDER))
  const t = (sel) => comp.querySelector(sel).dom.textContent
  expect(t('#list-price')).toContain('¥8.15/升')
  expect(t('#member-price')).toContain('¥7.95/升')
  expect(t('#tier-cut')).toContain('-¥0.10/升')
  expect(t('#note')).toContain('金卡会员价再降0.10元/升')
  expect(t('#unit-price')).toContain('¥7.85/升')
  expect(t('#saving')).toContain('¥0.30/升')
  expect(t('#amount-due')).toContain('¥200.00')
  expect(wx.redirectTo).not.toHaveBeenCalled()
})

test('钱包支付 sends method wallet with its own key and opens the pickup page', async () => {
  const comp = await placed(reply(201, ORDER), reply(200, { order: PAID, wechat_pay: null }))
  tap(comp, '#pay-wallet')
  await waitFor(() => expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/pickup/pickup?order_id=5021' }))
  const [place, pay] = writes()
  expect(path(pay)).toMatch(/\/orders\/5021\/pay$/)
  expect(pay.data).toEqual({ method: 'wallet' })
  expect(pay.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(pay.header['Idempotency-Key']).not.toBe(place.header['Idempotency-Key'])
})

test('微信支付 passes the server\'s parameters to wx.requestPayment exactly', async () => {
  const comp = await placed(reply(201, ORDER), reply(200, { order: ORDER, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.success({ errMsg: 'requestPayment:ok' }))
  tap(comp, '#pay-wechat')
  await waitFor(() => expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/pickup/pickup?order_id=5021' }))
  const pay = writes()[1]
  expect(pay.data).toEqual({ method: 'wechat' })
  expect(wx.requestPayment).toHaveBeenCalledTimes(1)
  const given = wx.requestPayment.mock.calls[0][0]
  const { success, fail, ...params } = given
  expect(typeof success).toBe('function')
  expect(typeof fail).toBe('function')
  expect(params).toEqual(WECHAT_PAY)
})

test('a cancelled WeChat payment stays on the page and says so', async () => {
  const comp = await placed(reply(201, ORDER), reply(200, { order: ORDER, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  tap(comp, '#pay-wechat')
  await waitFor(() => expect(comp.querySelector('#error-message').dom.textContent).toContain('已取消支付'))
  expect(wx.redirectTo).not.toHaveBeenCalled()
})

test('insufficient balance shows the API message and suggests 充值 or 微信支付', async () => {
  const comp = await placed(reply(201, ORDER), apiError(409, 'insufficient_balance', '钱包余额不足'))
  tap(comp, '#pay-wallet')
  await waitFor(() => expect(comp.querySelector('#error-message')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent).toContain('钱包余额不足')
  const hint = comp.querySelector('#low-balance').dom.textContent
  expect(hint).toContain('充值')
  expect(hint).toContain('微信支付')
  expect(comp.querySelector('#pay-wechat')).toBeTruthy()
  expect(wx.redirectTo).not.toHaveBeenCalled()
  tap(comp, '#recharge')
  await waitFor(() => expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/me/me' }))
  expect(wx.navigateTo).not.toHaveBeenCalled()
})

test('a frozen wallet shows the API message as it is', async () => {
  const comp = await placed(reply(201, ORDER), apiError(409, 'wallet_frozen', '钱包已被冻结，请联系油站'))
  tap(comp, '#pay-wallet')
  await waitFor(() => expect(comp.querySelector('#error-message')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent.trim()).toBe('钱包已被冻结，请联系油站')
  expect(comp.querySelector('#low-balance')).toBeFalsy()
})

test('a double tap on 下单 or on 钱包支付 sends once', async () => {
  serve(reply(201, ORDER), reply(200, { order: PAID, wechat_pay: null }))
  const comp = await open()
  tap(comp, '#quick-10000')
  tap(comp, '#place')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  expect(writes()).toHaveLength(1)
  tap(comp, '#pay-wallet')
  tap(comp, '#pay-wallet')
  await waitFor(() => expect(wx.redirectTo).toHaveBeenCalled())
  await settle()
  expect(writes()).toHaveLength(2)
  expect(wx.redirectTo).toHaveBeenCalledTimes(1)
})

test('下单 without an amount says what is missing and sends nothing', async () => {
  serve()
  const comp = await open()
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#error').dom.textContent).toContain('请选择或输入加油金额'))
  expect(writes()).toHaveLength(0)
})

test('a failed load shows the message and retry loads the page', async () => {
  answerRequests(networkDown())
  const comp = simulate.render(pageId)
  comp.attach(document.createElement('parent-wrapper'))
  comp.instance.onLoad({ station_id: '7' })
  await waitFor(() => expect(comp.querySelector('#load-error')).toBeTruthy())
  expect(comp.querySelector('#load-error-message').dom.textContent).toContain('网络')
  serve()
  tap(comp, '#retry')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
})

test('添加车辆 opens the vehicles page; back on the order, the new default vehicle is prefilled', async () => {
  let vehicleList = { items: [], max_vehicles: 5 }
  answerRequests((opts) => {
    if (/\/stations\/7$/.test(path(opts))) return reply(200, STATION)
    return reply(200, vehicleList)
  })
  const comp = await open()
  expect(comp.querySelector('#no-vehicles')).toBeTruthy()
  await comp.instance.onShow() // first show: nothing to refresh
  expect(requests()).toHaveLength(2)
  tap(comp, '#add-vehicle')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/vehicles/vehicles' }))
  vehicleList = VEHICLES
  await comp.instance.onShow()
  expect(path(requests()[2])).toBe('/vehicles')
  expect(comp.data.plate).toBe('云AD67890')
  expect(comp.querySelector('#vehicle-2').dom.className).toContain('chip-on')
})

test('back from the vehicles page, 不登记车牌 chosen among vehicles stays as it was', async () => {
  serve()
  const comp = await open()
  tap(comp, '#vehicle-none')
  tap(comp, '#add-vehicle')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalled())
  expect(comp.data.plate).toBe('')
  await comp.instance.onShow()
  expect(requests()).toHaveLength(3)
  expect(comp.data.plate).toBe('')
})
