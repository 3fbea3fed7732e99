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

module.exports = { yuan, litres, dateTime };
