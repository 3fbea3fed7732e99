const api = require('../utils/api');
const { API_BASE } = require('../config');
const { reply, apiError, networkDown, answerRequests, answerRoutes, requests } = require('./helpers/wx');

const LOGIN_OK = reply(200, {
  token: 'new-token',
  token_type: 'Bearer',
  member: { id: 7, nickname: '车主' },
});
const EXPIRED = apiError(401, 'unauthorized', '请先登录');

test('sends the stored token as a bearer token to API_BASE + path with the query', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'tok-1');
  answerRequests(reply(200, { items: [1] }));
  const answer = await api.get('/stations/nearby', { lat: 25.04, lng: 102.71, q: '', page: undefined });
  expect(answer).toEqual({ items: [1] });
  const [opts] = requests();
  expect(opts.url).toBe(`${API_BASE}/stations/nearby?lat=25.04&lng=102.71`);
  expect(opts.method).toBe('GET');
  expect(opts.header.Authorization).toBe('Bearer tok-1');
  expect(opts.header['Idempotency-Key']).toBeUndefined();
});

test('no token: no Authorization header, and a 401 is the answer (no login)', async () => {
  answerRequests(EXPIRED);
  await expect(api.get('/me')).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  expect(requests()[0].header.Authorization).toBeUndefined();
  expect(wx.login).not.toHaveBeenCalled();
});

test('a 401 with a token logs in again once and retries once with the new token', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  let meCalls = 0;
  answerRoutes({
    'GET /me': () => (++meCalls === 1 ? EXPIRED : reply(200, { id: 7 })),
    'POST /auth/wechat': LOGIN_OK,
  });
  await expect(api.get('/me')).resolves.toEqual({ id: 7 });
  const calls = requests();
  expect(calls.map((c) => c.method + ' ' + c.url.slice(API_BASE.length))).toEqual([
    'GET /me',
    'POST /auth/wechat',
    'GET /me',
  ]);
  expect(calls[1].data).toEqual({ js_code: 'test-js-code' });
  expect(calls[1].header['Idempotency-Key']).toBeTruthy();
  expect(calls[1].header.Authorization).toBeUndefined();
  expect(calls[2].header.Authorization).toBe('Bearer new-token');
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(wx.getStorageSync(api.TOKEN_KEY)).toBe('new-token');
});

test('a second 401 after the re-login is the answer: no loop', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  answerRoutes({ 'GET /me': EXPIRED, 'POST /auth/wechat': LOGIN_OK });
  await expect(api.get('/me')).rejects.toMatchObject({ status: 401, message: '请先登录' });
  expect(requests()).toHaveLength(3);
  expect(wx.login).toHaveBeenCalledTimes(1);
});

test('a refused re-login is the answer and forgets the token', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  answerRoutes({
    'GET /me': EXPIRED,
    'POST /auth/wechat': apiError(403, 'user_blocked', '该微信账号存在安全风险，暂时无法登录'),
  });
  await expect(api.get('/me')).rejects.toMatchObject({ status: 403, code: 'user_blocked' });
  expect(requests()).toHaveLength(2);
  expect(wx.getStorageSync(api.TOKEN_KEY)).toBe('');
});

test('two concurrent 401s share one login', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  answerRoutes({
    'GET /me': (o) => (o.header.Authorization === 'Bearer new-token' ? reply(200, { id: 7 }) : EXPIRED),
    'GET /me/wallet': (o) =>
      o.header.Authorization === 'Bearer new-token' ? reply(200, { principal_fen: 100 }) : EXPIRED,
    'POST /auth/wechat': LOGIN_OK,
  });
  const [me, wallet] = await Promise.all([api.get('/me'), api.get('/me/wallet')]);
  expect(me).toEqual({ id: 7 });
  expect(wallet).toEqual({ principal_fen: 100 });
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(requests().filter((c) => c.url.endsWith('/auth/wechat'))).toHaveLength(1);
});

test('a 401 after another request already renewed the token retries without logging in', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  answerRequests((o) => {
    if (o.header.Authorization === 'Bearer old-token') {
      wx.setStorageSync(api.TOKEN_KEY, 'renewed'); // renewed while this request was out
      return EXPIRED;
    }
    return reply(200, { ok: true });
  });
  await expect(api.get('/me')).resolves.toEqual({ ok: true });
  expect(wx.login).not.toHaveBeenCalled();
  expect(requests()[1].header.Authorization).toBe('Bearer renewed');
});

test('writes carry an Idempotency-Key; a page retrying with its key sends the same one', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'tok');
  answerRequests(networkDown(), reply(201, { id: 42 }));
  const key = api.newActionKey();
  const order = { station_id: 1, amount_fen: 20000 };
  await expect(api.post('/orders', order, key)).rejects.toMatchObject({ status: 0, code: 'network' });
  await expect(api.post('/orders', order, key)).resolves.toEqual({ id: 42 });
  const [first, second] = requests();
  expect(first.header['Idempotency-Key']).toBe(key);
  expect(second.header['Idempotency-Key']).toBe(key);
  expect(second.data).toEqual(order);
  expect(second.header['Content-Type']).toBe('application/json');
});

test('a write without a key gets a fresh one; PUT and DELETE too', async () => {
  answerRequests(reply(200, {}));
  await api.post('/me/vehicles', { plate: '云A12345' });
  await api.put('/me/vehicles/3', { is_default: true });
  await api.del('/me/vehicles/3');
  const keys = requests().map((c) => c.header['Idempotency-Key']);
  expect(requests().map((c) => c.method)).toEqual(['POST', 'PUT', 'DELETE']);
  keys.forEach((k) => expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
  expect(new Set(keys).size).toBe(3);
});

test('the re-login retry of a write keeps its Idempotency-Key', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'old-token');
  let orders = 0;
  answerRoutes({
    'POST /orders': () => (++orders === 1 ? EXPIRED : reply(201, { id: 1 })),
    'POST /auth/wechat': LOGIN_OK,
  });
  await api.request('POST', '/orders', { data: { a: 1 }, idempotencyKey: 'k-1' });
  const orderCalls = requests().filter((c) => c.url.endsWith('/orders'));
  expect(orderCalls.map((c) => c.header['Idempotency-Key'])).toEqual(['k-1', 'k-1']);
});

test('an error answer rejects with the API status, code and Chinese message', async () => {
  wx.setStorageSync(api.TOKEN_KEY, 'tok');
  answerRequests(apiError(409, 'insufficient_balance', '钱包余额不足，还差 ¥12.30'));
  const err = await api.post('/orders', {}).catch((e) => e);
  expect(err).toBeInstanceOf(api.ApiError);
  expect(err).toMatchObject({ status: 409, code: 'insufficient_balance', message: '钱包余额不足，还差 ¥12.30' });
  expect(err.retryable).toBe(false);
});

test('an answer without the API error shape still has a Chinese message', async () => {
  answerRequests(reply(502, '<html>Bad Gateway</html>'));
  const err = await api.get('/stations').catch((e) => e);
  expect(err).toMatchObject({ status: 502, code: 'http_502', message: '服务暂时不可用，请稍后重试' });
  expect(err.retryable).toBe(true);
});

test('a network failure rejects with status 0 and the network message', async () => {
  answerRequests(networkDown());
  const err = await api.get('/stations').catch((e) => e);
  expect(err).toMatchObject({ status: 0, code: 'network', message: '网络不给力，请检查网络后重试' });
  expect(err.retryable).toBe(true);
});

test('retryable: keep the key for 5xx, 429 and request_in_progress, not for other 4xx', () => {
  expect(new api.ApiError(503, 'busy', 'x').retryable).toBe(true);
  expect(new api.ApiError(429, 'too_many_requests', 'x').retryable).toBe(true);
  expect(new api.ApiError(409, 'request_in_progress', 'x').retryable).toBe(true);
  expect(new api.ApiError(409, 'conflict', 'x').retryable).toBe(false);
  expect(new api.ApiError(400, 'invalid_request', 'x').retryable).toBe(false);
});

test('login() stores the token and answers the member; concurrent callers share it', async () => {
  answerRequests(LOGIN_OK);
  const [a, b] = await Promise.all([api.login(), api.login()]);
  expect(a).toEqual({ token: 'new-token', member: { id: 7, nickname: '车主' } });
  expect(b).toBe(a);
  expect(wx.login).toHaveBeenCalledTimes(1);
  expect(wx.getStorageSync(api.TOKEN_KEY)).toBe('new-token');
});

test('login() when wx.login fails', async () => {
  wx.login.mockImplementation((o) => o.fail({ errMsg: 'login:fail' }));
  await expect(api.login()).rejects.toMatchObject({ status: 0, code: 'wx_login_failed' });
  expect(wx.request).not.toHaveBeenCalled();
});

test('newActionKey() works without crypto (Math.random)', () => {
  const saved = global.crypto;
  try {
    Object.defineProperty(global, 'crypto', { value: undefined, configurable: true });
    expect(api.newActionKey()).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    Object.defineProperty(global, 'crypto', { value: saved, configurable: true });
  }
});
