// A global `wx` for plain Node, over real HTTP, so the mini-program's own utils/api.js talks
// to a running service: wx.request and storage in memory. WeChat's login and pay are the app's
// own sandbox stand-in (utils/wechat.js, as in the DevTools demo), so they need no stub here.
//
// Every exchange under the API base is recorded ({api, method, path, query, status,
// content_type, body, bytes}) for the contract check against the OpenAPI document.
const http = require('http');
const https = require('https');

/**
 * One HTTP exchange.
 * @param {string} method
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {Buffer | null} body
 * @param {number} timeoutMs
 * @returns {Promise<{status: number, headers: Record<string, any>, body: Buffer}>}
 */
function send(method, url, headers, body, timeoutMs) {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode || 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** JSON when the answer says so, else null. */
function jsonOf(answer) {
  const type = String(answer.headers['content-type'] || '');
  if (!type.includes('json') || answer.body.length === 0) return null;
  return JSON.parse(answer.body.toString('utf8'));
}

/** An exchange as recorded for the contract check. */
function record(api, method, url, base, answer) {
  const parsed = new URL(url);
  const json = jsonOf(answer);
  return {
    api,
    method,
    path: parsed.pathname.slice(new URL(base).pathname.length),
    query: parsed.search,
    status: answer.status,
    content_type: String(answer.headers['content-type'] || '').split(';')[0].trim(),
    body: json,
    bytes: answer.body.length,
  };
}

/**
 * Install global.wx.
 * @param {{apiBase: string, exchanges: any[]}} opts
 */
function installWx({ apiBase, exchanges }) {
  const storage = new Map();
  const wx = {
    request(opts) {
      const method = (opts.method || 'GET').toUpperCase();
      const headers = Object.assign({}, opts.header || {});
      let body = null;
      if (opts.data !== undefined && method !== 'GET') {
        body = Buffer.from(typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data));
        headers['Content-Length'] = String(body.length);
      }
      send(method, opts.url, headers, body, opts.timeout || 60000).then(
        (answer) => {
          if (opts.url.startsWith(apiBase)) {
            exchanges.push(record('driver', method, opts.url, apiBase, answer));
          }
          // As WeChat: an ArrayBuffer when asked, JSON parsed when it parses, else the text.
          let data;
          if (opts.responseType === 'arraybuffer') {
            const buf = answer.body;
            data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
          } else {
            data = answer.body.toString('utf8');
            if ((opts.dataType || 'json') === 'json') {
              try {
                data = JSON.parse(data);
              } catch (e) {
                // not JSON: the text, as WeChat gives it
              }
            }
          }
          const res = {
            statusCode: answer.status,
            data,
            header: answer.headers,
            errMsg: 'request:ok',
          };
          if (opts.success) opts.success(res);
          if (opts.complete) opts.complete(res);
        },
        (err) => {
          const res = { errMsg: `request:fail ${err.message}` };
          if (opts.fail) opts.fail(res);
          if (opts.complete) opts.complete(res);
        },
      );
      return { abort() {} };
    },

    // The demo's sandbox payment sheet (utils/wechat.js): the driver confirms.
    showModal(opts) {
      if (opts.success) opts.success({ confirm: true, cancel: false, errMsg: 'showModal:ok' });
    },

    getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
    setStorageSync: (key, value) => {
      storage.set(key, value);
    },
    removeStorageSync: (key) => {
      storage.delete(key);
    },
  };
  global.wx = wx;
  return wx;
}

/**
 * The handheld's client (not the driver's): a session cookie and the CSRF header on writes.
 * @param {string} base e.g. http://127.0.0.1:5000/attendant/api
 * @param {any[]} exchanges where its exchanges are recorded (api 'attendant')
 */
function handheld(base, exchanges) {
  const cookies = new Map();
  let csrf = '';
  async function call(method, path, data) {
    const headers = { Accept: 'application/json' };
    if (cookies.size) {
      headers.Cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body = null;
    if (data !== undefined) {
      body = Buffer.from(JSON.stringify(data));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    if (method === 'POST' && csrf) headers['X-CSRFToken'] = csrf;
    const url = base + path;
    const answer = await send(method, url, headers, body, 15000);
    for (const line of [].concat(answer.headers['set-cookie'] || [])) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    exchanges.push(record('attendant', method, url, base, answer));
    const json = jsonOf(answer);
    if (path === '/login' && answer.status === 200) csrf = json.csrf_token;
    return { status: answer.status, data: json };
  }
  return {
    get: (path) => call('GET', path),
    post: (path, data) => call('POST', path, data),
  };
}

module.exports = { installWx, handheld };
