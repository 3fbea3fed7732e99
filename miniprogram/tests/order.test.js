// 加油下单：加载油站和车辆、默认车辆预填、快捷金额下单（带 Idempotency-Key）、断网重试沿用同一个键、
// 价格明细、钱包支付、微信支付（原样传服务端参数）、余额不足、连点只发一次。下单前先等本单的优惠券
// （这里没有可用的券：带 coupon_id none 和看到的应付；等券见 order-coupons.test.js）。
const { loadComponent, mount, settle, waitFor, openPage, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, answerRoutes, requests, path, method, writes, gets } = require('./helpers/wx')
const { order, PAID: FIXTURE_PAID, WECHAT_PAY } = require('./helpers/fixtures')

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

// The order placed: 95# for the default vehicle, no nozzle chosen.
const PLACED = {
  fuel: { code: '95', name: '95#汽油' },
  nozzle: null,
  plate: '云AD67890',
  list_price_fen: 815,
  unit_price_fen: 785,
  pricing: { ...order().pricing, list_price_fen: 815, member_price_fen: 795, unit_price_fen: 785 },
}
const ORDER = order(PLACED)
const PAID = { ...FIXTURE_PAID, ...PLACED }

// The coupons for the order: none usable, ¥200.00 to pay.
const NO_COUPONS = {
  pricing: {
    volume_ml: 25160, at_list_fen: 20505, member_saving_fen: 505, value_fen: 20000,
    coupon_fen: 0, pay_fen: 20000, saving_fen: 505, final: false,
  },
  suggested_coupon_id: null,
  coupons: [],
  unusable: [],
}
const NONE = { coupon_id: 'none', expected_amount_fen: 20000 }

/** Answer the page's GETs; writes answered in order (the last repeats). */
const serve = (...writeAnswers) =>
  answerRoutes(
    {
      'GET /stations/7': reply(200, STATION),
      'GET /vehicles': reply(200, VEHICLES),
      'GET /orders/coupons': reply(200, NO_COUPONS),
    },
    ...writeAnswers,
  )

/** The coupons for the form as it is are shown (下单 waits for them). */
const quoted = (comp) => waitFor(() => expect(comp.data.couponState).toBe('ready'))

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/order/order')
})

const open = () => openPage(pageId, { station_id: '7' })

async function placed(...writeAnswers) {
  serve(...writeAnswers)
  const comp = await open()
  tap(comp, '#quick-20000')
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  return comp
}

test('loads the station and the vehicles in parallel', async () => {
  serve()
  const comp = mount(pageId)
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
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  const sent = writes()[0]
  expect(method(sent)).toBe('POST')
  expect(path(sent)).toMatch(/\/orders$/)
  expect(sent.data).toEqual({
    station_id: 7, fuel: '95', mode: 'amount', amount_fen: 20000, plate: '云AD67890', ...NONE,
  })
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
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({
    station_id: 7, fuel: '92', nozzle: 1, mode: 'volume', volume_ml: 30500, plate: '云A12345', ...NONE,
  })
})

test('加满 sends mode fill_up without an amount', async () => {
  serve(reply(201, { ...ORDER, mode: 'fill_up' }))
  const comp = await open()
  tap(comp, '#mode-fill')
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({ station_id: 7, fuel: '95', mode: 'fill_up', plate: '云AD67890', ...NONE })
  await waitFor(() => expect(comp.querySelector('#amount-due').dom.textContent).toContain('预付'))
})

test('a network failure then retry reuses the same key; a new order gets a new key', async () => {
  serve(networkDown(), reply(201, ORDER), reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-20000')
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error').dom.textContent).toContain('网络')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  const [first, retry] = writes()
  expect(retry.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
  expect(retry.data).toEqual(first.data)
  await settle()
  tap(comp, '#edit')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeFalsy())
  await quoted(comp)
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(3))
  expect(writes()[2].header['Idempotency-Key']).not.toBe(first.header['Idempotency-Key'])
})

test('a refusal that is not retryable makes a new key for the next try', async () => {
  serve(apiError(409, 'rejected', '超过本站单笔上限'), reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-50000')
  await quoted(comp)
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
  await quoted(comp)
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

test('another vehicle is the same order: the coupons shown stand and are not asked again', async () => {
  serve(reply(201, ORDER))
  const comp = await open()
  tap(comp, '#quick-20000')
  await quoted(comp)
  expect(gets('/orders/coupons')).toHaveLength(1)
  tap(comp, '#vehicle-1')
  await waitFor(() => expect(comp.data.plate).toBe('云A12345'))
  expect(comp.data.couponState).toBe('ready')
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(gets('/orders/coupons')).toHaveLength(1)
  expect(writes()[0].data).toMatchObject({ plate: '云A12345', ...NONE })
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
  const comp = mount(pageId)
  comp.instance.onLoad({ station_id: '7' })
  await waitFor(() => expect(comp.querySelector('#load-error')).toBeTruthy())
  expect(comp.querySelector('#load-error-message').dom.textContent).toContain('网络')
  serve()
  tap(comp, '#retry')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
})

test('添加车辆 opens the vehicles page; back on the order, the new default vehicle is prefilled', async () => {
  let vehicleList = { items: [], max_vehicles: 5 }
  answerRoutes({ 'GET /stations/7': reply(200, STATION), 'GET /vehicles': () => reply(200, vehicleList) })
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
