// 我的订单：请求与分页参数、行的内容、加载更多、下拉刷新、空/离线/加载中、点击进入详情。
const { loadComponent, mount, settle, waitFor } = require('./helpers/simulate')
const { reply, networkDown, answerRequests, answerNothing, requests, parseRequest } = require('./helpers/wx')
const { order, page } = require('./helpers/fixtures')

const row = (id, over = {}) =>
  order({ id, order_no: 'JY' + id, status: 'settled', status_name: '已完成', nozzle: 3, paid_fen: 20000, ...over })

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/orders/orders')
})

function open() {
  const comp = mount(pageId)
  comp.instance.onLoad({})
  return comp
}

const firstPage = () =>
  page(
    [
      row(12, { status: 'paid', status_name: '已支付，待加油', amount_fen: 30000, paid_fen: 30000 }),
      row(11, { station: { id: 9, name: '大理下关加油站' }, fuel: { code: '0', name: '0#柴油' }, paid_fen: 0, amount_fen: 12345, status: 'cancelled', status_name: '已取消', created_at: '2026-03-07T09:30:00+08:00' }),
    ],
    { has_more: true },
  )

test('a paid order cancelled with its money back says what came back', async () => {
  const back = row(13, { status: 'cancelled', status_name: '已取消', paid_fen: 20000, refunded_fen: 20000, dispensed_fen: null })
  answerRequests(reply(200, page([back, row(14)])))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.order').length).toBe(2))
  const rows = comp.querySelectorAll('.order').map((r) => r.dom.textContent)
  expect(rows[0]).toContain('已退 ¥200.00')
  expect(rows[1]).not.toContain('已退')
})

test('asks GET /orders for page 1 with per_page', async () => {
  answerRequests(reply(200, firstPage()))
  const comp = open()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(requests()).toHaveLength(1)
  const req = parseRequest(requests()[0])
  expect(req.method).toBe('GET')
  expect(req.url).toMatch(/\/orders$/)
  expect(req.query).toEqual({ page: '1', per_page: '20' })
})

test('each row shows station, fuel, amount, status name and time', async () => {
  answerRequests(reply(200, firstPage()))
  const comp = open()
  await waitFor(() => expect(comp.querySelectorAll('.order').length).toBe(2))
  const rows = comp.querySelectorAll('.order').map((r) => r.dom.textContent)
  expect(rows[0]).toContain('昆明北京路加油站')
  expect(rows[0]).toContain('92#汽油')
  expect(rows[0]).toContain('¥300.00')
  expect(rows[0]).toContain('已支付，待加油')
  expect(rows[0]).toContain('11-29 18:02')
  expect(rows[1]).toContain('大理下关加油站')
  expect(rows[1]).toContain('0#柴油')
  expect(rows[1]).toContain('¥123.45')
  expect(rows[1]).toContain('已取消')
  expect(rows[1]).toContain('03-07 09:30')
  expect(comp.querySelector('#more')).toBeTruthy()
})

test('load more asks the next page and appends it, then shows the end', async () => {
  answerRequests(reply(200, firstPage()), reply(200, page([row(11), row(10), row(9)], { page: 2 })))
  const comp = open()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  comp.instance.onReachBottom()
  await waitFor(() => expect(comp.querySelectorAll('.order').length).toBe(4))
  expect(parseRequest(requests()[1]).query).toEqual({ page: '2', per_page: '20' })
  expect(comp.data.items.map((o) => o.id)).toEqual([12, 11, 10, 9])
  expect(comp.querySelector('#end')).toBeTruthy()
  expect(comp.querySelector('#more')).toBeFalsy()
  comp.instance.onReachBottom() // nothing more to load
  await settle()
  expect(requests()).toHaveLength(2)
})

test('tapping 加载更多 loads the next page; a failure offers a retry', async () => {
  answerRequests(reply(200, firstPage()), networkDown(), reply(200, page([row(8)], { page: 2 })))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#more')).toBeTruthy())
  comp.querySelector('#more').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelector('#more-error')).toBeTruthy())
  expect(comp.querySelector('#more-error').dom.textContent).toContain('网络不给力')
  comp.querySelector('#more-retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelectorAll('.order').length).toBe(3))
  expect(parseRequest(requests()[2]).query.page).toBe('2')
})

test('pull-down refresh reloads page 1 and stops the spinner', async () => {
  answerRequests(reply(200, firstPage()), reply(200, page([row(13)])))
  const comp = open()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(parseRequest(requests()[1]).query.page).toBe('1')
  expect(comp.querySelectorAll('.order').length).toBe(1)
})

test('no orders shows the empty state', async () => {
  answerRequests(reply(200, page([])))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#empty')).toBeTruthy())
  expect(comp.querySelector('#empty').dom.textContent).toContain('还没有订单')
  expect(comp.querySelector('#list')).toBeFalsy()
})

test('offline shows the API client message and 重试 loads the list', async () => {
  answerRequests(networkDown(), reply(200, firstPage()))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#error')).toBeTruthy())
  expect(comp.querySelector('#error-message').dom.textContent).toContain('网络不给力')
  expect(comp.querySelector('#retry').dom.textContent).toContain('重试')
  comp.querySelector('#retry').dispatchEvent('tap')
  await waitFor(() => expect(comp.querySelectorAll('.order').length).toBe(2))
})

test('shows loading until the answer arrives', () => {
  answerNothing()
  const comp = open()
  expect(comp.querySelector('#loading')).toBeTruthy()
})

test('tapping a row opens its details', async () => {
  answerRequests(reply(200, firstPage()))
  const comp = open()
  await waitFor(() => expect(comp.querySelector('#order-11')).toBeTruthy())
  comp.querySelector('#order-11').dispatchEvent('tap')
  await waitFor(() =>
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/order-detail/order-detail?id=11' }),
  )
})
