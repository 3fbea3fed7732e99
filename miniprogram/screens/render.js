// One screenshot's HTML from a simulated run: load the page with miniprogram-simulate (as the
// tests do), answer its API calls from the scenario, run its taps and inputs, then write the
// DOM with the page's WXSS as CSS, base.css (WeChat's built-in components), a navigation bar
// and the tab bar into one self-contained HTML file. Runs inside jest (jsdom, tests/setup/wx.js).
const fs = require('fs')
const path = require('path')
const jComponent = require('j-component')
const { ROOT, loadComponent, mount, settle } = require('../tests/helpers/simulate')
const { reply } = require('../tests/helpers/wx')
const { API_BASE } = require('../config')
const { readWxss, wxssToCss } = require('./css')
const chrome = require('./chrome')

// Built-in properties kept so the DOM can show them (simulate registers the built-ins with none,
// so `value`, `src`, `disabled`... would be dropped).
const PROPS = {
  input: ['value', 'placeholder', 'type', 'password', 'disabled', 'maxlength', 'focus'],
  textarea: ['value', 'placeholder', 'disabled', 'maxlength'],
  button: ['type', 'size', 'plain', 'disabled', 'loading', 'formType', 'openType'],
  image: ['src', 'mode', 'lazyLoad'],
  map: ['latitude', 'longitude', 'scale', 'markers', 'showLocation'],
  picker: ['mode', 'range', 'rangeKey', 'value', 'disabled'],
  switch: ['checked', 'disabled', 'type', 'color'],
  radio: ['checked', 'disabled', 'value', 'color'],
  checkbox: ['checked', 'disabled', 'value', 'color'],
  swiper: ['indicatorDots', 'current', 'autoplay', 'circular', 'vertical'],
  'scroll-view': ['scrollX', 'scrollY'],
  text: ['selectable', 'userSelect', 'space', 'decode'],
  icon: ['type', 'size', 'color'],
  progress: ['percent', 'showInfo', 'activeColor'],
  navigator: ['url', 'openType'],
  slider: ['value', 'min', 'max', 'showValue'],
  'rich-text': ['nodes'],
}
Object.keys(PROPS).forEach((name) => {
  const properties = {}
  PROPS[name].forEach((p) => {
    properties[p] = { type: null }
  })
  jComponent.register({ id: name, tagName: 'wx-' + name, template: '<slot/>', properties })
})

const readJson = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {})
const APP = readJson(path.join(ROOT, 'app.json'))
const BASE_CSS = fs.readFileSync(path.join(__dirname, 'base.css'), 'utf8')

const loaded = {}
/** A page is loaded once per jest file: a second load() would not run its JS again. */
function pageId(page) {
  if (!loaded[page]) loaded[page] = loadComponent(page)
  return loaded[page]
}

/** The CSS of a page: app.wxss and its own WXSS, then its custom components' (their tags). */
function pageCss(page) {
  const parts = [wxssToCss(readWxss(path.join(ROOT, 'app.wxss')), 'main')]
  parts.push(wxssToCss(readWxss(path.join(ROOT, page + '.wxss')), 'main'))
  const seen = new Set()
  const walk = (file) => {
    const using = readJson(file + '.json').usingComponents || {}
    Object.keys(using).forEach((tag) => {
      const rel = using[tag]
      const target = rel.startsWith('/') ? path.join(ROOT, rel) : path.resolve(path.dirname(file), rel)
      if (seen.has(target) || !fs.existsSync(target + '.json')) return
      seen.add(target)
      parts.push(wxssToCss(readWxss(target + '.wxss'), tag))
      walk(target)
    })
  }
  walk(path.join(ROOT, page))
  return parts.join('\n')
}

const apiPath = (url) => url.split('?')[0].replace(API_BASE, '')

/** Program wx for one run: API answers by 'METHOD /path', titles and unanswered calls noted. */
function installWx(answers, storage, run) {
  const base = global.wx
  Object.keys(storage || {}).forEach((k) => base.setStorageSync(k, storage[k]))
  base.setNavigationBarTitle = jest.fn((opts) => {
    run.title = opts.title
    if (opts.success) opts.success({})
  })
  base.request = jest.fn((opts) => {
    const key = (opts.method || 'GET').toUpperCase() + ' ' + apiPath(opts.url)
    let answer = answers[key]
    if (typeof answer === 'function') answer = answer(opts)
    if (answer === undefined) {
      run.unanswered.push(key)
      answer = reply(404, { error: { code: 'not_found', message: '截图场景没有这个接口的答案' } })
    } else if (!answer || (answer.statusCode === undefined && !answer.fail)) {
      answer = reply(200, answer)
    }
    run.pending += 1
    setTimeout(() => {
      run.pending -= 1
      if (answer.fail) opts.fail && opts.fail({ errMsg: 'request:fail timeout' })
      else opts.success && opts.success({ header: {}, ...answer })
      if (opts.complete) opts.complete({})
    }, 0)
    return { abort() {} }
  })
  // Any other wx.* a page calls: succeed quietly.
  global.wx = new Proxy(base, {
    get(target, key) {
      if (key in target) return target[key]
      return (opts) => {
        if (opts && opts.success) opts.success({ errMsg: String(key) + ':ok' })
        if (opts && opts.complete) opts.complete({})
      }
    },
  })
}

/** Until the programmed answers have arrived and the page has had time to render them. */
async function idle(run) {
  for (let i = 0; i < 400 && run.pending > 0; i += 1) await settle()
  for (let i = 0; i < 5; i += 1) await settle()
}

// How long a ['wait', sel] step waits for sel (real time), in nanoseconds.
const WAIT_NS = 3000000000n

function find(comp, selector) {
  const el = comp.querySelector(selector)
  if (!el) throw new Error('截图步骤找不到 ' + selector)
  return el
}

/** Steps: ['tap', sel], ['input', sel, value], ['wait', sel], ['call', method, ...args],
 * or an async function (comp) => {}. A wait gives up after 3 s. */
async function runStep(comp, step, run) {
  if (typeof step === 'function') await step(comp)
  else if (step[0] === 'tap') find(comp, step[1]).dispatchEvent('tap')
  else if (step[0] === 'input') find(comp, step[1]).dispatchEvent('input', { detail: { value: step[2] } })
  else if (step[0] === 'call') await comp.instance[step[1]](...step.slice(2))
  else if (step[0] === 'wait') {
    // Bounded by the real clock (Date.now may be the scenario's): a page's own timers, such as
    // the order page's pause before it asks the coupons, run meanwhile.
    const end = process.hrtime.bigint() + WAIT_NS
    while (!comp.querySelector(step[1]) && process.hrtime.bigint() < end) await settle()
    find(comp, step[1])
  } else throw new Error('未知的截图步骤 ' + JSON.stringify(step))
  await idle(run)
}

const kebab = (s) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())

/** Write ids and built-in properties onto the DOM as attributes, then let chrome.js add what
 * the native components draw (input text, images, map pins...). */
function reflect(root) {
  const all = [root].concat(Array.from(root.querySelectorAll('*')))
  all.forEach((el) => {
    const w = el.__wxElement
    if (!w) return
    if (w.__id) el.setAttribute('id', w.__id)
    const props = w.__propData || {}
    Object.keys(props).forEach((key) => {
      const v = props[key]
      if (v === true) el.setAttribute(kebab(key), '')
      else if (v !== null && v !== undefined && v !== false && typeof v !== 'object') {
        el.setAttribute(kebab(key), String(v))
      }
    })
  })
  all.forEach((el) => el.__wxElement && chrome.decorate(el, el.__wxElement.__propData || {}))
}

/**
 * Run one shot of a scenario entry and answer its HTML and the text a driver would read.
 * @param {any} entry a scenarios.js entry
 * @param {any} shot one of entry.shots (or {} for the entry itself)
 */
async function renderShot(entry, shot = {}) {
  // The page's clock (Date.now) stands at the scenario's `now`, so "3天后过期" stays put.
  const now = shot.now || entry.now
  const clock = now ? jest.spyOn(Date, 'now').mockReturnValue(Date.parse(now)) : null
  try {
    return await renderRun(entry, shot)
  } finally {
    if (clock) clock.mockRestore()
  }
}

async function renderRun(entry, shot) {
  const id = pageId(entry.page)
  const run = { title: '', pending: 0, unanswered: [] }
  installWx(Object.assign({}, entry.api, shot.api), Object.assign({}, entry.storage, shot.storage), run)
  const comp = mount(id)
  const inst = comp.instance
  const query = Object.assign({}, entry.query, shot.query)
  if (inst.onLoad) inst.onLoad(query)
  if (inst.onShow) inst.onShow()
  if (inst.onReady) inst.onReady()
  await idle(run)
  for (const step of (entry.steps || []).concat(shot.steps || [])) await runStep(comp, step, run)
  if (run.unanswered.length) {
    throw new Error(entry.page + ' 请求了场景没有答案的接口：' + run.unanswered.join(', '))
  }
  reflect(comp.dom)
  const json = readJson(path.join(ROOT, entry.page + '.json'))
  const title = chrome.navTitle(APP, json, run.title)
  const html = chrome.page({
    app: APP,
    page: entry.page,
    json,
    title,
    back: shot.back !== undefined ? shot.back : entry.back,
    body: comp.dom.innerHTML,
    css: BASE_CSS + '\n' + pageCss(entry.page),
    scrollTo: shot.scrollTo,
    name: shot.name,
  })
  const text = title + '\n' + comp.dom.textContent
  // The page leaves the screen: its polls and countdowns stop, and the shot stays as captured.
  if (inst.onUnload) inst.onUnload()
  comp.detach()
  return { html, text }
}

/** The shots of an entry: its `shots`, or one named after the page's folder. */
function shotsOf(entry) {
  const name = entry.page.split('/').slice(-2)[0]
  return entry.shots && entry.shots.length ? entry.shots : [{ name }]
}

/**
 * Build every shot's HTML into dir, with index.json for the screenshot step; answers the list.
 * @param {any[]} scenarios
 * @param {string} dir
 */
async function buildAll(scenarios, dir) {
  fs.mkdirSync(dir, { recursive: true })
  const index = []
  for (const entry of scenarios) {
    for (const shot of shotsOf(entry)) {
      const { html, text } = await renderShot(entry, shot)
      const file = shot.name + '.html'
      fs.writeFileSync(path.join(dir, file), html)
      index.push({ name: shot.name, page: entry.page, html: file, text,
        expect: (entry.expect || []).concat(shot.expect || []) })
    }
  }
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index, null, 2))
  return index
}

module.exports = { renderShot, buildAll, shotsOf, pageCss }
