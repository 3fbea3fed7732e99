const { yuan, litres, dateTime } = require('../utils/format');

test.each([
  [0, '¥0.00'],
  [1, '¥0.01'],
  [10, '¥0.10'],
  [100, '¥1.00'],
  [1230, '¥12.30'],
  [123456, '¥1234.56'],
  [-1, '-¥0.01'],
  [-123456, '-¥1234.56'],
])('yuan(%p) is %p', (fen, shown) => {
  expect(yuan(fen)).toBe(shown);
});

test('yuan() takes integer fen only', () => {
  expect(() => yuan(12.3)).toThrow(TypeError);
  expect(() => yuan(/** @type {any} */ ('100'))).toThrow(TypeError);
  expect(() => yuan(/** @type {any} */ (undefined))).toThrow(TypeError);
});

test.each([
  [30500, '30.50 升'],
  [0, '0.00 升'],
  [1000, '1.00 升'],
  [12345, '12.35 升'],
])('litres(%p) is %p', (ml, shown) => {
  expect(litres(ml)).toBe(shown);
});

test('dateTime() keeps the time as written in its own offset', () => {
  expect(dateTime('2026-03-07T09:05:00+08:00')).toBe('03-07 09:05');
  expect(dateTime('2026-12-31T23:59:59.123456+08:00')).toBe('12-31 23:59');
  expect(dateTime('2026-01-02T00:00:00Z')).toBe('01-02 00:00');
  expect(dateTime('')).toBe('');
});
