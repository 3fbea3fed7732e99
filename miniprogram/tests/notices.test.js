// 公告页：按城市或油站请求（不需要登录），公告和调价通知（调整前后的价格、生效时间、油站），
// 空、加载中、离线重试、下拉刷新。
const { loadComponent, mount, waitFor, openPage, text, tap } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerRequests, answerNothing, gets, parseRequest } = require('./helpers/wx')
const { notice, priceNotice } = require('./helpers/fixtures')

const NOTICES = {
  items: [
    notice(),
    priceNotice(),
    priceNotice({
      id: 'p290',
      title: '0#柴油调价',
      scope: 'city',
      price_change: {
        ...priceNotice().price_change,
        fuel_code: '0',
        fuel_name: '0#柴油',
        in_effect: true,
        effective_at: '2026-12-20T00:00:00+08:00',
        list_price_fen: 715,
        previous_list_price_fen: 730,
        change_fen: -15,
        member_price_fen: 700,
        previous_member_price_fen: 715,
        stations: [7, 12].map((id) => ({
          id,
          name: id === 7 ? '昆明北京路加油站' : '昆明滇池路加油站',
          list_price_fen: 715,
          previous_list_price_fen: 730,
          member_price_fen: 700,
          previous_member_price_fen: 715,
        })),
      },
    }),
    notice({ id: 'a1', title: '洗车服务暂停', pinned: false, scope: 'station', text: '本周六设备检修。' }),
  ],
}

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/notices/notices')
})

const rows = (comp) => comp.querySelectorAll('.notice').map((r) => r.dom.textContent)

test('asks GET /notices for the city it was opened with, without logging in', async () => {
  answerRequests(reply(200, NOTICES))
  await openPage(pageId, { city: encodeURIComponent('昆明') })
  expect(gets('/notices')).toHaveLength(1)
  expect(parseRequest(gets('/notices')[0]).query).toEqual({ city: '昆明' })
  expect(gets('/notices')[0].header.Authorization).toBeUndefined()
  expect(wx.login).not.toHaveBeenCalled()
})

test('a station page asks by station_id', async () => {
  answerRequests(reply(200, NOTICES))
  await openPage(pageId, { station_id: '7' })
  expect(parseRequest(gets('/notices')[0]).query).toEqual({ station_id: '7' })
})

test('lists the announcements and price changes in the API order', async () => {
  answerRequests(reply(200, NOTICES))
  const comp = await openPage(pageId, {})
  const shown = rows(comp)
  expect(shown).toHaveLength(4)
  expect(shown[0]).toContain('置顶')
  expect(shown[0]).toContain('元旦营业时间')
  expect(shown[0]).toContain('1月1日 00:00 至 06:00 暂停营业')
  expect(shown[0]).toContain('12-20 09:00')
  expect(shown[0]).toContain('全部油站')
  expect(shown[3]).toContain('公告')
  expect(shown[3]).toContain('本站')
})

test('a price change shows its prices before and after, when and where', async () => {
  answerRequests(reply(200, NOTICES))
  const comp = await openPage(pageId, {})
  const up = text(comp, '#notice-p281')
  expect(up).toContain('调价')
  expect(up).toContain('将于 12-24 00:00 生效')
  expect(up).toMatch(/挂牌价\s*¥7\.68\s*→\s*¥7\.80\/升\s*\+¥0\.12/)
  expect(up).toMatch(/会员价\s*¥7\.48\s*→\s*¥7\.60\/升\s*\+¥0\.12/)
  expect(up).toContain('适用油站：昆明北京路加油站')
  const down = text(comp, '#notice-p290')
  expect(down).toContain('已于 12-20 00:00 生效')
  expect(down).toContain('-¥0.15')
  expect(down).toContain('本市油站')
  expect(down).toContain('适用油站：昆明北京路加油站、昆明滇池路加油站')
  expect(comp.data.items[2].prices.map((p) => p.trend)).toEqual(['down', 'down'])
})

test('stations a few fen apart, changed alike, each show their own list price', async () => {
  const station = (id, name, before, after) => ({
    id,
    name,
    list_price_fen: after,
    previous_list_price_fen: before,
    member_price_fen: after - 20,
    previous_member_price_fen: before - 20,
  })
  const apart = priceNotice({
    id: 'p300',
    scope: 'city',
    text: '12月24日 24:00 起 92# 每升上调 0.12 元（7.80-7.87 元/升）',
    price_change: {
      ...priceNotice().price_change,
      stations: [station(7, '昆明北京路加油站', 768, 780), station(9, '昆明西山加油站', 775, 787)],
    },
  })
  answerRequests(reply(200, { items: [apart] }))
  const comp = await openPage(pageId, {})
  const shown = text(comp, '#notice-p300')
  expect(shown).toContain('每升上调 0.12 元（7.80-7.87 元/升）')
  expect(shown).toMatch(/昆明北京路加油站\s*¥7\.68\s*→\s*¥7\.80\/升/)
  expect(shown).toMatch(/昆明西山加油站\s*¥7\.75\s*→\s*¥7\.87\/升/)
  expect(shown).not.toContain('会员价')
})

test('no notices shows the empty state', async () => {
  answerRequests(reply(200, { items: [] }))
  const comp = await openPage(pageId, {})
  expect(text(comp, '#empty')).toContain('暂无公告')
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('offline says so, and 重试 loads them', async () => {
  answerRequests(networkDown(), reply(200, NOTICES))
  const comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(text(comp, '#error')).toContain('网络不可用')
  expect(text(comp, '#error-message')).toContain('网络不给力')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelectorAll('.notice')).toHaveLength(4))
})

test('an unknown station shows the API message', async () => {
  answerRequests(apiError(404, 'not_found', '油站不存在或已停用'))
  const comp = mount(pageId)
  comp.instance.onLoad({ station_id: '99' })
  await waitFor(() => expect(comp.querySelector('#error-message')).toBeTruthy())
  expect(text(comp, '#error-message')).toContain('油站不存在或已停用')
})

test('pull-down refresh reloads; a failure keeps the list and says it is old', async () => {
  answerRequests(reply(200, NOTICES), reply(200, { items: [notice()] }), networkDown())
  const comp = await openPage(pageId, {})
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1))
  expect(comp.querySelectorAll('.notice')).toHaveLength(1)
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(2))
  expect(comp.querySelectorAll('.notice')).toHaveLength(1)
  expect(comp.querySelector('#offline')).toBeTruthy()
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '网络不给力，请检查网络后重试' }))
})
