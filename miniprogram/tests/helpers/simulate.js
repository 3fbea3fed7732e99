// Loading pages and components with miniprogram-simulate and WeChat's own compiler (wcc).
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

module.exports = { ROOT, simulate, loadComponent, mount, settle };
