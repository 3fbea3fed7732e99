// `make miniprogram-screens`, node step: run the scenarios in jest (jsdom and tests/setup/wx.js,
// as the page tests) and write their HTML into screens/build/ for shoot.py.
const base = require('../jest.config')

module.exports = { ...base, rootDir: '..', testMatch: ['<rootDir>/screens/build.screens.js'] }
