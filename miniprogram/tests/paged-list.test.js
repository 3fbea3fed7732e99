// behaviors/paged-list.js (on behaviors/load-state.js), on a page of its own that reads
// GET /things through utils/api.js: only the latest answer shows, load more skips the rows
// already shown, a failure on a page already shown keeps the list and says so in a toast, a
// failure on the first load shows the error (offline when no answer came), a next page that
// fails sets moreError.
const { simulate, mount, waitFor, settle } = require('./helpers/simulate')
const { reply, networkDown, apiError, answerRequests, gets, parseRequest } = require('./helpers/wx')
const { page } = require('./helpers/fixtures')
const api = require('../utils/api')
const pagedList = require('../behaviors/paged-list')

const TEMPLATE = `
<view id="state">{{state}}</view>
<view wx:for="{{items}}" wx:key="id" class="thing">{{item.name}}</view>
<view wx:if="{{moreError}}" id="more-error">{{moreError}}</view>`

let pageId
beforeAll(() => {
  pageId = simulate.load({
    template: TEMPLATE,
    behaviors: [pagedList],
    methods: {
      fetchPage(n) {
        return api.get('/things', { page: n, per_page: 2 })
      },
      itemView(raw) {
        return { id: raw.id, name: '第' + raw.id + '件' }
      },
    },
  })
})

beforeEach(() => {
  wx.setStorageSync(api.TOKEN_KEY, 'token-1')
})

const thing = (id) => ({ id })
const ids = (comp) => comp.data.items.map((t) => t.id)
const asked = () => gets('/things').map((r) => Number(parseRequest(r).query.page))

/** wx.request holds every request; answer(i, ...) answers the i-th one when the test says. */
function holdRequests() {
  const held = []
  wx.request.mockImplementation((opts) => {
    held.push(opts)
    return { abort: jest.fn() }
  })
  const answer = (i, a) => {
    if (a.fail) held[i].fail({ errMsg: 'request:fail timeout' })
    else held[i].success({ header: {}, ...a })
  }
  return { held, answer }
}

async function shown(...answers) {
  answerRequests(...answers)
  const comp = mount(pageId)
  comp.instance.refresh()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  return comp
}

test('page 1 shows each item as the page says, with the page and whether more follow', async () => {
  const comp = await shown(reply(200, page([thing(9), thing(8)], { has_more: true })))
  expect(asked()).toEqual([1])
  expect(comp.data.items).toEqual([{ id: 9, name: '第9件' }, { id: 8, name: '第8件' }])
  expect(comp.data.page).toBe(1)
  expect(comp.data.hasMore).toBe(true)
  expect(comp.querySelectorAll('.thing')).toHaveLength(2)
})

test('an answer to an older refresh is dropped: the latest one shows', async () => {
  const { held, answer } = holdRequests()
  const comp = mount(pageId)
  comp.instance.refresh()
  comp.instance.refresh()
  await waitFor(() => expect(held).toHaveLength(2))
  answer(1, reply(200, page([thing(9), thing(8)])))
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  answer(0, reply(200, page([thing(5)])))
  await settle()
  expect(ids(comp)).toEqual([9, 8])
})

test('an older refresh that fails after the latest showed changes nothing', async () => {
  const { held, answer } = holdRequests()
  const comp = mount(pageId)
  comp.instance.refresh()
  comp.instance.refresh()
  await waitFor(() => expect(held).toHaveLength(2))
  answer(1, reply(200, page([thing(9)])))
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  answer(0, networkDown())
  await settle()
  expect(comp.data.offline).toBe(false)
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('load more adds the next page without the items already shown (new rows shift the pages)', async () => {
  const comp = await shown(
    reply(200, page([thing(9), thing(8)], { has_more: true })),
    // a row added meanwhile pushed 8 onto page 2
    reply(200, page([thing(8), thing(7)], { page: 2, has_more: false })),
  )
  await comp.instance.loadMore()
  expect(asked()).toEqual([1, 2])
  expect(ids(comp)).toEqual([9, 8, 7])
  expect(comp.data.page).toBe(2)
  expect(comp.data.hasMore).toBe(false)
  expect(comp.data.loadingMore).toBe(false)
  // nothing more to load: nothing is asked
  await comp.instance.loadMore()
  expect(asked()).toEqual([1, 2])
})

test('a next page that answers after a refresh started is dropped, and its footer goes', async () => {
  const { held, answer } = holdRequests()
  const comp = mount(pageId)
  comp.instance.refresh()
  await waitFor(() => expect(held).toHaveLength(1))
  answer(0, reply(200, page([thing(9), thing(8)], { has_more: true })))
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  comp.instance.loadMore()
  await waitFor(() => expect(held).toHaveLength(2))
  expect(comp.data.loadingMore).toBe(true)
  comp.instance.refresh()
  expect(comp.data.loadingMore).toBe(false)
  await waitFor(() => expect(held).toHaveLength(3))
  answer(1, reply(200, page([thing(7)], { page: 2 })))
  await settle()
  expect(ids(comp)).toEqual([9, 8])
  answer(2, reply(200, page([thing(10), thing(9)], { has_more: true })))
  await waitFor(() => expect(ids(comp)).toEqual([10, 9]))
  expect(comp.data.page).toBe(1)
})

test('a refresh that fails on a page already shown keeps the list, says offline and toasts the message', async () => {
  const comp = await shown(reply(200, page([thing(9), thing(8)])), networkDown())
  await comp.instance.refresh()
  expect(comp.data.state).toBe('ready')
  expect(ids(comp)).toEqual([9, 8])
  expect(comp.data.offline).toBe(true)
  expect(wx.showToast).toHaveBeenCalledWith({ title: '网络不给力，请检查网络后重试', icon: 'none' })
})

test('an empty list once shown is shown too: a failed refresh keeps it and toasts', async () => {
  const comp = await shown(reply(200, page([])), apiError(503, 'unavailable', '服务暂时不可用'))
  await comp.instance.refresh()
  expect(comp.data.state).toBe('ready')
  expect(comp.data.offline).toBe(false)
  expect(wx.showToast).toHaveBeenCalledWith({ title: '服务暂时不可用', icon: 'none' })
})

test('a first load with no answer shows the error, offline, and 重试 reads again', async () => {
  answerRequests(networkDown(), reply(200, page([thing(9)])))
  const comp = mount(pageId)
  const loading = comp.instance.refresh()
  expect(comp.data.state).toBe('loading')
  await loading
  expect(comp.data.state).toBe('error')
  expect(comp.data.offline).toBe(true)
  expect(comp.data.errorMessage).toBe('网络不给力，请检查网络后重试')
  expect(wx.showToast).not.toHaveBeenCalled()
  comp.instance.onRetry()
  await waitFor(() => expect(comp.data.state).toBe('ready'))
  expect(comp.data.offline).toBe(false)
  expect(ids(comp)).toEqual([9])
})

test('a first load refused shows the API message, not offline', async () => {
  answerRequests(apiError(403, 'member_blocked', '会员已停用，请联系油站'))
  const comp = mount(pageId)
  await comp.instance.refresh()
  expect(comp.data.state).toBe('error')
  expect(comp.data.offline).toBe(false)
  expect(comp.data.errorMessage).toBe('会员已停用，请联系油站')
})

test('a next page that fails sets moreError and keeps the list; loading more again clears it', async () => {
  const comp = await shown(
    reply(200, page([thing(9), thing(8)], { has_more: true })),
    networkDown(),
    reply(200, page([thing(7)], { page: 2 })),
  )
  await comp.instance.loadMore()
  expect(comp.data.moreError).toBe('网络不给力，请检查网络后重试')
  expect(comp.data.loadingMore).toBe(false)
  expect(ids(comp)).toEqual([9, 8])
  expect(comp.querySelector('#more-error')).toBeTruthy()
  comp.instance.onMore()
  await waitFor(() => expect(ids(comp)).toEqual([9, 8, 7]))
  expect(comp.data.moreError).toBe('')
  expect(asked()).toEqual([1, 2, 2])
})

test('pull-down reads page 1 again and stops the spinner', async () => {
  const comp = await shown(reply(200, page([thing(9)])), reply(200, page([thing(10), thing(9)])))
  await comp.instance.onPullDownRefresh()
  expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
  expect(asked()).toEqual([1, 1])
  expect(ids(comp)).toEqual([10, 9])
})

test('answers dropped by the page (it hid or closed) change nothing', async () => {
  const { held, answer } = holdRequests()
  const comp = mount(pageId)
  comp.instance.refresh()
  await waitFor(() => expect(held).toHaveLength(1))
  comp.instance.dropAnswers()
  answer(0, reply(200, page([thing(9)])))
  await settle()
  expect(comp.data.state).toBe('loading')
  expect(comp.data.items).toEqual([])
})
