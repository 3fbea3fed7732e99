module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  globalSetup: '<rootDir>/tests/setup/global.js',
  setupFilesAfterEnv: ['<rootDir>/tests/setup/wx.js'],
  // Official compiler (wcc) runs take a while on a busy machine.
  testTimeout: 20000,
};
