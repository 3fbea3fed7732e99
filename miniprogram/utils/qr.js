// QR codes drawn in the client, as a GIF data URL for <image src>: the pickup code and the member
// code show at once and stay on screen with no network (one bar of 4G at the pump).
// The encoder is qrcode-generator from npm, vendored by `npm run vendor` (tests check the copy).
const qrcode = require('../vendor/qrcode');

/**
 * @param {string} text what the scanner reads
 * @param {number} [cellSize] pixels per module; the image is scaled by CSS, so this only sets
 *   how sharp it stays when scaled up
 * @returns {string} data:image/gif;base64,...
 */
function qrDataUrl(text, cellSize) {
  const cell = cellSize || 8;
  // Level M: reads through a scratched or glaring screen, still small for a long token.
  const qr = qrcode(0, 'M');
  qr.addData(String(text));
  qr.make();
  return qr.createDataURL(cell, cell * 4);
}

module.exports = { qrDataUrl };
