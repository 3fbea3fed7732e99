// 下单页的优惠券：表单填好后查本单可用的券（带油站、油枪或油品、方式和金额），预选推荐的券，
// 换券或不用券时应付随之变化、下单带上 coupon_id 和 expected_amount_fen；价格变了（409）重新查券并提示；
// 下单后的价格明细里显示用的券。下单等券：券没查到之前下单按钮转圈、点了不发；查券失败或超时，
// 清楚地说本单不用券，下单带 coupon_id none；迟到的答案照样显示。
const { loadComponent, openPage, waitFor, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRoutes, gets, writes, parseRequest, path } = require('./helpers/wx')
const { timing } = require('../pages/order/coupons')
const { order } = require('./helpers/fixtures')

const STATION = {
  id: 7,
  name: '昆明北京路加油站',
  fuels: [{ code: '92', name: '92#汽油', kind: 'gasoline', list_price_fen: 768, member_price_fen: 748 }],
  nozzles: [{ number: 1, fuel_code: '92', fuel_name: '92#汽油' }],
  photos: [],
}
const VEHICLES = { items: [], max_vehicles: 5 }

const PRICING = {
  volume_ml: 27100, at_list_fen: 20813, member_saving_fen: 813, value_fen: 20000,
  coupon_fen: 0, pay_fen: 20000, saving_fen: 813, final: false,
}
const option = (over) => ({
  kind: 'amount_off', scope: '全部油站、全部油品可用', valid_until: '2026-12-12T00:00:00+08:00', suggested: false, ...over,
})
const QUOTE = {
  pricing: PRICING,
  suggested_coupon_id: 501,
  coupons: [
    option({ id: 501, name: '周末加油满减', rule: '满100减10', saving_fen: 1000, pay_fen: 19000, suggested: true }),
    option({ id: 503, name: '新人券', rule: '满50减5', saving_fen: 500, pay_fen: 19500 }),
  ],
  unusable: [option({ id: 502, name: '大额满减', rule: '满300减30', reason: '满300元可用，本单还差100元' })],
}
const COUPON = { id: 501, name: '周末加油满减', rule: '满100减10', status: 'held', status_name: '已锁定', saving_fen: 1000 }
const ORDER = order({ amount_fen: 19000, bill: { ...PRICING, coupon_fen: 1000, pay_fen: 19000 }, coupon: COUPON })

const serve = (quotes, ...writeAnswers) =>
  answerRoutes(
    { 'GET /stations/7': reply(200, STATION), 'GET /vehicles': reply(200, VEHICLES), 'GET /orders/coupons': quotes },
    ...writeAnswers,
  )

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/order/order')
})

const text = (comp, sel) => comp.querySelector(sel).dom.textContent

/** The page with ¥200 chosen and the coupons shown. */
async function quoted(quotes, ...writeAnswers) {
  serve(quotes, ...writeAnswers)
  const comp = await openPage(pageId, { station_id: '7' })
  tap(comp, '#quick-20000')
  await waitFor(() => expect(comp.data.couponState).toBe('ready'))
  return comp
}

test('the coupons are asked for the order as composed, the suggested one preselected', async () => {
  const comp = await quoted([reply(200, QUOTE)])
  expect(gets('/orders/coupons')).toHaveLength(1)
  expect(parseRequest(gets('/orders/coupons')[0]).query).toEqual({
    station_id: '7', fuel: '92', mode: 'amount', amount_fen: '20000',
  })
  expect(text(comp, '#coupon-chosen')).toContain('满100减10')
  expect(text(comp, '#coupon-chosen')).toContain('-¥10.00')
  expect(text(comp, '#quote-coupon')).toContain('-¥10.00')
  expect(text(comp, '#quote-pay')).toContain('应付')
  expect(text(comp, '#quote-pay')).toContain('¥190.00')
  // A nozzle chosen: asked again (once, after the pause) with the nozzle instead of the fuel.
  tap(comp, '#nozzle-1')
  await waitFor(() => expect(gets('/orders/coupons')).toHaveLength(2))
  expect(parseRequest(gets('/orders/coupons')[1]).query).toEqual({
    station_id: '7', nozzle: '1', mode: 'amount', amount_fen: '20000',
  })
})

test('the picker lists the usable ones, 不使用优惠券 and the unusable ones with the reason', async () => {
  const comp = await quoted([reply(200, QUOTE)], reply(201, ORDER))
  tap(comp, '#coupon-row')
  await waitFor(() => expect(comp.querySelector('#coupon-picker')).toBeTruthy())
  expect(text(comp, '#coupon-503')).toContain('-¥5.00')
  expect(comp.querySelector('#unusable-502').dom.className).toContain('option-off')
  expect(text(comp, '#unusable-502')).toContain('满300元可用，本单还差100元')
  tap(comp, '#coupon-503')
  await waitFor(() => expect(text(comp, '#quote-pay')).toContain('¥195.00'))
  expect(comp.querySelector('#coupon-picker')).toBeFalsy()
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({
    station_id: 7, fuel: '92', mode: 'amount', amount_fen: 20000, coupon_id: 503, expected_amount_fen: 19500,
  })
})

test('不使用优惠券 pays the price without a coupon and sends coupon_id none', async () => {
  const comp = await quoted([reply(200, QUOTE)], reply(201, order({ coupon: null })))
  tap(comp, '#coupon-row')
  await waitFor(() => expect(comp.querySelector('#coupon-none')).toBeTruthy())
  tap(comp, '#coupon-none')
  await waitFor(() => expect(text(comp, '#coupon-chosen')).toContain('不使用优惠券'))
  expect(text(comp, '#quote-pay')).toContain('¥200.00')
  expect(comp.querySelector('#quote-coupon')).toBeFalsy()
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toMatchObject({ coupon_id: 'none', expected_amount_fen: 20000 })
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  expect(comp.querySelector('#placed-coupon')).toBeFalsy()
})

test('no usable coupon says 无可用优惠券', async () => {
  const none = { ...QUOTE, suggested_coupon_id: null, coupons: [], unusable: [] }
  const comp = await quoted([reply(200, none)])
  expect(text(comp, '#coupon-chosen')).toContain('无可用优惠券')
  expect(text(comp, '#quote-pay')).toContain('¥200.00')
})

test('a price changed meanwhile asks the coupons again and shows the new amount with the message', async () => {
  const dearer = {
    ...QUOTE,
    pricing: { ...PRICING, value_fen: 20000, pay_fen: 20000 },
    coupons: [option({ id: 501, name: '周末加油满减', rule: '满100减10', saving_fen: 1000, pay_fen: 19100, suggested: true })],
  }
  const comp = await quoted(
    [reply(200, QUOTE), reply(200, dearer)],
    apiError(409, 'price_changed', '价格已变动，本单应付191.00元，请确认后再下单'),
    reply(201, ORDER),
  )
  tap(comp, '#place')
  await waitFor(() => expect(text(comp, '#quote-pay')).toContain('¥191.00'))
  expect(text(comp, '#error')).toContain('价格已变动')
  expect(comp.querySelector('#breakdown')).toBeFalsy()
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(2))
  expect(writes()[0].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 19000 })
  expect(writes()[1].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 19100 })
  expect(writes()[1].header['Idempotency-Key']).not.toBe(writes()[0].header['Idempotency-Key'])
})

test('the placed order shows its coupon and the amount after it', async () => {
  const comp = await quoted([reply(200, QUOTE)], reply(201, ORDER))
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  expect(text(comp, '#placed-coupon')).toContain('满100减10')
  expect(text(comp, '#placed-coupon')).toContain('-¥10.00')
  expect(text(comp, '#amount-due')).toContain('¥190.00')
})

/** Hold the answers to GET /orders/coupons until release(answer) (the others as programmed). */
function holdCoupons() {
  const routed = wx.request.getMockImplementation()
  const waiting = []
  wx.request.mockImplementation((opts) => {
    if (path(opts) !== '/orders/coupons') return routed(opts)
    waiting.push(opts)
    return { abort: jest.fn() }
  })
  return {
    waiting,
    release(answer) {
      const opts = waiting.shift()
      opts.success({ header: {}, ...answer })
    },
  }
}

test('下单 waits for the coupons: it sends nothing until the coupons and the amount are shown', async () => {
  serve([reply(200, QUOTE)], reply(201, ORDER))
  const held = holdCoupons()
  const comp = await openPage(pageId, { station_id: '7' })
  expect(text(comp, '#bar-sum')).toContain('填好加多少后显示应付')
  tap(comp, '#quick-20000')
  // Tapped at once, before the pause is over and the coupons are asked: nothing is sent.
  tap(comp, '#place')
  await waitFor(() => expect(comp.data.couponState).toBe('loading'))
  expect(gets('/orders/coupons')).toHaveLength(0)
  expect(text(comp, '#bar-sum')).toContain('正在计算应付金额')
  expect(text(comp, '#coupon-loading')).toContain('正在查询可用的券')
  await waitFor(() => expect(held.waiting).toHaveLength(1))
  tap(comp, '#place')
  expect(writes()).toHaveLength(0)
  expect(comp.querySelector('#breakdown')).toBeFalsy()
  held.release(reply(200, QUOTE))
  await waitFor(() => expect(comp.data.couponState).toBe('ready'))
  expect(text(comp, '#bar-pay')).toBe('¥190.00')
  expect(text(comp, '#bar-sum')).toContain('用券省 ¥10.00')
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 19000 })
})

test('another amount while the coupons load: 下单 waits for the new answer, the old one is dropped', async () => {
  serve([reply(200, QUOTE)], reply(201, ORDER))
  const held = holdCoupons()
  const comp = await openPage(pageId, { station_id: '7' })
  tap(comp, '#quick-20000')
  await waitFor(() => expect(held.waiting).toHaveLength(1))
  tap(comp, '#quick-30000')
  await waitFor(() => expect(comp.data.amountFen).toBe(30000))
  expect(comp.data.couponState).toBe('loading')
  held.release(reply(200, QUOTE)) // for ¥200: no longer the form
  await waitFor(() => expect(held.waiting).toHaveLength(1))
  expect(comp.data.couponState).toBe('loading')
  tap(comp, '#place')
  expect(writes()).toHaveLength(0)
  const dearer = { ...QUOTE, pricing: { ...PRICING, value_fen: 30000, pay_fen: 30000 },
    coupons: [option({ id: 501, name: '周末加油满减', rule: '满100减10', saving_fen: 1000, pay_fen: 29000 })] }
  held.release(reply(200, dearer))
  await waitFor(() => expect(text(comp, '#quote-pay')).toContain('¥290.00'))
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toMatchObject({ amount_fen: 30000, coupon_id: 501, expected_amount_fen: 29000 })
})

test('the coupons failing: the row says the order goes without a coupon and 下单 sends coupon_id none', async () => {
  serve([networkDown(), reply(200, QUOTE)], reply(201, order({ coupon: null })))
  const comp = await openPage(pageId, { station_id: '7' })
  tap(comp, '#quick-20000')
  await waitFor(() => expect(comp.data.couponState).toBe('error'))
  expect(text(comp, '#coupon-failed')).toContain('未能查到')
  expect(text(comp, '#coupon-note')).toContain('网络')
  expect(text(comp, '#coupon-fallback')).toContain('本单将不使用优惠券')
  expect(text(comp, '#bar-sum')).toContain('不使用优惠券')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  // No amount was shown to confirm: the breakdown shows it before paying.
  expect(writes()[0].data).toEqual({ station_id: 7, fuel: '92', mode: 'amount', amount_fen: 20000, coupon_id: 'none' })
  expect(text(comp, '#amount-due')).toContain('¥200.00')
})

test('重新查询优惠券 after a failure asks again and shows the suggested coupon', async () => {
  serve([apiError(503, 'unavailable', '服务暂时不可用，请稍后重试'), reply(200, QUOTE)], reply(201, ORDER))
  const comp = await openPage(pageId, { station_id: '7' })
  tap(comp, '#quick-20000')
  await waitFor(() => expect(text(comp, '#coupon-note')).toContain('服务暂时不可用'))
  tap(comp, '#coupon-retry')
  await waitFor(() => expect(text(comp, '#coupon-chosen')).toContain('满100减10'))
  expect(gets('/orders/coupons')).toHaveLength(2)
  expect(comp.querySelector('#coupon-fallback')).toBeFalsy()
  tap(comp, '#place')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 19000 })
})

describe('no answer in time', () => {
  const waitMs = timing.waitMs
  beforeEach(() => {
    timing.waitMs = 100
  })
  afterEach(() => {
    timing.waitMs = waitMs
  })

  test('after the wait 下单 goes without a coupon; an answer coming later still shows', async () => {
    serve([reply(200, QUOTE)], reply(201, ORDER))
    const held = holdCoupons()
    const comp = await openPage(pageId, { station_id: '7' })
    tap(comp, '#quick-20000')
    await waitFor(() => expect(held.waiting).toHaveLength(1))
    await waitFor(() => expect(comp.data.couponState).toBe('error'))
    expect(text(comp, '#coupon-note')).toContain('优惠券查询超时')
    expect(text(comp, '#coupon-fallback')).toContain('本单将不使用优惠券')
    // Late, but for this very form: shown, and 下单 then takes the coupon.
    held.release(reply(200, QUOTE))
    await waitFor(() => expect(comp.data.couponState).toBe('ready'))
    expect(text(comp, '#coupon-chosen')).toContain('满100减10')
    tap(comp, '#place')
    await waitFor(() => expect(writes()).toHaveLength(1))
    expect(writes()[0].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 19000 })
  })

  test('tapped after the wait, the order is placed with coupon_id none', async () => {
    serve([reply(200, QUOTE)], reply(201, order({ coupon: null })))
    const held = holdCoupons()
    const comp = await openPage(pageId, { station_id: '7' })
    tap(comp, '#quick-20000')
    await waitFor(() => expect(comp.data.couponState).toBe('error'))
    tap(comp, '#place')
    await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
    expect(writes()[0].data).toMatchObject({ coupon_id: 'none' })
    expect(writes()[0].data.expected_amount_fen).toBeUndefined()
    // The answer that comes after the order was placed changes nothing on it.
    held.release(reply(200, QUOTE))
    await waitFor(() => expect(held.waiting).toHaveLength(0))
    expect(comp.querySelector('#placed-coupon')).toBeFalsy()
  })
})

// 活动：会员日每升再降已含在油款里（显示省下的），满额立减从油款里减，券在活动之后减。
const CAMPAIGNS = [
  { id: 12, name: '周三会员日', cut_per_litre_fen: 30, saving_fen: 839 },
  { id: 15, name: '92#满200减10', cut_per_litre_fen: null, saving_fen: 1000 },
]

test('the campaigns are shown with what each saved, before the coupon, the amount after both', async () => {
  const pricing = { ...PRICING, campaign_fen: 1839, campaigns: CAMPAIGNS, pay_fen: 19000 }
  const withCampaigns = {
    ...QUOTE,
    pricing,
    coupons: [option({ id: 501, name: '周末加油满减', rule: '满100减10', saving_fen: 1000, pay_fen: 18000, suggested: true })],
  }
  const placed = order({
    amount_fen: 18000,
    // 7.48 - 0.10 (金卡) - 0.30 (会员日) = 7.08 元/L
    pricing: { ...order().pricing, campaign_cut_fen: 30, unit_price_fen: 708, saving_per_litre_fen: 60 },
    bill: { ...pricing, coupon_fen: 1000, pay_fen: 18000 },
    coupon: COUPON,
  })
  const comp = await quoted([reply(200, withCampaigns)], reply(201, placed))
  expect(text(comp, '#quote-campaign-12')).toContain('周三会员日（每升再降¥0.30）')
  expect(text(comp, '#quote-campaign-12')).toContain('省¥8.39')
  expect(text(comp, '#quote-campaign-15')).toContain('-¥10.00')
  expect(text(comp, '#quote-pay')).toContain('¥180.00')
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  expect(writes()[0].data).toMatchObject({ coupon_id: 501, expected_amount_fen: 18000 })
  expect(text(comp, '#placed-campaign-15')).toContain('92#满200减10')
  // Per litre the members' day comes between the tier's cut and the unit price; the 油款 the
  // campaign and the coupon come off is shown: 200.00 - 10.00 - 10.00 = 180.00.
  expect(text(comp, '#day-cut')).toContain('会员日优惠')
  expect(text(comp, '#day-cut')).toContain('-¥0.30/升')
  expect(text(comp, '#unit-price')).toContain('¥7.08/升')
  expect(text(comp, '#placed-value')).toContain('¥200.00')
  expect(text(comp, '#amount-due')).toContain('¥180.00')
})

test('an order with nothing off its 油款 shows no 油款 line and no members\' day', async () => {
  const comp = await quoted([reply(200, { ...QUOTE, suggested_coupon_id: null })], reply(201, order({ bill: PRICING })))
  tap(comp, '#place')
  await waitFor(() => expect(comp.querySelector('#breakdown')).toBeTruthy())
  expect(comp.querySelector('#placed-value')).toBeFalsy()
  expect(comp.querySelector('#day-cut')).toBeFalsy()
  expect(text(comp, '#amount-due')).toContain('¥200.00')
})
