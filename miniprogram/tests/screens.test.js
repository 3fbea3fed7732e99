// The screenshots' node step (screens/): every scenario builds an HTML page that shows the page's
// Chinese text with its WXSS converted, and every page of app.json has a scenario, so
// `make miniprogram-screens` cannot rot silently. The PNGs themselves are made by shoot.py.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { ROOT } = require('./helpers/simulate')
const { buildAll, shotsOf } = require('../screens/render')
const { mapSelector, mapValue, wxssToCss } = require('../screens/css')
const scenarios = require('../screens/scenarios')

test('WXSS becomes CSS: rpx at 0.5 px, tags as simulate renders them, classes prefixed', () => {
  expect(mapValue('24rpx 0 1rpx 0.5rpx')).toBe('12px 0 0.5px 0.25px')
  expect(mapValue('calc(20rpx + env(safe-area-inset-bottom))')).toBe('calc(10px + env(safe-area-inset-bottom))')
  expect(mapValue('100vh')).toBe('calc(100 * var(--wx-vh, 1vh))')
  expect(mapSelector('page', 'main')).toBe('wx-page')
  expect(mapSelector('view.card > text', 'main')).toBe('wx-view.main--card > wx-text')
  expect(mapSelector('.bar-btn.btn-default + .bar-btn', 'main')).toBe(
    '.main--bar-btn.main--btn-default + .main--bar-btn',
  )
  expect(mapSelector('.reviewer', 'main')).toBe('.main--reviewer')
  const css = wxssToCss('@keyframes spin { from { opacity: 0 } to { opacity: 1 } } button { margin: 8rpx }', 'main')
  expect(css).toContain('from { opacity: 0 }')
  expect(css).toContain('wx-button { margin: 4px }')
  expect(wxssToCss('.t { font-weight: 600 } .u { font-weight: 400 }', 'main')).toBe(
    '.main--t { font-weight: 700 } .main--u { font-weight: 400 }',
  )
})

test('every page in app.json has a scenario in screens/scenarios.js', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))
  const covered = scenarios.map((s) => s.page)
  expect(app.pages.filter((p) => !covered.includes(p))).toEqual([])
})

test('every scenario builds a self-contained HTML page with its expected text', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-screens-'))
  try {
    const index = await buildAll(scenarios, dir)
    const names = scenarios.flatMap((s) => shotsOf(s).map((shot) => shot.name))
    expect(index.map((s) => s.name)).toEqual(names)
    expect(new Set(names).size).toBe(names.length)
    for (const shot of index) {
      const html = fs.readFileSync(path.join(dir, shot.html), 'utf8')
      expect(shot.expect.length).toBeGreaterThan(0)
      for (const text of shot.expect) expect([shot.name, html.includes(text)]).toEqual([shot.name, true])
      expect(html).toContain('<wx-page>')
      expect(html).not.toMatch(/\d rpx|\drpx/)
      expect(html).not.toMatch(/(src|href)="https?:/)
    }
    const detail = fs.readFileSync(path.join(dir, 'order-detail-receipt.html'), 'utf8')
    expect(detail).toContain('<sim-title>订单详情</sim-title>')
    expect(detail).toContain('.main--receipt')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a tab page gets the tab bar of app.json, the current tab selected, and no back arrow', () => {
  const chrome = require('../screens/chrome')
  const app = {
    pages: ['pages/home/home', 'pages/me/me'],
    window: { navigationBarTitleText: '加油' },
    tabBar: { selectedColor: '#07c160', list: [
      { pagePath: 'pages/home/home', text: '油站' },
      { pagePath: 'pages/me/me', text: '我的' },
    ] },
  }
  const html = chrome.page({ app, page: 'pages/me/me', json: {}, title: '', body: '<wx-view>x</wx-view>', css: '' })
  expect(html).toContain('<sim-tabbar')
  expect(html).toMatch(/<sim-tab class="on" style="color:#07c160">.*我的/)
  expect(html).not.toContain('<sim-back>')
  expect(html).toContain('<sim-title>加油</sim-title>')
  expect(html).toContain('height:553px')
  const plain = chrome.page({ app, page: 'pages/order/order', json: {}, title: '', body: '', css: '' })
  expect(plain).not.toContain('<sim-tabbar')
  expect(plain).toContain('<sim-back>')
})
