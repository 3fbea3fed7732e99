// Smoke test of the toolchain: the placeholder home page loads, compiles with wcc and renders.
const { loadComponent, mount } = require('./helpers/simulate');

let homeId;
beforeAll(() => {
  homeId = loadComponent('pages/home/home');
});

test('the home page renders its Chinese title', () => {
  const home = mount(homeId);
  expect(home.querySelector('.title').dom.textContent).toBe('附近的加油站');
  expect(home.dom.textContent).toContain('正在查找附近的加油站');
});

test('pull-down refresh stops the spinner', () => {
  const home = mount(homeId);
  home.instance.onPullDownRefresh();
  expect(wx.stopPullDownRefresh).toHaveBeenCalled();
});
