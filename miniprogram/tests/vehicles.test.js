// 我的车辆：列表（车牌、常用油品、默认标记）、空状态、添加（POST，Idempotency-Key，断网重试沿用）、
// 接口的校验说明显示在对应字段下、修改（PUT）、设为默认、删除（确认后 DELETE）、加载/出错/下拉刷新。
const { loadComponent, mount, waitFor, openPage, tap, text, type } = require('./helpers/simulate')
const { reply, apiError, networkDown, answerNothing, answerRoutes, path, method, gets, writes } = require('./helpers/wx')

const CAR = { id: 31, plate: '云A12345', name: '家里的车', fuel: { code: '92', name: '92#汽油' }, is_default: true, created_at: '2026-03-01T09:20:00+08:00' }
const VAN = { id: 32, plate: '云AD12345', name: '', fuel: null, is_default: false, created_at: '2026-03-05T17:41:09+08:00' }
const list = (...items) => ({ items, max_vehicles: 5 })

/** GET /vehicles answers `lists` in turn (the last repeats); writes answer `writeAnswers` in turn. */
const serve = (lists, ...writeAnswers) => answerRoutes({ 'GET /vehicles': lists }, ...writeAnswers)

let pageId
beforeAll(() => {
  pageId = loadComponent('pages/vehicles/vehicles')
})

const open = () => openPage(pageId)

test('lists plates, names, fuels and the default badge', async () => {
  serve([reply(200, list(CAR, VAN))])
  const comp = await open()
  expect(path(gets()[0])).toBe('/vehicles')
  const car = text(comp, '#vehicle-31')
  expect(car).toContain('云A12345')
  expect(car).toContain('家里的车')
  expect(car).toContain('92#汽油')
  expect(text(comp, '#badge-31')).toBe('默认')
  expect(text(comp, '#vehicle-32')).toContain('云AD12345')
  expect(comp.querySelector('#badge-32')).toBeFalsy()
  expect(comp.querySelector('#default-31')).toBeFalsy()
  expect(comp.querySelector('#default-32')).toBeTruthy()
})

test('no vehicle: an empty state inviting to add the first, which opens the form', async () => {
  serve([reply(200, list())])
  const comp = await open()
  expect(text(comp, '#empty')).toContain('还没有车辆')
  tap(comp, '#add-first')
  await waitFor(() => expect(comp.querySelector('#form')).toBeTruthy())
  expect(text(comp, '#form')).toContain('添加车辆')
})

test('adding sends the plate as typed, the name and the fuel, with an Idempotency-Key, then reloads', async () => {
  serve([reply(200, list()), reply(200, list(CAR))], reply(201, CAR))
  const comp = await open()
  tap(comp, '#add-first')
  await waitFor(() => expect(comp.querySelector('#plate')).toBeTruthy())
  type(comp, '#plate', '云a 12345')
  type(comp, '#name', '家里的车')
  tap(comp, '#fuel-92')
  tap(comp, '#save')
  await waitFor(() => expect(comp.querySelector('#vehicle-31')).toBeTruthy())
  const sent = writes()[0]
  expect(method(sent)).toBe('POST')
  expect(path(sent)).toBe('/vehicles')
  expect(sent.data).toEqual({ plate: '云a 12345', name: '家里的车', fuel: '92' })
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(comp.querySelector('#form')).toBeFalsy()
  expect(gets()).toHaveLength(2)
})

test('no fuel chosen is sent as null', async () => {
  serve([reply(200, list())], reply(201, VAN))
  const comp = await open()
  tap(comp, '#add-first')
  await waitFor(() => expect(comp.querySelector('#plate')).toBeTruthy())
  type(comp, '#plate', '云AD12345')
  tap(comp, '#save')
  await waitFor(() => expect(writes()).toHaveLength(1))
  expect(writes()[0].data).toEqual({ plate: '云AD12345', name: '', fuel: null })
})

test('the API\'s plate message shows by the plate field', async () => {
  serve([reply(200, list())], apiError(400, 'invalid_request', '车牌号格式不对，例如 云A12345 或 云AD12345'))
  const comp = await open()
  tap(comp, '#add-first')
  await waitFor(() => expect(comp.querySelector('#plate')).toBeTruthy())
  type(comp, '#plate', '云A1234')
  tap(comp, '#save')
  await waitFor(() => expect(comp.querySelector('#plate-error')).toBeTruthy())
  expect(text(comp, '#plate-error')).toBe('车牌号格式不对，例如 云A12345 或 云AD12345')
  expect(comp.querySelector('#form-error')).toBeFalsy()
  // Typing again clears the message.
  type(comp, '#plate', '云A12345')
  await waitFor(() => expect(comp.querySelector('#plate-error')).toBeFalsy())
})

test('plate_taken shows by the plate, a fuel refusal by the fuel, the limit above the button', async () => {
  serve(
    [reply(200, list(CAR))],
    apiError(409, 'plate_taken', '云A12345 已在你的车辆中'),
    apiError(409, 'rejected', '本油站没有 97 这种油品，请重新选择常用油品'),
    apiError(409, 'vehicle_limit', '最多添加 5 辆车，请先删除一辆'),
  )
  const comp = await open()
  tap(comp, '#add')
  await waitFor(() => expect(comp.querySelector('#plate')).toBeTruthy())
  type(comp, '#plate', '云A12345')
  tap(comp, '#save')
  await waitFor(() => expect(text(comp, '#plate-error')).toContain('已在你的车辆中'))
  await waitFor(() => expect(comp.data.busy).toBe(false))
  tap(comp, '#save')
  await waitFor(() => expect(text(comp, '#fuel-error')).toContain('请重新选择常用油品'))
  expect(comp.querySelector('#plate-error')).toBeFalsy()
  await waitFor(() => expect(comp.data.busy).toBe(false))
  tap(comp, '#save')
  await waitFor(() => expect(text(comp, '#form-error')).toContain('最多添加 5 辆车'))
})

test('a network error keeps the key for the retry; a changed form gets a new one', async () => {
  serve([reply(200, list())], networkDown(), networkDown(), reply(201, CAR))
  const comp = await open()
  tap(comp, '#add-first')
  await waitFor(() => expect(comp.querySelector('#plate')).toBeTruthy())
  type(comp, '#plate', '云A12345')
  tap(comp, '#save')
  await waitFor(() => expect(text(comp, '#form-error')).toContain('网络不给力'))
  await waitFor(() => expect(comp.data.busy).toBe(false))
  tap(comp, '#save')
  await waitFor(() => expect(writes()).toHaveLength(2))
  await waitFor(() => expect(comp.data.busy).toBe(false))
  type(comp, '#name', '家里的车')
  tap(comp, '#save')
  await waitFor(() => expect(writes()).toHaveLength(3))
  const keys = writes().map((r) => r.header['Idempotency-Key'])
  expect(keys[1]).toBe(keys[0])
  expect(keys[2]).not.toBe(keys[1])
})

test('editing prefills the form and sends PUT /vehicles/{id}', async () => {
  serve([reply(200, list(CAR, VAN))], reply(200, { ...CAR, name: '公司的车', fuel: { code: '95', name: '95#汽油' } }))
  const comp = await open()
  tap(comp, '#edit-31')
  await waitFor(() => expect(comp.querySelector('#form')).toBeTruthy())
  expect(text(comp, '#form')).toContain('修改车辆')
  expect(comp.data.form).toEqual({ id: 31, plate: '云A12345', name: '家里的车', fuel: '92' })
  expect(comp.querySelector('#fuel-92').dom.className).toContain('chip-on')
  type(comp, '#name', '公司的车')
  tap(comp, '#fuel-95')
  tap(comp, '#save')
  await waitFor(() => expect(writes()).toHaveLength(1))
  const sent = writes()[0]
  expect(method(sent)).toBe('PUT')
  expect(path(sent)).toBe('/vehicles/31')
  expect(sent.data).toEqual({ plate: '云A12345', name: '公司的车', fuel: '95' })
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
})

test('取消 closes the form without sending anything', async () => {
  serve([reply(200, list(CAR))])
  const comp = await open()
  tap(comp, '#edit-31')
  await waitFor(() => expect(comp.querySelector('#cancel')).toBeTruthy())
  tap(comp, '#cancel')
  await waitFor(() => expect(comp.querySelector('#list')).toBeTruthy())
  expect(writes()).toHaveLength(0)
})

test('设为默认 posts to /vehicles/{id}/default and shows the answered list', async () => {
  serve([reply(200, list(CAR, VAN))], reply(200, list({ ...CAR, is_default: false }, { ...VAN, is_default: true })))
  const comp = await open()
  tap(comp, '#default-32')
  await waitFor(() => expect(comp.querySelector('#badge-32')).toBeTruthy())
  const sent = writes()[0]
  expect(method(sent)).toBe('POST')
  expect(path(sent)).toBe('/vehicles/32/default')
  expect(sent.data).toBeUndefined()
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(comp.querySelector('#badge-31')).toBeFalsy()
  expect(comp.querySelector('#default-31')).toBeTruthy()
})

test('删除 asks first; confirmed, sends DELETE and shows the vehicles left', async () => {
  serve([reply(200, list(CAR, VAN))], reply(200, list({ ...VAN, is_default: true })))
  const comp = await open()
  tap(comp, '#delete-31')
  await waitFor(() => expect(comp.querySelector('#vehicle-31')).toBeFalsy())
  expect(wx.showModal).toHaveBeenCalledTimes(1)
  expect(wx.showModal.mock.calls[0][0].content).toContain('云A12345')
  const sent = writes()[0]
  expect(method(sent)).toBe('DELETE')
  expect(path(sent)).toBe('/vehicles/31')
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(comp.querySelector('#badge-32')).toBeTruthy()
})

test('删除 not confirmed sends nothing', async () => {
  serve([reply(200, list(CAR, VAN))])
  wx.showModal = jest.fn((opts) => opts.success({ confirm: false, cancel: true }))
  const comp = await open()
  await comp.instance.remove({ currentTarget: { dataset: { id: 31 } } })
  expect(writes()).toHaveLength(0)
  expect(comp.querySelector('#vehicle-31')).toBeTruthy()
})

test('a failed delete shows the API message above the list', async () => {
  serve([reply(200, list(CAR))], apiError(404, 'not_found', '车辆不存在'))
  const comp = await open()
  tap(comp, '#delete-31')
  await waitFor(() => expect(text(comp, '#action-error')).toContain('车辆不存在'))
})

test('loading, offline with the client message, 重试, and pull-down refresh', async () => {
  answerNothing()
  let comp = mount(pageId)
  comp.instance.onLoad({})
  expect(comp.querySelector('#loading')).toBeTruthy()
  serve([networkDown(), reply(200, list(CAR)), reply(200, list(CAR, VAN))])
  comp = mount(pageId)
  comp.instance.onLoad({})
  await waitFor(() => expect(comp.querySelector('#load-error')).toBeTruthy())
  expect(text(comp, '#load-error-message')).toContain('网络不给力')
  tap(comp, '#retry')
  await waitFor(() => expect(comp.querySelector('#vehicle-31')).toBeTruthy())
  comp.instance.onPullDownRefresh()
  await waitFor(() => expect(wx.stopPullDownRefresh).toHaveBeenCalled())
  expect(comp.querySelector('#vehicle-32')).toBeTruthy()
})

test('a delete retried after a network error keeps its key; another vehicle\'s delete has its own', async () => {
  serve([reply(200, list(CAR, VAN))], networkDown(), reply(200, list(VAN)), reply(200, list()))
  const comp = await open()
  tap(comp, '#delete-31')
  await waitFor(() => expect(text(comp, '#action-error')).toContain('网络不给力'))
  await waitFor(() => expect(comp.data.busy).toBe(false))
  tap(comp, '#delete-31')
  await waitFor(() => expect(comp.querySelector('#vehicle-31')).toBeFalsy())
  await waitFor(() => expect(comp.data.busy).toBe(false))
  tap(comp, '#delete-32')
  await waitFor(() => expect(comp.querySelector('#empty')).toBeTruthy())
  const keys = writes().map((r) => r.header['Idempotency-Key'])
  expect(keys[1]).toBe(keys[0])
  expect(keys[2]).not.toBe(keys[1])
})

test('at the API\'s limit, 添加车辆 says so instead of opening the form', async () => {
  const five = [1, 2, 3, 4, 5].map((i) => ({ ...VAN, id: i, plate: '云A1234' + i, is_default: i === 1 }))
  serve([reply(200, list(...five))])
  const comp = await open()
  tap(comp, '#add')
  await waitFor(() => expect(text(comp, '#action-error')).toContain('最多添加 5 辆车'))
  expect(comp.querySelector('#form')).toBeFalsy()
})
