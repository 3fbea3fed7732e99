// The node step of `make miniprogram-screens` (run by screens/jest.config.js): every scenario's
// HTML into screens/build/, with index.json listing them for shoot.py.
const path = require('path')
const { buildAll } = require('./render')
const scenarios = require('./scenarios')

test('build the screens', async () => {
  const index = await buildAll(scenarios, path.join(__dirname, 'build'))
  for (const shot of index) {
    for (const text of shot.expect) {
      if (!shot.text.includes(text)) throw new Error(shot.name + ' 缺少文字：' + text)
    }
  }
  process.stdout.write(index.map((s) => 'screens/build/' + s.html).join('\n') + '\n')
}, 120000)
