// 隐私政策：无须登录即可阅读；是否已同意；同意（Idempotency-Key、断网后同一个键、版本已更新就重读）；
// 从绑定手机号过来的同意后返回；出错、离线、下拉刷新。
const { loadComponent, mount, waitFor, openPage, text } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerNothing, answerRoutes, requests, requestsTo } = require('./helpers/wx')

const notice = (version = '2') => ({
  version,
  title: '加油小程序隐私说明',
  operator: '云岭能源',
  contact: '客服电话 0871-12345678',
  sections: [
    { heading: '我们收集哪些信息', body: '微信标识（openid）。\n你绑定的手机号。' },
    { heading: '用来做什么', body: '识别会员、下单和支付。' },
  ],
})
const me = (consent) => ({ id: 1024, nickname: '张师傅', phone: '', tier: null, vehicle_count: 0, consent })

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/privacy/privacy')
})

function opened(routes, options = {}, token = 'tok-1') {
  if (token) wx.setStorageSync('jiayou.token', token)
  answerRoutes(routes)
  return openPage(pageId, options)
}

test('shows the notice section by section, paragraph by paragraph', async () => {
  const comp = await opened({ 'GET /privacy-notice': reply(200, notice()), 'GET /me': reply(200, me(null)) })
  expect(text(comp, '#title')).toBe('加油小程序隐私说明')
  const sections = comp.querySelectorAll('.section').map((s) => s.dom.textContent)
  expect(sections[0]).toContain('我们收集哪些信息')
  expect(comp.querySelectorAll('.para').map((p) => p.dom.textContent)).toEqual([
    '微信标识（openid）。',
    '你绑定的手机号。',
    '识别会员、下单和支付。',
  ])
  expect(text(comp, '#contact')).toContain('0871-12345678')
  expect(text(comp, '#not-agreed')).toContain('还没有同意')
})

test('reading needs no login: without a token it asks only for the notice', async () => {
  const comp = await opened({ 'GET /privacy-notice': reply(200, notice()) }, {}, '')
  expect(requests()).toHaveLength(1)
  expect(requests()[0].url).toMatch(/\/privacy-notice$/)
  expect(requests()[0].header.Authorization).toBeUndefined()
  expect(comp.querySelector('#agree')).toBeTruthy()
  expect(comp.querySelector('#not-agreed')).toBeFalsy() // unknown, not "not agreed"
})

test('a driver who agreed to this version sees when, and no button', async () => {
  const comp = await opened({
    'GET /privacy-notice': reply(200, notice('2')),
    'GET /me': reply(200, me({ version: '2', at: '2026-03-01T09:15:30+08:00' })),
  })
  expect(text(comp, '#agreed')).toContain('03-01 09:15')
  expect(comp.querySelector('#agree')).toBeFalsy()
})

test('a driver who agreed to an older version is asked again', async () => {
  const comp = await opened({
    'GET /privacy-notice': reply(200, notice('2')),
    'GET /me': reply(200, me({ version: '1', at: '2026-03-01T09:15:30+08:00' })),
  })
  expect(text(comp, '#old-consent')).toContain('版本 1')
  expect(comp.querySelector('#agree')).toBeTruthy()
})

test('同意 posts the version with an Idempotency-Key and shows the agreement', async () => {
  const comp = await opened({
    'GET /privacy-notice': reply(200, notice('2')),
    'GET /me': reply(200, me(null)),
    'POST /me/consent': reply(200, { version: '2', consented_at: '2026-03-08T18:04:10+08:00' }),
  })
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(text(comp, '#agreed')).toContain('03-08 18:04'))
  const [post] = requestsTo('POST', '/me/consent')
  expect(post.data).toEqual({ version: '2' })
  expect(post.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(post.header.Authorization).toBe('Bearer tok-1')
  expect(wx.navigateBack).not.toHaveBeenCalled()
})

test('opened from the phone binding, it goes back after agreeing', async () => {
  const comp = await opened(
    {
      'GET /privacy-notice': reply(200, notice('2')),
      'GET /me': reply(200, me(null)),
      'POST /me/consent': reply(200, { version: '2', consented_at: '2026-03-08T18:04:10+08:00' }),
    },
    { from: 'phone' },
  )
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(wx.navigateBack).toHaveBeenCalled())
})

test('a network failure shows the message; the retry sends the same key', async () => {
  const comp = await opened({
    'GET /privacy-notice': reply(200, notice('2')),
    'GET /me': reply(200, me(null)),
    'POST /me/consent': [networkDown(), reply(200, { version: '2', consented_at: '2026-03-08T18:04:10+08:00' })],
  })
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(wx.showModal).toHaveBeenCalled())
  expect(wx.showModal.mock.calls[0][0].content).toContain('网络不给力')
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#agreed')).toBeTruthy())
  const [first, second] = requestsTo('POST', '/me/consent')
  expect(second.header['Idempotency-Key']).toBe(first.header['Idempotency-Key'])
})

test('notice_outdated reloads the notice; agreeing to the new version sends it with a new key', async () => {
  const comp = await opened({
    'GET /privacy-notice': [reply(200, notice('2')), reply(200, notice('3'))],
    'GET /me': reply(200, me(null)),
    'POST /me/consent': [
      apiError(409, 'notice_outdated', '隐私说明已更新，请重新阅读'),
      reply(200, { version: '3', consented_at: '2026-03-08T18:06:00+08:00' }),
    ],
  })
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(comp.data.notice.version).toBe('3'))
  expect(wx.showModal.mock.calls[0][0].title).toBe('隐私政策已更新')
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#agreed')).toBeTruthy())
  const [first, second] = requestsTo('POST', '/me/consent')
  expect(first.data).toEqual({ version: '2' })
  expect(second.data).toEqual({ version: '3' })
  expect(second.header['Idempotency-Key']).not.toBe(first.header['Idempotency-Key'])
})

test('without a token, 同意 logs in first', async () => {
  const comp = await opened(
    {
      'GET /privacy-notice': reply(200, notice('2')),
      'POST /auth/wechat': reply(200, { token: 'tok-7', member: {} }),
      'POST /me/consent': reply(200, { version: '2', consented_at: '2026-03-08T18:04:10+08:00' }),
    },
    {},
    '',
  )
  comp.querySelector('#agree').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#agreed')).toBeTruthy())
  expect(requestsTo('POST', '/me/consent')[0].header.Authorization).toBe('Bearer tok-7')
})

test('offline shows 网络不可用; 重试 loads the notice', async () => {
  answerRoutes({ 'GET /privacy-notice': [networkDown(), reply(200, notice())] })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  expect(text(comp, '#error-message')).toContain('网络不给力')
  comp.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.data.state).toBe('ready'))
})

test('a chain that has not set up its notice shows the API message', async () => {
  answerRoutes({ 'GET /privacy-notice': apiError(503, 'chain_not_configured', '连锁尚未完成设置') })
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('加载失败')
  expect(text(comp, '#error-message')).toBe('连锁尚未完成设置')
})

test('pull-down refresh reloads and stops the spinner', async () => {
  const comp = await opened({ 'GET /privacy-notice': [reply(200, notice('2')), reply(200, notice('3'))], 'GET /me': reply(200, me(null)) })
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(comp.data.notice.version).toBe('3')
})

test('shows loading until the notice arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})
