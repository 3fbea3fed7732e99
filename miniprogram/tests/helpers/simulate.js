// Loading pages and components with miniprogram-simulate and WeChat's own compiler (wcc), and
// driving them as a driver would.
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Load a page or component once per test file (a second load of the same path does not re-run
 * its JS), e.g. loadComponent('pages/home/home'). rootPath is the mini-program's root, so
 * usingComponents with absolute paths ('/components/x/x') resolve.
 * @param {string} rel path from miniprogram/ without extension
 */
function loadComponent(rel) {
  return simulate.load(path.join(ROOT, rel), { rootPath: ROOT });
}

/** Render a loaded id into a parent and attach it (runs attached/ready); returns the instance. */
function mount(id, properties) {
  const comp = simulate.render(id, properties);
  const parent = document.createElement('parent-wrapper');
  comp.attach(parent);
  return comp;
}

/** Let promises and zero-delay timers (the programmed wx.request answers) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0)).then(() => simulate.sleep(0));

/** Run check (a function with expect()s) until it passes or ms have gone by; answers its result. */
async function waitFor(check, ms = 4000) {
  const start = Date.now();
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() - start > ms) throw e;
      await settle();
    }
  }
}

/** Mount a loaded page, run its onLoad(options) and wait until its data.state is 'ready'. */
async function openPage(id, options = {}) {
  const comp = mount(id);
  comp.instance.onLoad(options);
  await waitFor(() => expect(comp.data.state).toBe('ready'));
  return comp;
}

const tap = (comp, sel) => comp.querySelector(sel).dispatchEvent('tap');
const type = (comp, sel, value) => comp.querySelector(sel).dispatchEvent('input', { detail: { value } });
/** The text of the element sel, or of the whole page without sel. */
const text = (comp, sel) => (sel ? comp.querySelector(sel) : comp).dom.textContent;

module.exports = { ROOT, simulate, loadComponent, mount, settle, waitFor, openPage, tap, type, text };
