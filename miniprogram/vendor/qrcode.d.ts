// Types of the vendored qrcode.js, taken from its npm package (so tsc does not check the copy).
import qrcode = require('qrcode-generator');
export = qrcode;
