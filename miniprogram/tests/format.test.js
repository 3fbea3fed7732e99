const { yuan, shortYuan, discount, litres, dateTime, date, fullDateTime, expiryHint, lastDay } = require('../utils/format');

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

test('date() is the day as written', () => {
  expect(date('2026-12-05T10:12:30.123456+08:00')).toBe('2026-12-05');
  expect(date('')).toBe('');
});

describe('expiryHint() counts the station calendar days to the last valid day', () => {
  // 2026-12-09 10:00 in Kunming (+08:00), and a coupon good through 2026-12-11.
  const now = Date.UTC(2026, 11, 9, 2, 0);
  test.each([
    ['2026-12-12T00:00:00+08:00', '2天后过期'],
    ['2026-12-13T00:00:00.000001+08:00', '3天后过期'],
    ['2026-12-11T00:00:00+08:00', '明天过期'],
    ['2026-12-10T00:00:00+08:00', '今天过期'],
    ['2026-12-09T10:00:01+08:00', '今天过期'],
    ['2026-12-17T00:00:00+08:00', '7天后过期'],
    ['2026-12-18T00:00:00+08:00', ''],
    ['2026-12-09T10:00:00+08:00', ''],
    ['2026-12-01T00:00:00+08:00', ''],
    ['2026-12-11T16:00:00Z', '2天后过期'],
    ['not a time', ''],
  ])('%s is %p', (until, hint) => {
    expect(expiryHint(until, now)).toBe(hint);
  });

  test('just after midnight in Kunming is the next day (not UTC\'s)', () => {
    const earlyMorning = Date.UTC(2026, 11, 9, 16, 30); // 12-10 00:30 +08:00
    expect(expiryHint('2026-12-11T00:00:00+08:00', earlyMorning)).toBe('今天过期');
  });
});

test('shortYuan() drops .00 only; discount() says 折', () => {
  expect(shortYuan(1000)).toBe('¥10');
  expect(shortYuan(1050)).toBe('¥10.50');
  expect(shortYuan(30)).toBe('¥0.30');
  expect(discount(90)).toBe('9折');
  expect(discount(88)).toBe('8.8折');
  expect(discount(95)).toBe('9.5折');
});

test('lastDay() is the last day before an exclusive end, in the station\'s calendar', () => {
  expect(lastDay('2028-01-01T00:00:00+08:00')).toBe('2027-12-31');
  expect(lastDay('2026-12-12T00:00:00+08:00')).toBe('2026-12-11');
  expect(lastDay('2026-12-12T10:30:00+08:00')).toBe('2026-12-12');
  expect(lastDay('2026-12-31T16:00:00Z')).toBe('2026-12-31');
  expect(lastDay('2027-03-01T00:00:00+08:00')).toBe('2027-02-28');
  expect(lastDay('')).toBe('');
});

test('fullDateTime() keeps the year, as written in the string', () => {
  expect(fullDateTime('2027-03-05T10:12:30+08:00')).toBe('2027-03-05 10:12');
  expect(fullDateTime(null)).toBe('');
});
