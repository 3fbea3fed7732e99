// A programmable stand-in for the wx.* API, fresh for every test.
//
// Every function is a jest mock. Defaults: storage is an in-memory map (getStorageSync answers
// '' for a missing key, as WeChat does); wx.login succeeds with code 'test-js-code';
// getLocation succeeds with a point in Kunming (GCJ-02); the screen's brightness reads 0.4; the
// UI calls (showToast, showLoading, ...) succeed and do nothing; wx.request, wx.requestPayment
// and wx.chooseLocation do nothing until a test programs them, e.g. with tests/helpers/wx.js:
// answerRequests(...). config.js's sandbox is off (see the end).
const storage = new Map();

function ok(result) {
  return jest.fn((opts = {}) => {
    if (opts.success) opts.success(result);
    if (opts.complete) opts.complete(result);
  });
}

function freshWx() {
  storage.clear();
  return {
    request: jest.fn(),
    requestPayment: jest.fn(),
    chooseLocation: jest.fn(),
    login: ok({ code: 'test-js-code', errMsg: 'login:ok' }),
    getStorageSync: jest.fn((key) => (storage.has(key) ? storage.get(key) : '')),
    setStorageSync: jest.fn((key, value) => {
      storage.set(key, value);
    }),
    removeStorageSync: jest.fn((key) => {
      storage.delete(key);
    }),
    showToast: ok({ errMsg: 'showToast:ok' }),
    showLoading: ok({ errMsg: 'showLoading:ok' }),
    hideLoading: ok({ errMsg: 'hideLoading:ok' }),
    showModal: ok({ confirm: true, cancel: false, errMsg: 'showModal:ok' }),
    getLocation: ok({ latitude: 25.0389, longitude: 102.7183, accuracy: 30, errMsg: 'getLocation:ok' }),
    openLocation: ok({ errMsg: 'openLocation:ok' }),
    openSetting: ok({ authSetting: {}, errMsg: 'openSetting:ok' }),
    previewImage: ok({ errMsg: 'previewImage:ok' }),
    setNavigationBarTitle: ok({ errMsg: 'setNavigationBarTitle:ok' }),
    setKeepScreenOn: ok({ errMsg: 'setKeepScreenOn:ok' }),
    getScreenBrightness: ok({ value: 0.4, errMsg: 'getScreenBrightness:ok' }),
    setScreenBrightness: ok({ errMsg: 'setScreenBrightness:ok' }),
    stopPullDownRefresh: ok({ errMsg: 'stopPullDownRefresh:ok' }),
    navigateTo: ok({ errMsg: 'navigateTo:ok' }),
    redirectTo: ok({ errMsg: 'redirectTo:ok' }),
    navigateBack: ok({ errMsg: 'navigateBack:ok' }),
    switchTab: ok({ errMsg: 'switchTab:ok' }),
    reLaunch: ok({ errMsg: 'reLaunch:ok' }),
    makePhoneCall: ok({ errMsg: 'makePhoneCall:ok' }),
    getNetworkType: ok({ networkType: '4g', errMsg: 'getNetworkType:ok' }),
    onNetworkStatusChange: jest.fn(),
  };
}

global.wx = freshWx();
global.getApp = () => ({ globalData: {} });

beforeEach(() => {
  global.wx = freshWx();
});

// Tests run as a real build: WeChat itself gives the login code and takes payments. The demo's
// sandbox stand-in (utils/wechat.js) is tested on its own, switching this back.
const config = require('../../config');

config.SANDBOX_BASE = '';
config.SANDBOX_OPENID = '';
