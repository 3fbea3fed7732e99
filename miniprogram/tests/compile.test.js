// Every WXML and WXSS file of the mini-program compiles with WeChat's own wcc and wcsc
// (both stop with file:line:col on broken markup or styles).
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
const { ROOT } = require('./helpers/simulate');

function files(ext) {
  const out = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'tests', '.git'].includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(ext)) out.push(path.relative(ROOT, full));
    }
  };
  walk(ROOT);
  return out.sort();
}

test('app.json lists pages that exist, home first', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  expect(app.pages[0]).toBe('pages/home/home');
  for (const page of app.pages) {
    for (const ext of ['.js', '.json', '.wxml']) {
      expect(fs.existsSync(path.join(ROOT, page + ext))).toBe(true);
    }
  }
});

test('the tab bar lists pages of the app, with 81x81 PNG icons that exist', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  const tabs = app.tabBar.list;
  expect(tabs.map((t) => [t.pagePath, t.text])).toEqual([
    ['pages/home/home', '首页'],
    ['pages/orders/orders', '订单'],
    ['pages/me/me', '我的'],
  ]);
  expect([app.tabBar.color, app.tabBar.selectedColor]).toEqual(['#999999', '#07c160']);
  for (const tab of tabs) {
    expect(app.pages).toContain(tab.pagePath);
    for (const icon of [tab.iconPath, tab.selectedIconPath]) {
      const png = fs.readFileSync(path.join(ROOT, icon));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([81, 81]);
      expect(png.length).toBeLessThan(40 * 1024); // WeChat's limit for a tab icon
    }
  }
});

// A tab page opens only with wx.switchTab (navigateTo and redirectTo fail on it).
test('no page navigates to a tab page with navigateTo or redirectTo', () => {
  const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'));
  const tabs = app.tabBar.list.map((t) => '/' + t.pagePath);
  for (const file of files('.js')) {
    const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const calls = source.match(/wx\.(navigateTo|redirectTo)\(\{\s*url:\s*'[^'?]*/g) || [];
    for (const call of calls) {
      expect({ file, call, tab: tabs.includes(call.split("'")[1]) }).toEqual({ file, call, tab: false });
    }
  }
});

// Run one of WeChat's compilers on the files; it answers non-zero with file:line:col.
function run(tool, args) {
  const bin = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', 'linux', tool);
  const out = spawnSync(bin, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: out.status, errors: out.stderr.trim() };
}

test('every WXML file compiles with wcc', () => {
  const wxml = files('.wxml');
  expect(wxml.length).toBeGreaterThan(0);
  expect(run('wcc', ['-d', ...wxml])).toEqual({ status: 0, errors: '' });
});

test('every WXSS file compiles with wcsc', () => {
  const wxss = files('.wxss');
  expect(wxss).toContain('app.wxss');
  for (const file of wxss) {
    expect({ file, ...run('wcsc', ['-db', file]) }).toEqual({ file, status: 0, errors: '' });
  }
});
