// 钱包的「充值卡」页签（?tab=card 直接打开）：卡号、卡密按输入原样发送，Idempotency-Key（断网重试沿用、
// 改了输入或成功后换新的），接口的中文错误显示在表单旁，成功显示存入金额并刷新余额和充值记录。
// 以及充值记录：分页、状态、申请退款（原因、重试沿用同一个键）、撤回待审核的申请。
const { loadComponent, waitFor, tap, text, type } = require('./helpers/simulate')
const { reply, apiError, networkDown, method, path, gets, writes } = require('./helpers/wx')
const { topup: fixtureTopup, page } = require('./helpers/fixtures')
const { serve, open: openWallet } = require('./helpers/wallet-page')

const REDEEMED = {
  topup_no: 'KC2026030818021143518860',
  number: '820344175097',
  credited_fen: 50000,
  redeemed_at: '2026-03-08T18:02:11+08:00',
  wallet: { principal_fen: 85000, bonus_fen: 3000, balance_fen: 88000 },
}
const topup = (id, over = {}) => fixtureTopup({ id, topup_no: 'T' + id, station: null, ...over })
const request = (id, topupId, over = {}) => ({
  id,
  topup_id: topupId,
  status: 'requested',
  status_name: '待审核',
  reason: '换工作离开昆明',
  requested_at: '2026-03-09T09:12:00+08:00',
  decided_at: null,
  reject_reason: '',
  principal_fen: 0,
  bonus_revoked_fen: 0,
  refund: null,
  ...over,
})

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/wallet/wallet')
})

const open = (options) => openWallet(pageId, options)

async function fill(comp, number, secret) {
  type(comp, '#card-number', number)
  type(comp, '#card-secret', secret)
  await waitFor(() => expect(comp.data.cardSecret).toBe(secret))
}

describe('充值卡', () => {
  test('?tab=card opens the card form; the tabs switch', async () => {
    serve({})
    const comp = await open({ tab: 'card' })
    expect(comp.querySelector('#card-form')).toBeTruthy()
    expect(comp.querySelector('#packages')).toBeFalsy()
    tap(comp, '#tab-topup')
    await waitFor(() => expect(comp.querySelector('#packages')).toBeTruthy())
    tap(comp, '#tab-card')
    await waitFor(() => expect(comp.querySelector('#card-form')).toBeTruthy())
  })

  test('redeem sends number and secret as typed with a key; success shows the credit and the new balance', async () => {
    serve({ 'GET /topups': [reply(200, page([])), reply(200, page([topup(90, { channel: 'card', channel_name: '充值卡', refundable_principal_fen: 0 })]))] }, reply(200, REDEEMED))
    const comp = await open({ tab: 'card' })
    await fill(comp, '8203 4417 5097', '4821-0937-5562-1180')
    tap(comp, '#redeem')
    await waitFor(() => expect(comp.querySelector('#card-done')).toBeTruthy())
    const sent = writes()[0]
    expect(method(sent)).toBe('POST')
    expect(path(sent)).toBe('/recharge-cards/redeem')
    expect(sent.data).toEqual({ number: '8203 4417 5097', secret: '4821-0937-5562-1180' })
    expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(text(comp, '#card-done')).toContain('兑换成功')
    expect(text(comp, '#card-done')).toContain('已存入本金 ¥500.00')
    expect(text(comp, '#card-done')).toContain('当前余额 ¥880.00')
    expect(text(comp, '#total')).toContain('¥880.00')
    expect(text(comp, '#principal')).toContain('¥850.00')
    expect(comp.data.cardNumber).toBe('')
    expect(comp.data.cardSecret).toBe('')
    await waitFor(() => expect(gets('/topups')).toHaveLength(2))
  })

  test('the API\'s Chinese error shows next to the form', async () => {
    serve({}, apiError(404, 'card_invalid', '卡号或卡密不正确，请核对后重新输入'))
    const comp = await open({ tab: 'card' })
    await fill(comp, '820344175097', '4821093755621180')
    tap(comp, '#redeem')
    await waitFor(() => expect(text(comp, '#card-error')).toBe('卡号或卡密不正确，请核对后重新输入'))
    expect(comp.querySelector('#card-done')).toBeFalsy()
  })

  test('empty inputs are not sent', async () => {
    serve({})
    const comp = await open({ tab: 'card' })
    tap(comp, '#redeem')
    await waitFor(() => expect(text(comp, '#card-error')).toContain('请填写卡号和卡密'))
    expect(writes()).toHaveLength(0)
  })

  test('a network error keeps the key for the retry; a success then a new card gets a new key', async () => {
    serve({}, networkDown(), reply(200, REDEEMED))
    const comp = await open({ tab: 'card' })
    await fill(comp, '820344175097', '4821093755621180')
    tap(comp, '#redeem')
    await waitFor(() => expect(text(comp, '#card-error')).toContain('网络不给力'))
    await waitFor(() => expect(comp.data.cardBusy).toBe(false))
    tap(comp, '#redeem')
    await waitFor(() => expect(comp.querySelector('#card-done')).toBeTruthy())
    await waitFor(() => expect(comp.data.cardBusy).toBe(false))
    await fill(comp, '820344175105', '1111222233334444')
    tap(comp, '#redeem')
    await waitFor(() => expect(writes()).toHaveLength(3))
    const keys = writes().map((r) => r.header['Idempotency-Key'])
    expect(keys[1]).toBe(keys[0])
    expect(keys[2]).not.toBe(keys[1])
  })

  test('a lock-out (429 card_locked) is a refusal: the next try has a new key', async () => {
    serve({}, apiError(429, 'card_locked', '卡密输错次数过多，请 30 分钟后再试'))
    const comp = await open({ tab: 'card' })
    await fill(comp, '820344175097', '4821093755621180')
    tap(comp, '#redeem')
    await waitFor(() => expect(text(comp, '#card-error')).toContain('30 分钟后再试'))
    await waitFor(() => expect(comp.data.cardBusy).toBe(false))
    tap(comp, '#redeem')
    await waitFor(() => expect(writes()).toHaveLength(2))
    expect(writes()[1].header['Idempotency-Key']).not.toBe(writes()[0].header['Idempotency-Key'])
  })
})

describe('充值记录', () => {
  test('rows show amount, bonus, channel, status and time; pages load with has_more', async () => {
    serve({
      'GET /topups': [
        reply(200, page([topup(88), topup(87, { channel: 'card', channel_name: '充值卡', bonus_fen: 0, refundable_principal_fen: 0, created_at: '2026-03-07T10:05:00+08:00' })], { has_more: true })),
        reply(200, page([topup(87), topup(86, { status: 'closed', status_name: '已关闭', refundable_principal_fen: 0 })], { page: 2 })),
      ],
    })
    const comp = await open()
    const first = text(comp, '#topup-88')
    expect(first).toContain('¥500.00')
    expect(first).toContain('+赠¥30.00')
    expect(first).toContain('微信支付')
    expect(first).toContain('已到账')
    expect(first).toContain('11-28 09:00')
    expect(text(comp, '#topup-87')).toContain('充值卡')
    expect(text(comp, '#topup-87')).not.toContain('赠')
    expect(gets('/topups')[0].url).toMatch(/\?page=1&per_page=20$/)
    tap(comp, '#more')
    await waitFor(() => expect(comp.querySelector('#topup-86')).toBeTruthy())
    expect(gets('/topups')[1].url).toMatch(/\?page=2&per_page=20$/)
    expect(comp.data.topups.map((t) => t.id)).toEqual([88, 87, 86])
    expect(comp.querySelector('#end')).toBeTruthy()
  })

  test('no top-ups says so; a failed history offers 重试', async () => {
    serve({ 'GET /topups': [networkDown(), reply(200, page([]))] })
    const comp = await open()
    expect(text(comp, '#history-error')).toContain('网络不给力')
    tap(comp, '#history-retry')
    await waitFor(() => expect(text(comp, '#history-empty')).toContain('还没有充值记录'))
  })

  test('申请退款 only where the API would take it', async () => {
    serve({
      'GET /topups': [
        reply(200, page([
          topup(1),
          topup(2, { channel: 'card', channel_name: '充值卡', refundable_principal_fen: 0 }),
          topup(3, { status: 'pending', status_name: '待支付/待审核', refundable_principal_fen: 0 }),
          topup(4, { refundable_principal_fen: 0, spent_principal_fen: 50000 }),
          topup(5, { refund_requests: [request(7, 5)] }),
          topup(6, { refund_requests: [request(8, 6, { status: 'rejected', status_name: '已驳回', reject_reason: '请到店办理' })] }),
        ])),
      ],
    })
    const comp = await open()
    expect(text(comp, '#refund-1')).toContain('可退 ¥320.00')
    for (const id of [2, 3, 4, 5]) expect(comp.querySelector('#refund-' + id)).toBeFalsy()
    expect(text(comp, '#topup-5')).toContain('退款申请待审核')
    expect(comp.querySelector('#cancel-5')).toBeTruthy()
    expect(text(comp, '#topup-6')).toContain('退款申请已驳回：请到店办理')
    expect(comp.querySelector('#refund-6')).toBeTruthy()
  })

  test('申请退款 asks the reason and posts it; a retry after a network error keeps the key', async () => {
    serve({ 'GET /topups': [reply(200, page([topup(1)]))] }, networkDown(), reply(201, request(9, 1)))
    wx.showModal = jest.fn((opts) => opts.success({ confirm: true, cancel: false, content: opts.content || ' 换工作离开昆明 ' }))
    const comp = await open()
    await comp.instance.askRefund({ currentTarget: { dataset: { id: 1 } } })
    await waitFor(() => expect(text(comp, '#topup-1')).toContain('网络不给力'))
    await comp.instance.askRefund({ currentTarget: { dataset: { id: 1 } } })
    await waitFor(() => expect(text(comp, '#topup-1')).toContain('退款申请待审核'))
    // The second modal was prefilled with the reason of the first try.
    expect(wx.showModal.mock.calls[1][0].content).toBe('换工作离开昆明')
    expect(wx.showModal.mock.calls[0][0].editable).toBe(true)
    const [first, retry] = writes()
    expect(method(first)).toBe('POST')
    expect(path(first)).toBe('/topups/1/refund-requests')
    expect(first.data).toEqual({ reason: '换工作离开昆明' })
    expect(retry.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
    expect(comp.querySelector('#refund-1')).toBeFalsy()
    expect(comp.querySelector('#cancel-1')).toBeTruthy()
  })

  test('a refusal shows the API message on the row', async () => {
    serve({ 'GET /topups': [reply(200, page([topup(1)]))] }, apiError(409, 'topup_too_old', '该充值到账已超过 360 天，无法原路退回'))
    wx.showModal = jest.fn((opts) => opts.success({ confirm: true, cancel: false, content: '不用了' }))
    const comp = await open()
    tap(comp, '#refund-1')
    await waitFor(() => expect(text(comp, '#topup-1')).toContain('已超过 360 天'))
  })

  test('撤回 posts the cancel of the open request and shows it withdrawn', async () => {
    serve({ 'GET /topups': [reply(200, page([topup(5, { refund_requests: [request(7, 5)] })]))] }, reply(200, request(7, 5, { status: 'cancelled', status_name: '已撤回' })))
    const comp = await open()
    tap(comp, '#cancel-5')
    await waitFor(() => expect(text(comp, '#topup-5')).toContain('退款申请已撤回'))
    const sent = writes()[0]
    expect(method(sent)).toBe('POST')
    expect(path(sent)).toBe('/topups/5/refund-requests/7/cancel')
    expect(sent.data).toBeUndefined()
    expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(comp.querySelector('#cancel-5')).toBeFalsy()
    expect(comp.querySelector('#refund-5')).toBeTruthy()
  })
})
