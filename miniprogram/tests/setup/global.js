// Before any test: make WeChat's compilers executable (npm installs them without the run bit;
// simulate sets it on wcc itself, not always in time for wcsc).
const fs = require('fs');
const path = require('path');

module.exports = async () => {
  const bin = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', 'linux');
  for (const name of ['wcc', 'wcsc']) {
    const file = path.join(bin, name);
    if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
  }
};
