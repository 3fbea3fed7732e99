// The one client of the driver API. Pages call request/get/post/put/del and get the JSON
// answer, or an ApiError with the API's Chinese message to show as it is.
//
// - The token is kept in storage ('jiayou.token') and sent as a bearer token. When the API
//   answers 401 to a request that carried a token, the client logs in again once and retries
//   once; a second 401 is the answer (never a loop).
// - Every write carries an Idempotency-Key. A page keeps the key of an action (newActionKey())
//   for its retries and makes a new one only after a success or a definite refusal, so a double
//   tap or a flaky network never pays twice (see ApiError.retryable).
const { API_BASE } = require('../config');
const wechat = require('./wechat');

const TOKEN_KEY = 'jiayou.token';
const TIMEOUT_MS = 15000;
const WRITES = ['POST', 'PUT', 'DELETE'];
const NETWORK_MESSAGE = '网络不给力，请检查网络后重试';
const SERVER_MESSAGE = '服务暂时不可用，请稍后重试';

class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when no answer arrived
   * @param {string} code the API's error code ('network' without an answer)
   * @param {string} message the Chinese message to show the driver
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.message = message;
  }

  /** True when the same action may be sent again with the same Idempotency-Key: no answer,
   * trouble on the server (5xx), a limit for now (429) or the same request still running. */
  get retryable() {
    return (
      this.status === 0 ||
      this.status >= 500 ||
      this.status === 429 ||
      this.code === 'request_in_progress'
    );
  }
}

/** A fresh key for one action (uuid v4 shape). */
function newActionKey() {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.map((b) => (b + 0x100).toString(16).slice(1)).join('');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/** @param {number} n @returns {number[]} */
function randomBytes(n) {
  const out = [];
  // crypto exists in newer base libraries and in tests; Math.random elsewhere.
  const scope = /** @type {any} */ (typeof globalThis !== 'undefined' ? globalThis : {});
  const c = scope.crypto;
  if (c && typeof c.getRandomValues === 'function') {
    const arr = new Uint8Array(n);
    c.getRandomValues(arr);
    for (let i = 0; i < n; i += 1) out.push(arr[i]);
    return out;
  }
  for (let i = 0; i < n; i += 1) out.push(Math.floor(Math.random() * 256));
  return out;
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || '';
}

/** @param {Record<string, any> | undefined} query */
function queryString(query) {
  if (!query) return '';
  const parts = Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * One HTTP exchange, no re-login: resolves the JSON of a 2xx, rejects with an ApiError.
 * @param {string} method
 * @param {string} path
 * @param {{query?: Record<string, any>, data?: any, idempotencyKey?: string, token?: string}} opts
 * @returns {Promise<any>}
 */
function send(method, path, { query, data, idempotencyKey, token }) {
  /** @type {Record<string, string>} */
  const header = { Accept: 'application/json' };
  if (token) header.Authorization = `Bearer ${token}`;
  if (WRITES.includes(method)) {
    header['Content-Type'] = 'application/json';
    header['Idempotency-Key'] = idempotencyKey || newActionKey();
  }
  return new Promise((resolve, reject) => {
    wx.request({
      url: API_BASE + path + queryString(query),
      method: /** @type {any} */ (method),
      header,
      data: data === undefined ? undefined : data,
      timeout: TIMEOUT_MS,
      dataType: 'json',
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve(res.data === '' ? null : res.data);
          return;
        }
        reject(errorOf(res.statusCode, res.data));
      },
      fail() {
        reject(new ApiError(0, 'network', NETWORK_MESSAGE));
      },
    });
  });
}

/** @param {number} status @param {any} body */
function errorOf(status, body) {
  const err = body && typeof body === 'object' ? body.error : null;
  if (err && err.message) return new ApiError(status, err.code || `http_${status}`, err.message);
  return new ApiError(status, `http_${status}`, status >= 500 ? SERVER_MESSAGE : '请求失败，请稍后重试');
}

/**
 * Call the API. On a 401 to a request that carried a token: log in again once, retry once
 * (with the same Idempotency-Key).
 * @param {'GET'|'POST'|'PUT'|'DELETE'} method
 * @param {string} path e.g. '/stations/nearby'
 * @param {{query?: Record<string, any>, data?: any, idempotencyKey?: string}} [opts]
 * @returns {Promise<any>}
 */
async function request(method, path, { query, data, idempotencyKey } = {}) {
  const key = WRITES.includes(method) ? idempotencyKey || newActionKey() : undefined;
  const token = getToken();
  try {
    return await send(method, path, { query, data, idempotencyKey: key, token });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !token) throw err;
  }
  // The token was refused. Another request may have renewed it meanwhile: use that one.
  let fresh = getToken();
  if (!fresh || fresh === token) {
    fresh = (await login()).token;
  }
  return send(method, path, { query, data, idempotencyKey: key, token: fresh });
}

/** @type {Promise<{token: string, member: any}> | null} */
let loginInFlight = null;

/**
 * wx.login, then POST /auth/wechat {js_code}; keeps the token. Concurrent callers share one
 * login.
 * @returns {Promise<{token: string, member: any}>}
 */
function login() {
  if (!loginInFlight) {
    loginInFlight = doLogin().finally(() => {
      loginInFlight = null;
    });
  }
  return loginInFlight;
}

async function doLogin() {
  const code = await wechat.loginCode().catch(() => {
    throw new ApiError(0, 'wx_login_failed', '微信登录失败，请稍后重试');
  });
  try {
    const answer = await send('POST', '/auth/wechat', {
      data: { js_code: code },
      idempotencyKey: newActionKey(),
    });
    wx.setStorageSync(TOKEN_KEY, answer.token);
    return { token: answer.token, member: answer.member };
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0) wx.removeStorageSync(TOKEN_KEY);
    throw err;
  }
}

/** Forget the token (log out on this phone). */
function logout() {
  wx.removeStorageSync(TOKEN_KEY);
}

/** @param {string} path @param {Record<string, any>} [query] */
const get = (path, query) => request('GET', path, { query });
/** @param {string} path @param {any} [data] @param {string} [idempotencyKey] */
const post = (path, data, idempotencyKey) => request('POST', path, { data, idempotencyKey });
/** @param {string} path @param {any} [data] @param {string} [idempotencyKey] */
const put = (path, data, idempotencyKey) => request('PUT', path, { data, idempotencyKey });
/** @param {string} path @param {any} [data] @param {string} [idempotencyKey] */
const del = (path, data, idempotencyKey) => request('DELETE', path, { data, idempotencyKey });

module.exports = {
  ApiError,
  TOKEN_KEY,
  NETWORK_MESSAGE,
  request,
  login,
  logout,
  newActionKey,
  getToken,
  get,
  post,
  put,
  del,
};
