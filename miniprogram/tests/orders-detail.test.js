// 订单详情：状态、价格明细、退款、小票；取消（确认、Idempotency-Key、重新渲染、断网重试用同一个键）；去取油；
// 申请退款（能申请时的按钮和说明、申请的状态、不能申请的原因）。
const { loadComponent, mount, settle, waitFor, openPage, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, requests } = require('./helpers/wx')
const { SETTLED, REFUND_ASKED, refundRequest, PAID: FIXTURE_PAID } = require('./helpers/fixtures')

const PAID = { ...FIXTURE_PAID, id: 21, nozzle: null }
const CANCELLED = {
  ...PAID,
  status: 'cancelled',
  status_name: '已取消',
  pickup: null,
  refunded_fen: 20000,
  cancelled_at: '2026-11-29T18:05:00+08:00',
  refunds: [
    { amount_fen: 20000, method: 'wallet', kind: 'cancel', status: 'PROCESSING', followup: null, reason: '司机取消订单，全额退款', created_at: '2026-11-29T18:05:00+08:00', finished_at: null },
  ],
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/order-detail/order-detail')
})

const opened = (body) => openPage(pageId, { id: String(body.id) })

test('asks GET /orders/{id} and shows status, station, fuel, nozzle, plate', async () => {
  answerRequests(reply(200, SETTLED))
  const comp = await opened(SETTLED)
  expect(requests()).toHaveLength(1)
  expect(requests()[0].url.split('?')[0]).toMatch(/\/orders\/5021$/)
  expect(text(comp, '#status')).toContain('已完成')
  expect(text(comp, '#station')).toContain('昆明北京路加油站')
  expect(text(comp, '#fuel')).toContain('92#汽油')
  expect(text(comp, '#nozzle')).toContain('2号枪')
  expect(text(comp, '#plate')).toContain('云A12345')
  expect(comp.querySelector('#cancel')).toBeFalsy()
  expect(comp.querySelector('#pickup')).toBeFalsy()
})

test('shows the price breakdown, paid, dispensed and the refunds', async () => {
  answerRequests(reply(200, SETTLED))
  const comp = await opened(SETTLED)
  const pricing = text(comp, '#pricing')
  for (const s of ['¥7.68/升', '¥7.48/升', '-¥0.10/升', '金卡会员价再降0.10元/升', '¥7.38/升', '¥0.30/升', '¥7.50', '¥200.00', '¥15.50']) {
    expect(pricing).toContain(s)
  }
  expect(text(comp, '#paid')).toContain('¥200.00')
  expect(text(comp, '#paid')).toContain('钱包')
  expect(text(comp, '#dispensed')).toContain('25.00 升')
  expect(text(comp, '#dispensed')).toContain('¥184.50')
  const refunds = text(comp, '#refunds')
  expect(refunds).toContain('加油差额退款')
  expect(refunds).toContain('¥15.50')
  expect(refunds).toContain('已到账')
})

test('the receipt shows station, time, fuel, litres, unit price, amount, payment, saving and order number', async () => {
  answerRequests(reply(200, SETTLED))
  const comp = await opened(SETTLED)
  expect(comp.querySelector('#receipt')).toBeFalsy()
  comp.querySelector('#receipt-toggle').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#receipt')).toBeTruthy())
  const receipt = text(comp, '#receipt')
  for (const s of ['昆明北京路加油站', '11-29 18:19', '92#汽油', '25.00 升', '¥7.38/升', '¥184.50', '钱包 ¥200.00', '¥7.50', 'JY2026112918021100005021']) {
    expect(receipt).toContain(s)
  }
})

test('a paid order offers 去取油, which opens the pickup page', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened(PAID)
  expect(text(comp, '#nozzle')).toContain('任意油枪')
  comp.querySelector('#pickup').dispatchEvent('tap')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/pickup/pickup?order_id=21' }))
})

test('a paid order is cancelled with its money back; a fuelled one points to the station', async () => {
  answerRequests(reply(200, PAID))
  const paid = await opened(PAID)
  expect(text(paid, '#cancel')).toContain('取消并退款')
  expect(paid.querySelector('#ask-station')).toBeFalsy()

  answerRequests(reply(200, SETTLED))
  const settled = await opened(SETTLED)
  expect(text(settled, '#ask-station')).toContain('加油金额有疑问？')
  settled.querySelector('#ask-station').dispatchEvent('tap')
  await waitFor(() => expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/station/station?id=7' }))
})

test('cancel asks to confirm first; 再想想 sends nothing', async () => {
  answerRequests(reply(200, PAID))
  const comp = await opened(PAID)
  wx.showModal.mockImplementationOnce((opts) => opts.success({ confirm: false, cancel: true }))
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(1))
  expect(wx.showModal.mock.calls[0][0].content).toContain('¥200.00')
  await settle()
  expect(requests()).toHaveLength(1)
})

test('confirmed cancel sends POST /orders/{id}/cancel with an Idempotency-Key and re-renders', async () => {
  answerRequests(reply(200, PAID), reply(200, CANCELLED))
  const comp = await opened(PAID)
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(text(comp, '#status')).toContain('已取消'))
  const post = requests()[1]
  expect(post.method).toBe('POST')
  expect(post.url).toMatch(/\/orders\/21\/cancel$/)
  expect(post.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(text(comp, '#refunds')).toContain('取消订单退款')
  expect(text(comp, '#refunds')).toContain('退款中')
  expect(comp.querySelector('#cancel')).toBeFalsy()
  expect(comp.querySelector('#pickup')).toBeFalsy()
})

test('a network failure on cancel shows the message; the retry reuses the same key', async () => {
  answerRequests(reply(200, PAID), networkDown(), reply(200, CANCELLED))
  const comp = await opened(PAID)
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(2))
  expect(wx.showModal.mock.calls[1][0].content).toContain('网络不给力')
  expect(text(comp, '#status')).toContain('已支付，待加油')
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(text(comp, '#status')).toContain('已取消'))
  const [first, second] = requests().slice(1)
  expect(second.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
})

test('a refused cancel shows the API message and the next try uses a new key', async () => {
  answerRequests(
    reply(200, PAID),
    apiError(409, 'conflict', '订单已开始加油，不能取消'),
    reply(200, PAID),
    reply(200, CANCELLED),
  )
  const comp = await opened(PAID)
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalledTimes(2))
  expect(wx.showModal.mock.calls[1][0].content).toBe('订单已开始加油，不能取消')
  await waitFor(() => expect(requests()).toHaveLength(3)) // reloaded after the refusal
  comp.querySelector('#cancel').dispatchEvent('tap')
  await waitFor(() => expect(text(comp, '#status')).toContain('已取消'))
  expect(requests()[3].header['Idempotency-Key']).not.toBe(requests()[1].header['Idempotency-Key'])
})

test('an order that is not the driver’s shows the API message; offline offers 重试', async () => {
  answerRequests(apiError(404, 'not_found', '订单不存在'))
  const comp = mount(pageId)
  comp.instance.onLoad({ id: '99' })
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error-message')).toContain('订单不存在')

  answerRequests(networkDown(), reply(200, SETTLED))
  const again = mount(pageId)
  again.instance.onLoad({ id: '5021' })
  await waitFor(() => expect(again.querySelector('#retry')).toBeTruthy())
  again.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(again.data.state).toBe('ready'))
})

test('a walk-in sale paid at the counter says how: cash, bank card or the station terminal', async () => {
  for (const [method, name] of [['cash', '现金'], ['pos', '银行卡'], ['terminal', '扫码支付']]) {
    const counter = { ...SETTLED, payment_method: method, refunds: [] }
    answerRequests(reply(200, counter))
    const comp = await opened(counter)
    expect(text(comp, '#paid')).toContain(name)
  }
})

test('an order with a coupon shows its name, rule, state and saving; one without shows none', async () => {
  const withCoupon = {
    ...PAID,
    amount_fen: 19000,
    coupon: { id: 501, name: '周末加油满减', rule: '满100减10', status: 'used', status_name: '已使用', saving_fen: 1000 },
  }
  answerRequests(reply(200, withCoupon))
  const comp = await opened(withCoupon)
  const coupon = text(comp, '#coupon')
  for (const s of ['周末加油满减', '满100减10', '已使用', '-¥10.00']) expect(coupon).toContain(s)
  expect(text(comp, '#pricing')).toContain('¥190.00')
  answerRequests(reply(200, PAID))
  const plain = await opened(PAID)
  expect(plain.querySelector('#coupon')).toBeFalsy()
})

test('the campaigns: the members\' day per litre and as saved, 满减 and the coupon off the 油款', async () => {
  // 30.00 L at 7.48 - 0.10 - 0.30 = 7.08: 油款 212.40 - 满200减10 10.00 - 券 10.00 = 192.40.
  const withCampaigns = {
    ...SETTLED,
    refunded_fen: 0,
    refunds: [],
    pricing: { ...SETTLED.pricing, campaign_cut_fen: 30, unit_price_fen: 708, saving_per_litre_fen: 60, saving_fen: 3800 },
    amount_fen: 19240,
    paid_fen: 19240,
    dispensed_ml: 30000,
    dispensed_fen: 19240,
    bill: {
      volume_ml: 30000, at_list_fen: 23040, member_saving_fen: 900, value_fen: 21240, campaign_fen: 1900,
      campaigns: [
        { id: 12, name: '周三会员日', cut_per_litre_fen: 30, saving_fen: 900 },
        { id: 15, name: '92#满200减10', cut_per_litre_fen: null, saving_fen: 1000 },
      ],
      coupon_fen: 1000, pay_fen: 19240, saving_fen: 3800, final: true,
    },
    coupon: { id: 501, name: '加油满减券', rule: '满100减10', status: 'used', status_name: '已使用', saving_fen: 1000 },
  }
  answerRequests(reply(200, withCampaigns))
  const comp = await opened(withCampaigns)
  expect(text(comp, '#day-cut')).toContain('-¥0.30/升')
  expect(text(comp, '#value')).toContain('¥212.40')
  expect(text(comp, '#campaign-12')).toContain('周三会员日（每升再降¥0.30）')
  expect(text(comp, '#campaign-12')).toContain('省¥9.00')
  expect(text(comp, '#campaign-15')).toContain('-¥10.00')
  expect(text(comp, '#coupon')).toContain('-¥10.00')
  expect(text(comp, '#dispensed')).toContain('¥192.40')
  // Nothing off the 油款: no 油款 line (it is the amount), no members' day.
  answerRequests(reply(200, SETTLED))
  const plain = await opened(SETTLED)
  expect(plain.querySelector('#value')).toBeFalsy()
  expect(plain.querySelector('#day-cut')).toBeFalsy()
})

test('a settled order offers 申请退款 with how much and until when, which opens the form', async () => {
  answerRequests(reply(200, SETTLED))
  const comp = await opened(SETTLED)
  expect(text(comp, '#request-refund')).toContain('申请退款')
  expect(text(comp, '#refund-hint')).toBe('可申请退款，最多 ¥184.50，12-06 18:20 前，由油站审核后原路退回')
  expect(comp.querySelector('#refund-requests')).toBeFalsy()
  comp.querySelector('#request-refund').dispatchEvent('tap')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/refund-request/refund-request?id=5021' }),
  )
})

test('coming back from the form shows the request waiting, and no second 申请退款', async () => {
  answerRequests(reply(200, SETTLED), reply(200, REFUND_ASKED))
  const comp = await opened(SETTLED)
  comp.instance.onShow()
  await waitFor(() => expect(comp.querySelector('#refund-requests')).toBeTruthy())
  const asked = text(comp, '#refund-request-31')
  for (const s of ['申请退款 ¥30.00', '待处理', '未加到油或加油量不符：油机显示 25 升，实际只加了约 21 升', '11-30 09:12']) {
    expect(asked).toContain(s)
  }
  expect(comp.querySelector('#request-refund')).toBeFalsy()
  expect(text(comp, '#refund-hint')).toBe('该订单已有待处理的退款申请，请等待油站处理')
})

test('a decided request shows 已退款 with the refund, or 已驳回 with the station’s reason', async () => {
  const decided = {
    ...SETTLED,
    refund_requests: [
      refundRequest({ id: 31, status: 'rejected', status_name: '已驳回', reject_reason: '油机记录显示加满 25 升', decided_at: '2026-11-30T15:02:00+08:00' }),
      refundRequest({ id: 32, amount_fen: 1000, status: 'sent', status_name: '已退款', refund_status: 'SUCCESS', reason_code: 'duplicate', reason_name: '重复支付', note: '', decided_at: '2026-12-01T10:00:00+08:00' }),
    ],
  }
  answerRequests(reply(200, decided))
  const comp = await opened(decided)
  const rejected = text(comp, '#refund-request-31')
  for (const s of ['已驳回', '驳回原因：油机记录显示加满 25 升', '11-30 15:02']) expect(rejected).toContain(s)
  const sent = text(comp, '#refund-request-32')
  for (const s of ['申请退款 ¥10.00', '已退款，已到账', '重复支付']) expect(sent).toContain(s)
  expect(sent).not.toContain('驳回原因')
})

test('past the window the order says why and offers the station instead', async () => {
  const late = {
    ...SETTLED,
    can_request_refund: false,
    refundable_fen: 0,
    refund_request_hint: '已超过申请期限：加油完成后 7 天内可申请退款，请联系油站',
  }
  answerRequests(reply(200, late))
  const comp = await opened(late)
  expect(comp.querySelector('#request-refund')).toBeFalsy()
  expect(text(comp, '#refund-hint')).toBe('已超过申请期限：加油完成后 7 天内可申请退款，请联系油站')
  expect(text(comp, '#ask-station')).toContain('联系油站')
})
