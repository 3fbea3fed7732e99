// The one place the mini-program learns where its service is. The demo talks to the local
// service; for a real appid, put the chain's HTTPS domain here (and in the WeChat admin
// console's request domains). No secret belongs in the client.
const API_BASE = 'http://127.0.0.1:5000/api/v1';
// The demo only: the service's sandbox stands in for WeChat's login, pay and phone codes
// (utils/wechat.js), and the driver is demo-driver-1 of the demo data. A real build sets both
// to ''.
const SANDBOX_BASE = 'http://127.0.0.1:5000/sandbox';
const SANDBOX_OPENID = 'demo-driver-1';

module.exports = { API_BASE, SANDBOX_BASE, SANDBOX_OPENID };
