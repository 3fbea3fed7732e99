// 会员码：打开即取码，4 位一组的数字和二维码；按 refresh_after_s 换码、倒计时；屏幕常亮最亮，
// 离开时恢复亮度、停掉计时；限流或断网时保留仍有效的码并退避重试，过期就收起。
// Time is jest's fake clock: every timing below is exact, no real waiting.
const { loadComponent, mount } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerNothing, requests } = require('./helpers/wx')

/**
 * Like answerRequests, but each answer arrives as a promise job rather than a timer: under the
 * fake clock a timer set from inside another lands 1 ms later, which would blur the timings.
 */
function answerRequests(...answers) {
  let i = 0
  wx.request.mockImplementation((opts) => {
    const answer = answers[Math.min(i, answers.length - 1)]
    i += 1
    Promise.resolve().then(() => {
      if (answer.fail) opts.fail({ errMsg: 'request:fail timeout' })
      else opts.success({ header: {}, ...answer })
    })
    return { abort: jest.fn() }
  })
}

let seq = 0
function code(over = {}) {
  seq += 1
  return {
    code: '88123456789012' + String(3000 + seq),
    expires_at: new Date(Date.now() + 60000).toISOString(),
    ttl_s: 60,
    refresh_after_s: 50,
    ...over,
  }
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/member-code/member-code')
})

beforeEach(() => {
  jest.useFakeTimers()
  wx.setStorageSync('jiayou.token', 'tok-1')
})

afterEach(() => {
  jest.useRealTimers()
})

/** Let the programmed answers (zero-delay timers) and the promises after them run. */
async function flush() {
  for (let i = 0; i < 5; i += 1) await jest.advanceTimersByTimeAsync(0)
}
/** Move the clock on by ms, running every timer due on the way. */
const later = (ms) => jest.advanceTimersByTimeAsync(ms).then(flush)

const txt = (comp, sel) => comp.querySelector(sel).dom.textContent
const codeRequests = () => requests().filter((r) => /\/member-code$/.test(r.url))

async function shown(...answers) {
  answerRequests(...answers)
  const comp = mount(pageId)
  comp.instance.onShow()
  await flush()
  return comp
}

test('on show it asks GET /member-code and shows the code in groups of four and as a QR', async () => {
  const first = code({ code: '881234567890123456' })
  const comp = await shown(reply(200, first))
  expect(codeRequests()).toHaveLength(1)
  expect(codeRequests()[0].method).toBe('GET')
  expect(codeRequests()[0].header.Authorization).toBe('Bearer tok-1')
  expect(txt(comp, '#code')).toBe('8812 3456 7890 1234 56')
  expect(comp.querySelector('#qr')).toBeTruthy()
  expect(comp.data.qr).toBe(require('../utils/qr').qrDataUrl('881234567890123456'))
  expect(txt(comp, '#countdown')).toContain('50 秒后自动刷新')
})

test('keeps the screen on at full brightness, and restores the old brightness on hide and unload', async () => {
  const comp = await shown(reply(200, code()))
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: true })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 1 })
  comp.instance.onHide()
  expect(wx.setKeepScreenOn).toHaveBeenLastCalledWith({ keepScreenOn: false })
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.4 })

  wx.getScreenBrightness.mockImplementation((o) => o.success({ value: 0.7 }))
  comp.instance.onShow()
  await flush()
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 1 })
  comp.instance.onUnload()
  expect(wx.setScreenBrightness).toHaveBeenLastCalledWith({ value: 0.7 })
})

test('the countdown runs and a new code comes exactly after refresh_after_s', async () => {
  const comp = await shown(reply(200, code({ code: '881111111111111111' })), reply(200, code({ code: '882222222222222222' })))
  await later(10000)
  expect(txt(comp, '#countdown')).toContain('40 秒后自动刷新')
  await later(39000)
  expect(codeRequests()).toHaveLength(1)
  expect(txt(comp, '#code')).toBe('8811 1111 1111 1111 11')
  await later(1000)
  expect(codeRequests()).toHaveLength(2)
  expect(txt(comp, '#code')).toBe('8822 2222 2222 2222 22')
  expect(txt(comp, '#countdown')).toContain('50 秒后自动刷新')
})

test('hiding stops every timer; showing again fetches at once', async () => {
  const comp = await shown(reply(200, code()))
  comp.instance.onHide()
  await later(5 * 60000)
  expect(codeRequests()).toHaveLength(1)
  expect(jest.getTimerCount()).toBe(0)
  comp.instance.onShow()
  await flush()
  expect(codeRequests()).toHaveLength(2)
  comp.instance.onUnload()
  expect(jest.getTimerCount()).toBe(0)
})

test('an answer that arrives after the page was hidden is ignored', async () => {
  let answer
  wx.request.mockImplementation((opts) => {
    answer = () => opts.success({ statusCode: 200, header: {}, data: code() })
  })
  const comp = mount(pageId)
  comp.instance.onShow()
  await flush()
  comp.instance.onHide()
  answer()
  await flush()
  expect(comp.querySelector('#code')).toBeFalsy()
  expect(jest.getTimerCount()).toBe(0)
})

test('429 keeps the code while it is valid, retries with back-off, and hides it once expired', async () => {
  const limited = apiError(429, 'too_many_requests', '请求太频繁，请稍后再试')
  const comp = await shown(reply(200, code({ code: '881111111111111111' })), limited, limited, limited, reply(200, code({ code: '883333333333333333' })))
  await later(50000) // refresh at 50 s: 429
  expect(codeRequests()).toHaveLength(2)
  expect(txt(comp, '#code')).toBe('8811 1111 1111 1111 11')
  expect(txt(comp, '#message')).toContain('请求太频繁，请稍后再试，当前会员码仍可使用')
  expect(txt(comp, '#retry-countdown')).toContain('2 秒后重试')
  await later(2000) // 52 s: second try, 429
  expect(codeRequests()).toHaveLength(3)
  await later(3000) // 55 s: waiting 4 s, not 2
  expect(codeRequests()).toHaveLength(3)
  await later(1000) // 56 s: third try, 429; next in 8 s
  expect(codeRequests()).toHaveLength(4)
  await later(3000) // 59 s: still valid
  expect(txt(comp, '#code')).toBe('8811 1111 1111 1111 11')
  await later(1000) // 60 s: expired, gone
  expect(comp.querySelector('#code')).toBeFalsy()
  expect(comp.querySelector('#qr')).toBeFalsy()
  expect(comp.data.code).toBe('')
  expect(txt(comp, '#expired')).toContain('会员码已失效')
  await later(4000) // 64 s: fourth try gets a new code
  expect(codeRequests()).toHaveLength(5)
  expect(txt(comp, '#code')).toBe('8833 3333 3333 3333 33')
  expect(comp.querySelector('#message')).toBeFalsy()
})

test('a code counts its minute from when it was asked for, not from the phone’s clock', async () => {
  // The phone's clock is an hour behind the server's: expires_at looks far away, ttl_s is what counts.
  const far = code({ expires_at: new Date(Date.now() + 3600000).toISOString() })
  const comp = await shown(reply(200, far), networkDown())
  await later(59000)
  expect(comp.querySelector('#code')).toBeTruthy()
  await later(1000)
  expect(comp.querySelector('#code')).toBeFalsy()
})

test('a phone clock ahead of the server does not hide a fresh code', async () => {
  const past = code({ expires_at: new Date(Date.now() - 3600000).toISOString() })
  const comp = await shown(reply(200, past), networkDown())
  await later(59000)
  expect(comp.querySelector('#code')).toBeTruthy()
})

test('a refusal that is not worth retrying waits for 刷新', async () => {
  const comp = await shown(apiError(403, 'forbidden', '会员已停用，请联系油站'), reply(200, code({ code: '886666666666666666' })))
  expect(txt(comp, '#message')).toBe('会员已停用，请联系油站')
  expect(comp.querySelector('#retry-countdown')).toBeFalsy()
  await later(120000)
  expect(codeRequests()).toHaveLength(1)
  comp.querySelector('#refresh').dispatchEvent('tap')
  await flush()
  expect(txt(comp, '#code')).toBe('8866 6666 6666 6666 66')
})

test('offline at first: says so, retries by itself, and the code comes when the network does', async () => {
  const comp = await shown(networkDown(), reply(200, code({ code: '884444444444444444' })))
  expect(comp.querySelector('#error')).toBeTruthy()
  expect(comp.querySelector('#code')).toBeFalsy()
  expect(txt(comp, '#message')).toContain('网络不给力')
  expect(txt(comp, '#message')).not.toContain('仍可使用')
  await later(2000)
  expect(txt(comp, '#code')).toBe('8844 4444 4444 4444 44')
})

test('刷新 asks for a new code at once', async () => {
  const comp = await shown(reply(200, code({ code: '881111111111111111' })), reply(200, code({ code: '885555555555555555' })))
  await later(5000)
  comp.querySelector('#refresh').dispatchEvent('tap')
  await flush()
  expect(codeRequests()).toHaveLength(2)
  expect(txt(comp, '#code')).toBe('8855 5555 5555 5555 55')
})

test('without a token it logs in before asking for the code', async () => {
  wx.removeStorageSync('jiayou.token')
  answerRequests(reply(200, { token: 'tok-9', member: {} }), reply(200, code()))
  const comp = mount(pageId)
  comp.instance.onShow()
  await flush()
  expect(requests()[0].url).toMatch(/\/auth\/wechat$/)
  expect(codeRequests()[0].header.Authorization).toBe('Bearer tok-9')
  expect(comp.querySelector('#code')).toBeTruthy()
  comp.instance.onUnload()
})

test('shows loading until the code arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onShow()
  expect(comp.querySelector('#loading')).toBeTruthy()
  comp.instance.onUnload()
})
