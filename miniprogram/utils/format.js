// The one place amounts, volumes and times are formatted. The server sends integer fen and
// millilitres; the client never computes money, it only shows it.

/**
 * Integer fen to '¥12.30' ('-¥12.30' when negative).
 * @param {number} fen
 * @returns {string}
 */
function yuan(fen) {
  if (typeof fen !== 'number' || !Number.isInteger(fen)) {
    throw new TypeError(`yuan() takes integer fen, got ${fen}`);
  }
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = String(abs % 100).padStart(2, '0');
  return `${sign}¥${Math.floor(abs / 100)}.${cents}`;
}

/**
 * Integer fen as a coupon says it: '¥10' for whole yuan, else as yuan() ('¥0.30').
 * @param {number} fen
 * @returns {string}
 */
function shortYuan(fen) {
  return yuan(fen).replace(/\.00$/, '');
}

/**
 * The share paid as a discount is said: 90 -> '9折', 88 -> '8.8折'.
 * @param {number} payPercent
 * @returns {string}
 */
function discount(payPercent) {
  const ones = payPercent % 10;
  return `${Math.floor(payPercent / 10)}${ones ? '.' + ones : ''}折`;
}

/**
 * Millilitres to '30.50 升'.
 * @param {number} ml
 * @returns {string}
 */
function litres(ml) {
  if (typeof ml !== 'number' || !Number.isInteger(ml)) {
    throw new TypeError(`litres() takes integer millilitres, got ${ml}`);
  }
  const sign = ml < 0 ? '-' : '';
  const abs = Math.abs(ml);
  const centilitres = Math.round(abs / 10); // two decimals of a litre
  const cl = String(centilitres % 100).padStart(2, '0');
  return `${sign}${Math.floor(centilitres / 100)}.${cl} 升`;
}

/**
 * An ISO 8601 time to 'MM-DD HH:mm' as written in the string (its own offset, the station's
 * local time), not converted to the phone's zone.
 * @param {string} iso e.g. '2026-11-30T15:04:05+08:00'
 * @returns {string}
 */
function dateTime(iso) {
  const m = /^\d{4}-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${m[1]}-${m[2]} ${m[3]}:${m[4]}` : '';
}

/**
 * An ISO 8601 time to 'YYYY-MM-DD' as written in the string (its own offset).
 * @param {string} iso
 * @returns {string}
 */
function date(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(iso || '');
  return m ? m[1] : '';
}

const DAY_MS = 86400000;

/**
 * An ISO 8601 time with its offset to [epoch ms, offset ms], or null. Parsed by hand: some
 * phones' Date.parse refuse microseconds.
 * @param {string} iso
 * @returns {[number, number] | null}
 */
function instant(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/.exec(
    iso || '',
  );
  if (!m) return null;
  const offset = m[7] === 'Z' ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60000;
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
  return [local - offset, offset];
}

/**
 * How soon something valid until `until` (exclusive, with the station's offset) ends, counted
 * in the station's calendar days: '今天过期', '明天过期', '3天后过期' (up to a week), else ''.
 * @param {string} until e.g. '2026-12-12T00:00:00+08:00'
 * @param {number} now epoch ms
 * @returns {string}
 */
function expiryHint(until, now) {
  const end = instant(until);
  if (!end || end[0] <= now) return '';
  const day = (ms) => Math.floor((ms + end[1]) / DAY_MS);
  const days = day(end[0] - 1) - day(now);
  if (days === 0) return '今天过期';
  if (days === 1) return '明天过期';
  return days <= 7 ? `${days}天后过期` : '';
}

/**
 * The last day something valid until `until` (exclusive, with the station's offset) may be used,
 * 'YYYY-MM-DD' in the station's calendar: '2028-01-01T00:00:00+08:00' -> '2027-12-31'.
 * @param {string} until
 * @returns {string}
 */
function lastDay(until) {
  const end = instant(until);
  if (!end) return '';
  const d = new Date(end[0] + end[1] - 1);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/**
 * An ISO 8601 time to 'YYYY-MM-DD HH:mm' as written in the string (its own offset).
 * @param {string} iso
 * @returns {string}
 */
function fullDateTime(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso || '');
  return m ? `${m[1]} ${m[2]}` : '';
}

/**
 * Integer fen as the driver types an amount: 18450 -> '184.50' (an input's prefill).
 * @param {number} fen
 * @returns {string}
 */
function plainYuan(fen) {
  return yuan(fen).replace('¥', '');
}

/**
 * What the driver typed as yuan ('184.5', '30') to integer fen, or null when it is not an amount
 * (more than two decimals, letters, empty). It reads the digits only; it computes no money.
 * @param {string} text
 * @returns {number|null}
 */
function typedFen(text) {
  const m = /^(\d{1,6})(?:\.(\d{0,2}))?$/.exec(String(text || '').trim());
  if (!m) return null;
  return parseInt(m[1], 10) * 100 + parseInt((m[2] || '').padEnd(2, '0'), 10);
}

module.exports = {
  yuan,
  shortYuan,
  discount,
  litres,
  dateTime,
  date,
  fullDateTime,
  expiryHint,
  lastDay,
  plainYuan,
  typedFen,
};
