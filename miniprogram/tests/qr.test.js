// The QR drawn in the client reads back as the text it was made from (decoded by the jsQR the
// handheld uses), and the vendored encoder is exactly the npm package's file.
const fs = require('fs');
const path = require('path');
const qrcode = require('../vendor/qrcode');
const jsQR = require('../../pwa/vendor/jsQR.js');
const { qrDataUrl } = require('../utils/qr');

/** Render a QR's modules as RGBA pixels (4 px a module, 4-module white margin) and decode it. */
function decode(text) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const scale = 4;
  const size = (n + 8) * scale;
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const row = Math.floor(y / scale) - 4;
      const col = Math.floor(x / scale) - 4;
      if (row >= 0 && col >= 0 && row < n && col < n && qr.isDark(row, col)) {
        const i = (y * size + x) * 4;
        pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
      }
    }
  }
  const found = jsQR(pixels, size, size);
  return found && found.data;
}

test.each([
  'JY1.4821.9f3c2a7be01d44c2b7a1e5f0a9c3d2e1',
  '881234567890123456',
  '12345678',
])('a QR of %p reads back as the same text', (text) => {
  expect(decode(text)).toBe(text);
});

test('qrDataUrl is a GIF data URL whose size follows the cell size', () => {
  const url = qrDataUrl('881234567890123456', 6);
  expect(url.startsWith('data:image/gif;base64,')).toBe(true);
  const gif = Buffer.from(url.slice('data:image/gif;base64,'.length), 'base64');
  expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF87a');
  const width = gif.readUInt16LE(6);
  const qr = qrcode(0, 'M');
  qr.addData('881234567890123456');
  qr.make();
  expect(width).toBe(qr.getModuleCount() * 6 + 2 * 6 * 4);
});

test('the vendored encoder is the npm package file, unchanged', () => {
  const vendored = fs.readFileSync(path.join(__dirname, '..', 'vendor', 'qrcode.js'));
  const packaged = fs.readFileSync(path.join(__dirname, '..', 'node_modules', 'qrcode-generator', 'dist', 'qrcode.js'));
  expect(vendored.equals(packaged)).toBe(true);
});
