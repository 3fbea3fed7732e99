// utils/wechat.js: WeChat's own login, pay and phone calls in a real build, and the demo's
// sandbox standing in for them (config.SANDBOX_BASE), as WeChat DevTools uses it.
const config = require('../config');
const api = require('../utils/api');
const wechat = require('../utils/wechat');
const { reply, apiError, networkDown, answerRequests, requests } = require('./helpers/wx');

const SANDBOX = 'http://127.0.0.1:5000/sandbox';
const PARAMS = {
  appId: 'wx8888888888888888',
  timeStamp: '1700000000',
  nonceStr: 'n0nce',
  package: 'prepay_id=wx201410272009395522657a690389285100',
  signType: 'RSA',
  paySign: 'c2lnbg==',
};

afterEach(() => {
  config.SANDBOX_BASE = '';
  config.SANDBOX_OPENID = '';
  api.logout();
});

describe('a real build', () => {
  test('the login code is wx.login’s', async () => {
    await expect(wechat.loginCode()).resolves.toBe('test-js-code');
    expect(wx.login).toHaveBeenCalledTimes(1);
    expect(wx.request).not.toHaveBeenCalled();
  });

  test('paying hands exactly the server’s parameters to wx.requestPayment', async () => {
    wx.requestPayment.mockImplementation((opts) => opts.success({ errMsg: 'requestPayment:ok' }));
    await expect(wechat.requestPayment(PARAMS)).resolves.toBeUndefined();
    const given = wx.requestPayment.mock.calls[0][0];
    const { success, fail, ...sent } = given;
    expect(sent).toEqual(PARAMS);
    expect(typeof success).toBe('function');
    expect(typeof fail).toBe('function');
  });

  test('a cancelled payment rejects with WeChat’s errMsg', async () => {
    wx.requestPayment.mockImplementation((opts) => opts.fail({ errMsg: 'requestPayment:fail cancel' }));
    await expect(wechat.requestPayment(PARAMS)).rejects.toEqual({ errMsg: 'requestPayment:fail cancel' });
  });

  test('the phone code is the button’s; none when the driver did not share', async () => {
    await expect(wechat.phoneCode({ code: 'ph-1' })).resolves.toBe('ph-1');
    await expect(wechat.phoneCode({})).resolves.toBe('');
    expect(wx.showModal).not.toHaveBeenCalled();
  });
});

describe('the demo, with the sandbox standing in for WeChat', () => {
  beforeEach(() => {
    config.SANDBOX_BASE = SANDBOX;
  });

  test('logging in asks the sandbox for a code for the demo driver, then the service', async () => {
    config.SANDBOX_OPENID = 'demo-driver-1';
    answerRequests(reply(200, { js_code: 'sb-code', expires_in: 300 }), reply(200, { token: 'T1', member: { id: 1 } }));
    const answer = await api.login();
    expect(answer.token).toBe('T1');
    const [code, auth] = requests();
    expect(code.url).toBe(SANDBOX + '/wechat/login-code');
    expect(code.method).toBe('POST');
    expect(code.data).toEqual({ openid: 'demo-driver-1' });
    expect(auth.url).toMatch(/\/api\/v1\/auth\/wechat$/);
    expect(auth.data).toEqual({ js_code: 'sb-code' });
    expect(wx.login).not.toHaveBeenCalled();
  });

  test('without a demo driver, this phone gets an openid of its own, kept across logins', async () => {
    answerRequests(reply(200, { js_code: 'c', expires_in: 300 }));
    await wechat.loginCode();
    await wechat.loginCode();
    const [first, second] = requests().map((r) => r.data.openid);
    expect(first).toMatch(/^devtools-/);
    expect(second).toBe(first);
  });

  test('the sandbox unreachable: login fails with a Chinese message', async () => {
    answerRequests(networkDown());
    await expect(api.login()).rejects.toMatchObject({ code: 'wx_login_failed', message: '微信登录失败，请稍后重试' });
  });

  test('paying asks the driver, then pays the sandbox with exactly the server’s parameters', async () => {
    answerRequests(reply(200, { trade_state: 'SUCCESS' }));
    await expect(wechat.requestPayment(PARAMS)).resolves.toBeUndefined();
    expect(wx.showModal.mock.calls[0][0].title).toBe('沙箱支付');
    expect(requests()).toHaveLength(1);
    expect(requests()[0].url).toBe(SANDBOX + '/wechatpay/pay');
    expect(requests()[0].data).toEqual(PARAMS);
    expect(wx.requestPayment).not.toHaveBeenCalled();
  });

  test('backing out of the sandbox payment is a cancel, and nothing is paid', async () => {
    wx.showModal.mockImplementation((opts) => opts.success({ confirm: false, cancel: true }));
    await expect(wechat.requestPayment(PARAMS)).rejects.toEqual({ errMsg: 'requestPayment:fail cancel' });
    expect(wx.request).not.toHaveBeenCalled();
  });

  test('a payment the sandbox refuses rejects with its message', async () => {
    answerRequests(apiError(400, 'invalid_signature', 'paySign 签名错误'));
    await expect(wechat.requestPayment(PARAMS)).rejects.toEqual({ errMsg: 'paySign 签名错误' });
  });

  test('no phone code from DevTools: the driver types a number and the sandbox vouches for it', async () => {
    wx.showModal.mockImplementation((opts) => opts.success({ confirm: true, content: ' 13912345678 ' }));
    answerRequests(reply(200, { code: 'ph-sb', expires_in: 300 }));
    await expect(wechat.phoneCode({ errMsg: 'getPhoneNumber:fail no permission' })).resolves.toBe('ph-sb');
    expect(wx.showModal.mock.calls[0][0].editable).toBe(true);
    expect(requests()[0].url).toBe(SANDBOX + '/wechat/phone-code');
    expect(requests()[0].data).toEqual({ phone: '13912345678' });
  });

  test('a number the sandbox refuses is told, and no code comes back', async () => {
    wx.showModal.mockImplementation((opts) => opts.success({ confirm: true, content: '123' }));
    answerRequests(apiError(400, 'invalid_request', 'phone 应为以 1 开头的 11 位数字'));
    await expect(wechat.phoneCode({})).resolves.toBe('');
    expect(wx.showToast.mock.calls[0][0].title).toBe('phone 应为以 1 开头的 11 位数字');
  });
});
