// What WeChat draws around and inside a page that the simulated DOM lacks: the status and
// navigation bars, the tab bar, and the insides of native components (an input's text, an
// image, the map's pins, a switch). Styled by base.css.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('../tests/helpers/simulate')

const SCREEN_H = 667
const STATUS_H = 20
const NAV_H = 44
const TAB_H = 50

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

const MIME = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.svg': 'image/svg+xml' }

/** A package file ('/images/x.png' or 'images/x.png') as a data URL; other URLs as they are. */
function imageUrl(src) {
  if (!src || /^(data:|https?:)/.test(src)) return src || ''
  const file = path.join(ROOT, src.replace(/^\//, ''))
  if (!fs.existsSync(file)) return ''
  const mime = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream'
  return 'data:' + mime + ';base64,' + fs.readFileSync(file).toString('base64')
}

function add(el, tag, className, text) {
  const child = el.ownerDocument.createElement(tag)
  if (className) child.className = className
  if (text !== undefined) child.textContent = text
  el.appendChild(child)
  return child
}

/** Map pins around the centre (Web Mercator at the map's scale), the driver's dot, a label. */
function drawMap(el, props) {
  const markers = Array.isArray(props.markers) ? props.markers : []
  el.setAttribute('markers', String(markers.length))
  const lat = Number(props.latitude)
  const lng = Number(props.longitude)
  const perDegree = (256 * Math.pow(2, Number(props.scale) || 16)) / 360
  markers.forEach((m) => {
    const dx = (m.longitude - lng) * perDegree
    const dy = (-(m.latitude - lat) * perDegree) / Math.cos((lat * Math.PI) / 180)
    const pin = add(el, 'span', 'wx-map-marker')
    pin.setAttribute('style', 'left: calc(50% + ' + dx.toFixed(1) + 'px); top: calc(50% + ' + dy.toFixed(1) + 'px)')
    const icon = imageUrl(m.iconPath)
    if (icon) {
      const img = add(pin, 'img')
      img.setAttribute('src', icon)
      img.setAttribute('style', 'width:' + (m.width || 30) + 'px;height:' + (m.height || 40) + 'px')
    }
  })
  if (props.showLocation) add(el, 'span', 'wx-map-me')
  add(el, 'span', 'wx-map-label', '地图 · ' + markers.length + ' 个标记')
}

/** The insides of one built-in component, from its properties. */
function decorate(el, props) {
  const tag = el.tagName.toLowerCase()
  if (tag === 'wx-input' || tag === 'wx-textarea') {
    const value = props.value === undefined || props.value === null ? '' : String(props.value)
    if (value) add(el, 'span', 'wx-input-value', props.password ? '•'.repeat(value.length) : value)
    else add(el, 'span', 'wx-input-placeholder', props.placeholder || '')
  } else if (tag === 'wx-image' && props.src) {
    add(el, 'img').setAttribute('src', imageUrl(props.src))
  } else if (tag === 'wx-map') {
    drawMap(el, props)
  } else if (tag === 'wx-button' && props.loading) {
    el.insertBefore(el.ownerDocument.createElement('wx-loading'), el.firstChild)
  } else if (tag === 'wx-switch') {
    add(el, 'span', 'wx-switch-input')
  } else if (tag === 'wx-radio' || tag === 'wx-checkbox') {
    const box = el.ownerDocument.createElement('span')
    box.className = tag.slice(3) + '-input'
    el.insertBefore(box, el.firstChild)
  } else if (tag === 'wx-swiper') {
    const items = el.querySelectorAll(':scope > wx-swiper-item').length
    if (props.indicatorDots && items > 1) {
      const dots = add(el, 'span', 'wx-swiper-dots')
      for (let i = 0; i < items; i += 1) add(dots, 'i', i === 0 ? 'on' : '')
    }
  } else if (tag === 'wx-progress') {
    const bar = add(el, 'span', 'wx-progress-bar')
    add(bar, 'i').setAttribute('style', 'width:' + (Number(props.percent) || 0) + '%')
  } else if (tag === 'wx-rich-text' && typeof props.nodes === 'string') {
    el.innerHTML = props.nodes
  }
}

/** The navigation bar's title: set at run time, else the page's .json, else app.json. */
function navTitle(app, json, runtime) {
  return runtime || json.navigationBarTitleText || (app.window || {}).navigationBarTitleText || ''
}

function tabBar(app, page) {
  const bar = app.tabBar
  if (!bar || !Array.isArray(bar.list) || !bar.list.some((t) => t.pagePath === page)) return ''
  const items = bar.list.map((t) => {
    const on = t.pagePath === page
    const icon = imageUrl(on ? t.selectedIconPath || t.iconPath : t.iconPath)
    const color = on ? bar.selectedColor || '#07c160' : bar.color || '#7a7e83'
    return '<sim-tab' + (on ? ' class="on"' : '') + ' style="color:' + esc(color) + '">' +
      (icon ? '<img src="' + esc(icon) + '">' : '<i></i>') + '<span>' + esc(t.text || '') + '</span></sim-tab>'
  })
  const bg = bar.backgroundColor || '#ffffff'
  const border = bar.borderStyle === 'white' ? '#f2f2f2' : '#e5e5e5'
  return '<sim-tabbar style="background:' + esc(bg) + ';border-top-color:' + border + '">' + items.join('') + '</sim-tabbar>'
}

/**
 * The whole screen as one HTML document.
 * @param {{app:any, page:string, json:any, title:string, back?:boolean, body:string, css:string,
 *   scrollTo?:string, name?:string}} o
 */
function page(o) {
  const win = Object.assign({}, o.app.window, o.json)
  const tabs = tabBar(o.app, o.page)
  const isTab = !!tabs
  const custom = win.navigationStyle === 'custom'
  const top = custom ? 0 : STATUS_H + NAV_H
  const frameH = SCREEN_H - top - (isTab ? TAB_H : 0)
  const back = o.back !== undefined ? o.back : !isTab && (o.app.pages || [])[0] !== o.page
  const navColor = win.navigationBarTextStyle === 'white' ? '#ffffff' : '#000000'
  const nav = custom ? '' :
    '<sim-nav style="background:' + esc(win.navigationBarBackgroundColor || '#ffffff') + ';color:' + navColor + '">' +
    '<sim-status><b>9:41</b><span>▮▮▮ 4G</span><i></i></sim-status>' +
    '<sim-bar>' + (back ? '<sim-back></sim-back>' : '') +
    '<sim-title>' + esc(navTitle(o.app, o.json, o.title)) + '</sim-title>' +
    '<sim-capsule><span>•••</span><i></i><span>◎</span></sim-capsule></sim-bar></sim-nav>'
  const scroll = o.scrollTo
    ? '<script>(function(){var el=document.querySelector(' + JSON.stringify(o.scrollTo) + '),p=document.querySelector("wx-page");' +
      'if(el&&p){p.scrollTop+=el.getBoundingClientRect().top-p.getBoundingClientRect().top-12;}})();</script>'
    : ''
  return '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=375"><title>' + esc(o.name || o.page) + '</title>\n' +
    '<style>\n' + o.css + '\n</style></head>\n<body><sim-phone>' + nav +
    '<sim-frame style="top:' + top + 'px;height:' + frameH + 'px;--wx-vh:' + frameH / 100 + 'px">' +
    '<wx-page>' + o.body + '</wx-page></sim-frame>' + tabs + '</sim-phone>' + scroll + '</body></html>\n'
}

module.exports = { decorate, page, navTitle, imageUrl, SCREEN_H }
