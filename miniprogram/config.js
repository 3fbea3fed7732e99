// The one place the mini-program learns where its service is. The demo talks to the local
// service; for a real appid, put the chain's HTTPS domain here (and in the WeChat admin
// console's request domains). No secret belongs in the client.
const API_BASE = 'http://127.0.0.1:5000/api/v1';
// Used only when the app runs against the sandbox, which stands in for WeChat login and pay.
const SANDBOX_BASE = 'http://127.0.0.1:5000/sandbox';

module.exports = { API_BASE, SANDBOX_BASE };
