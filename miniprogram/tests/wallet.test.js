// 我的钱包：余额（本金、赠送金、合计、冻结）、充值套餐、充值（Idempotency-Key、断网重试沿用同一个键、
// 成功后换新键）、wx.requestPayment 原样传服务端参数、取消支付、退避轮询直到到账、加载/空/出错/下拉刷新。
const { loadComponent, mount, waitFor, tap, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerNothing, requests, path, method, gets, writes } = require('./helpers/wx')
const { WALLET, WECHAT_PAY, topup } = require('./helpers/fixtures')
const { serve, open: openWallet } = require('./helpers/wallet-page')

const TOPUP = topup({
  status: 'pending',
  status_name: '待支付/待审核',
  station: null,
  spent_principal_fen: 0,
  refundable_principal_fen: 0,
  credited_at: null,
})
const CREDITED = { ...TOPUP, status: 'credited', status_name: '已到账', credited_at: '2026-11-28T09:00:20+08:00', refundable_principal_fen: 50000 }

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/wallet/wallet')
})

const open = (options) => openWallet(pageId, options)

test('shows principal, bonus and the total from GET /wallet', async () => {
  serve()
  const comp = await open()
  expect(text(comp, '#total')).toContain('¥350.00')
  expect(text(comp, '#principal')).toContain('本金')
  expect(text(comp, '#principal')).toContain('¥320.00')
  expect(text(comp, '#bonus')).toContain('赠送金')
  expect(text(comp, '#bonus')).toContain('¥30.00')
  expect(comp.querySelector('#frozen')).toBeFalsy()
  expect(gets('/wallet')).toHaveLength(1)
})

test('a frozen wallet says so with its reason', async () => {
  serve({ 'GET /wallet': reply(200, { ...WALLET, frozen: true, frozen_reason: '账户存在异常交易，请联系油站' }) })
  const comp = await open()
  expect(text(comp, '#frozen')).toContain('钱包已冻结：账户存在异常交易，请联系油站')
})

test('packages show as tiles: pay X get Y, and the free amount with its limits', async () => {
  serve()
  const comp = await open()
  expect(text(comp, '#package-3')).toContain('充¥500')
  expect(text(comp, '#package-3')).toContain('送¥30')
  expect(text(comp, '#package-5')).toContain('充¥200')
  expect(text(comp, '#package-5')).not.toContain('送')
  expect(text(comp, '#package-4')).toContain('自定义金额')
  expect(text(comp, '#package-4')).toContain('¥10.00 - ¥5000.00')
  expect(text(comp, '#package-4')).toContain('限昆明北京路加油站')
})

test('station_id goes to GET /topup-packages and into POST /topups', async () => {
  serve({}, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  const comp = await open({ station_id: '1' })
  expect(gets('/topup-packages')[0].url).toMatch(/\/topup-packages\?station_id=1$/)
  tap(comp, '#package-3')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({ package_id: 3, station_id: 1 })
})

test('a tile sends POST /topups with an Idempotency-Key and pays with exactly the server\'s parameters', async () => {
  serve({ 'GET /topups/88': reply(200, CREDITED) }, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn()
  const comp = await open()
  tap(comp, '#package-3')
  await waitFor(() => expect(wx.requestPayment).toHaveBeenCalledTimes(1))
  const sent = writes()[0]
  expect(method(sent)).toBe('POST')
  expect(path(sent)).toBe('/topups')
  expect(sent.data).toEqual({ package_id: 3 })
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const given = { ...wx.requestPayment.mock.calls[0][0] }
  expect(typeof given.success).toBe('function')
  expect(typeof given.fail).toBe('function')
  delete given.success
  delete given.fail
  expect(given).toEqual(WECHAT_PAY)
  expect(comp.data.topupBusy).toBe(true)
})

test('a network error keeps the key for the retry of the same tile; a success makes a new one', async () => {
  serve({}, networkDown(), reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  const comp = await open()
  tap(comp, '#package-3')
  await waitFor(() => expect(text(comp, '#topup-error')).toContain('网络不给力'))
  tap(comp, '#package-3')
  await waitFor(() => expect(text(comp, '#topup-error')).toContain('已取消支付'))
  tap(comp, '#package-3')
  await waitFor(() => expect(writes()).toHaveLength(3))
  const keys = writes().map((r) => r.header['Idempotency-Key'])
  expect(keys[1]).toBe(keys[0])
  expect(keys[2]).not.toBe(keys[1])
})

test('another package after a network error is another action: a new key', async () => {
  serve({}, networkDown())
  const comp = await open()
  tap(comp, '#package-3')
  await waitFor(() => expect(comp.querySelector('#topup-error')).toBeTruthy())
  await waitFor(() => expect(comp.data.topupBusy).toBe(false))
  tap(comp, '#package-5')
  await waitFor(() => expect(writes()).toHaveLength(2))
  expect(writes()[1].data).toEqual({ package_id: 5 })
  expect(writes()[1].header['Idempotency-Key']).not.toBe(writes()[0].header['Idempotency-Key'])
})

test('a refusal shows the API message and drops the key', async () => {
  serve({}, apiError(409, 'rejected', '该充值套餐已结束，请选择其他套餐'), reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  const comp = await open()
  tap(comp, '#package-3')
  await waitFor(() => expect(text(comp, '#topup-error')).toContain('该充值套餐已结束，请选择其他套餐'))
  tap(comp, '#package-3')
  await waitFor(() => expect(writes()).toHaveLength(2))
  expect(writes()[1].header['Idempotency-Key']).not.toBe(writes()[0].header['Idempotency-Key'])
})

test('a cancelled payment says 已取消支付 and asks nothing more', async () => {
  serve({}, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  const comp = await open()
  const before = requests().length
  tap(comp, '#package-3')
  await waitFor(() => expect(comp.querySelector('#topup-error')).toBeTruthy())
  await waitFor(() => expect(comp.data.topupBusy).toBe(false))
  expect(text(comp, '#topup-error')).toContain('已取消支付')
  expect(requests().length).toBe(before + 1) // the POST only: no poll
  expect(comp.querySelector('#topup-note')).toBeFalsy()
})

test('another payment failure says the payment did not go through', async () => {
  serve({}, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail system error' }))
  const comp = await open()
  tap(comp, '#package-3')
  await waitFor(() => expect(text(comp, '#topup-error')).toContain('微信支付未完成'))
})

test('the free amount: typed yuan sent as fen with the package', async () => {
  serve({}, reply(201, { topup: { ...TOPUP, package: { id: 4, name: '自定义金额' } }, wechat_pay: WECHAT_PAY }))
  wx.requestPayment = jest.fn((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }))
  const comp = await open()
  tap(comp, '#package-4')
  await waitFor(() => expect(comp.querySelector('#free-pay')).toBeTruthy())
  expect(writes()).toHaveLength(0)
  tap(comp, '#free-pay')
  await waitFor(() => expect(text(comp, '#topup-error')).toContain('请输入充值金额'))
  comp.querySelector('#free-amount').dispatchEvent('input', { detail: { value: '250.5' } })
  tap(comp, '#free-pay')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({ package_id: 4, amount_fen: 25050 })
})

test('packages that fail to load say so; none says so', async () => {
  serve({ 'GET /topup-packages': networkDown() })
  let comp = await open()
  await waitFor(() => expect(text(comp, '#packages-error')).toContain('网络不给力'))
  serve({ 'GET /topup-packages': reply(200, { items: [] }) })
  comp = await open()
  expect(text(comp, '#no-packages')).toContain('暂时没有可用的充值套餐')
})

test('loading, then offline with the client message, and 重试 loads', async () => {
  answerNothing()
  let comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
  serve({ 'GET /wallet': [networkDown(), reply(200, WALLET)] })
  comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#load-error')).toBeTruthy())
  expect(text(comp, '#load-error-message')).toContain('网络不给力')
  tap(comp, '#retry')
  await waitFor(() => expect(text(comp, '#total')).toContain('¥350.00'))
})

test('pull-down refresh reloads the balance, packages and history and stops the spinner', async () => {
  serve({ 'GET /wallet': [reply(200, WALLET), reply(200, { ...WALLET, principal_fen: 82000, balance_fen: 85000 })] })
  const comp = await open()
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(text(comp, '#total')).toContain('¥850.00')
  expect(gets('/wallet')).toHaveLength(2)
  expect(gets('/topup-packages')).toHaveLength(2)
  expect(gets('/topups')).toHaveLength(2)
})

describe('after WeChat Pay succeeds', () => {
  beforeEach(() => {
    jest.useFakeTimers()
  })
  afterEach(() => {
    jest.useRealTimers()
  })

  // Let fake time pass in small steps until the check holds.
  async function runUntil(check, limitMs = 60000) {
    for (let t = 0; ; t += 50) {
      try {
        return check()
      } catch (e) {
        if (t > limitMs) throw e
        await jest.advanceTimersByTimeAsync(50)
      }
    }
  }

  async function openFake() {
    const comp = mount(pageId)
    comp.instance.onLoad({})
    await runUntil(() => expect(comp.data.historyState).toBe('ready'))
    return comp
  }

  test('polls GET /topups/{id} with back-off until credited, then shows 充值成功 and the new balance', async () => {
    const times = []
    const pending = reply(200, TOPUP)
    serve(
      {
        'GET /topups/88': [pending, pending, reply(200, CREDITED)].map((a) => () => {
          times.push(Date.now())
          return a
        }),
        'GET /wallet': [reply(200, WALLET), reply(200, { ...WALLET, principal_fen: 82000, bonus_fen: 6000, balance_fen: 88000 })],
      },
      reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }),
    )
    wx.requestPayment = jest.fn((opts) => opts.success({ errMsg: 'requestPayment:ok' }))
    const comp = await openFake()
    tap(comp, '#package-3')
    await runUntil(() => expect(comp.querySelector('#topup-note')).toBeTruthy())
    expect(text(comp, '#topup-note')).toContain('正在确认到账')
    await runUntil(() => expect(comp.querySelector('#topup-done')).toBeTruthy())
    expect(times).toHaveLength(3)
    // Each wait longer than the one before.
    expect(times[2] - times[1]).toBeGreaterThan(times[1] - times[0])
    const done = text(comp, '#topup-done')
    expect(done).toContain('充值成功')
    expect(done).toContain('¥500.00')
    expect(done).toContain('¥30.00')
    await runUntil(() => expect(text(comp, '#topup-done')).toContain('当前余额 ¥880.00'))
    expect(text(comp, '#total')).toContain('¥880.00')
    expect(comp.querySelector('#topup-note')).toBeFalsy()
    // No poll after the credit.
    const asked = gets('/topups/88').length
    await jest.advanceTimersByTimeAsync(60000)
    expect(gets('/topups/88')).toHaveLength(asked)
  })

  test('gives up after a few tries and says the credit may come later', async () => {
    serve({ 'GET /topups/88': reply(200, TOPUP) }, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
    wx.requestPayment = jest.fn((opts) => opts.success({ errMsg: 'requestPayment:ok' }))
    const comp = await openFake()
    tap(comp, '#package-3')
    await runUntil(() => expect(text(comp, '#topup-note')).toContain('到账可能稍有延迟'))
    const asked = gets('/topups/88').length
    expect(asked).toBeGreaterThanOrEqual(3)
    expect(asked).toBeLessThanOrEqual(8)
    await jest.advanceTimersByTimeAsync(120000)
    expect(gets('/topups/88')).toHaveLength(asked)
    expect(comp.querySelector('#topup-done')).toBeFalsy()
    expect(comp.data.topupBusy).toBe(false)
  })

  test('a poll that meets the network down keeps trying', async () => {
    serve({ 'GET /topups/88': [networkDown(), reply(200, CREDITED)] }, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
    wx.requestPayment = jest.fn((opts) => opts.success({ errMsg: 'requestPayment:ok' }))
    const comp = await openFake()
    tap(comp, '#package-3')
    await runUntil(() => expect(comp.querySelector('#topup-done')).toBeTruthy())
    expect(gets('/topups/88')).toHaveLength(2)
  })

  test('leaving the page stops the poll', async () => {
    serve({ 'GET /topups/88': reply(200, TOPUP) }, reply(201, { topup: TOPUP, wechat_pay: WECHAT_PAY }))
    wx.requestPayment = jest.fn((opts) => opts.success({ errMsg: 'requestPayment:ok' }))
    const comp = await openFake()
    tap(comp, '#package-3')
    await runUntil(() => expect(comp.querySelector('#topup-note')).toBeTruthy())
    comp.instance.onUnload()
    await jest.advanceTimersByTimeAsync(120000)
    expect(gets('/topups/88')).toHaveLength(0)
  })
})
