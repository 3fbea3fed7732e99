// WXSS to browser CSS for the screenshots: @import inlined, rpx at 0.5 px (a 375 px wide
// phone), vh of the page area, class selectors with simulate's per-component prefix
// (`.card` -> `.main--card`) and WeChat's tag names mapped to the DOM's (`view` -> `wx-view`,
// `page` -> `wx-page`). postcss 7 comes with miniprogram-simulate (it does the same prefixing).
const fs = require('fs')
const path = require('path')
const postcss = require('postcss')

// The built-in components miniprogram-simulate registers as `wx-<name>` (src/definition.js).
const TAGS = [
  'cover-image', 'cover-view', 'grid-view', 'list-view', 'match-media', 'movable-area',
  'movable-view', 'page-container', 'root-portal', 'scroll-view', 'share-element',
  'sticky-header', 'sticky-section', 'swiper', 'swiper-item', 'view', 'icon', 'progress',
  'rich-text', 'text', 'button', 'checkbox', 'checkbox-group', 'editor', 'form', 'input',
  'keyboard-accessory', 'label', 'picker', 'picker-view', 'picker-view-column', 'radio',
  'radio-group', 'slider', 'switch', 'textarea', 'functional-page-navigator', 'navigator',
  'audio', 'camera', 'channel-live', 'channel-video', 'image', 'live-player', 'live-pusher',
  'video', 'voip-room', 'map', 'canvas', 'web-view', 'ad', 'ad-custom', 'official-account',
  'open-data', 'navigation-bar', 'page-meta',
]

const RPX_PX = 0.5
const round = (n) => Math.round(n * 1000) / 1000

/** The WXSS of a file with its @import lines replaced by the imported files ('' if missing). */
function readWxss(file, seen = new Set()) {
  if (seen.has(file) || !fs.existsSync(file)) return ''
  seen.add(file)
  return fs.readFileSync(file, 'utf8').replace(
    /@import\s+(?:"([^"]+)"|'([^']+)')\s*;/g,
    (all, a, b) => readWxss(path.resolve(path.dirname(file), a || b), seen),
  )
}

const TAG_RE = new RegExp(
  '(^|[\\s>+~,(])(' + TAGS.concat('page').sort((a, b) => b.length - a.length).join('|') +
    ')(?=$|[\\s.:#\\[>+~,)])',
  'g',
)

/** One selector: classes prefixed, tags mapped (attribute values and :not() args included). */
function mapSelector(selector, prefix) {
  let out = selector.replace(/(.)?\.([-_a-zA-Z0-9]+)/g, (all, before, name) =>
    /\d/.test(before || '') ? all : (before || '') + '.' + (prefix ? prefix + '--' : '') + name,
  )
  // Twice: adjacent tags share a separator ("view view").
  for (let i = 0; i < 2; i += 1) {
    out = out.replace(TAG_RE, (all, before, tag) => before + 'wx-' + tag)
  }
  return out
}

/** A declaration value with rpx and vh converted (vh: of the page area, set on sim-frame). */
function mapValue(value) {
  return value
    .replace(/(-?\d*\.?\d+)rpx\b/gi, (all, n) => round(parseFloat(n) * RPX_PX) + 'px')
    .replace(/(-?\d*\.?\d+)vh\b/gi, (all, n) => 'calc(' + n + ' * var(--wx-vh, 1vh))')
}

/** WXSS text to CSS for a component whose classes carry `prefix` ('' for none). */
function wxssToCss(wxss, prefix) {
  const root = postcss.parse(wxss)
  root.walkRules((rule) => {
    const parent = /** @type {any} */ (rule.parent)
    if (parent && parent.type === 'atrule' && /keyframes$/i.test(parent.name)) return
    rule.selectors = rule.selectors.map((s) => mapSelector(s, prefix))
  })
  root.walkDecls((decl) => {
    decl.value = mapValue(decl.value)
    // The screenshots' Chinese font has one weight and Chromium emboldens it only from 700:
    // PingFang's semibold (600) would show as regular text.
    if (decl.prop === 'font-weight' && /^(600|bolder)$/.test(decl.value.trim())) decl.value = '700'
  })
  return root.toString()
}

module.exports = { TAGS, readWxss, mapSelector, mapValue, wxssToCss }
