// A driver's journey through the real service with the mini-program's own client (utils/api.js,
// unchanged): read the home page's banners and notices before logging in, log in, find a station,
// claim a coupon and find it in 我的优惠券, add a car, top up by WeChat, redeem a recharge card, order
// and pay from the wallet and by WeChat, get the order fuelled by the attendant's handheld with
// fewer litres than paid, see the difference refunded, ask for 10 元 of the fuel back (申请退款:
// a retry with the same key asks once, a second request is refused while the first waits), see
// the points the order earned in 积分流水 and spend them in 积分商城 for a code to show at the
// counter. Run by tests/miniprogram/test_contract.py, which then checks every recorded answer
// against the OpenAPI documents.
//
//   node tests/contract/journey.js <server-url> <out.json> --card=NUMBER:SECRET
//        --attendant=USERNAME:PASSWORD --coupon=TEMPLATE_ID --points=ITEM_ID:DEAR_ITEM_ID
//        [--openid=o-contract-driver]
//
// Exits 1 with the reason on any unexpected answer; the exchanges so far are written either way.
const fs = require('fs');
const Module = require('module');
const path = require('path');
const { installWx, handheld } = require('./node-wx');

const [server, outFile, ...flags] = process.argv.slice(2);
const options = Object.fromEntries(
  flags.map((f) => f.replace(/^--/, '').split(/=(.*)/s).slice(0, 2)),
);
if (!server || !outFile || !options.card || !options.attendant || !options.coupon || !options.points) {
  console.error(
    'usage: node journey.js <server-url> <out.json> --card=NUMBER:SECRET ' +
      '--attendant=USERNAME:PASSWORD --coupon=TEMPLATE_ID --points=ITEM_ID:DEAR_ITEM_ID [--openid=ID]',
  );
  process.exit(2);
}
const base = server.replace(/\/+$/, '');
const exchanges = [];
installWx({ apiBase: `${base}/api/v1`, exchanges });

// config.js names the demo's service: this run's server instead, before api.js reads it.
const configPath = require.resolve('../../config');
const config = new Module(configPath);
config.filename = configPath;
config.loaded = true;
// As in the DevTools demo: the sandbox stands in for WeChat's login code and payment sheet.
config.exports = {
  API_BASE: `${base}/api/v1`,
  SANDBOX_BASE: `${base}/sandbox`,
  SANDBOX_OPENID: options.openid || 'o-contract-driver',
};
require.cache[configPath] = config;
const api = require('../../utils/api');
const wechat = require('../../utils/wechat');

const CJK = /[\u4e00-\u9fff]/;
const POLL_MS = 50;
const WAIT_MS = 20000;

function check(ok, message) {
  if (!ok) throw new Error(message);
}

/** Ask again until `fn` answers something truthy (bounded). */
async function until(what, fn) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await fn();
    if (found) return found;
    check(Date.now() < deadline, `gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Pay with the service's parameters through the app's own utils/wechat.js, as the pages do. */
function pay(params) {
  return wechat.requestPayment(params).catch((res) => {
    throw new Error(res.errMsg);
  });
}

/** GET as wx.request with responseType arraybuffer (an <image> cannot send the token). */
function getBytes(url) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'GET',
      header: { Authorization: `Bearer ${api.getToken()}` },
      responseType: 'arraybuffer',
      success: (res) => resolve(res),
      fail: (res) => reject(new Error(res.errMsg)),
    });
  });
}

async function journey() {
  const steps = {};
  // The home page before any login: the city's banners and notices.
  const banners = await api.get('/banners', { city: '昆明' });
  const notices = await api.get('/notices', { city: '昆明' });
  check(Array.isArray(banners.items) && Array.isArray(notices.items), 'no banners or notices list');
  check(!api.getToken(), 'a token before logging in');

  const { member } = await api.login();
  check(api.getToken() && member, 'login gave no token or member');

  const nearby = await api.get('/stations', { lat: 25.0406, lng: 102.7123 });
  check(nearby.items.length > 0, 'no station near Kunming');
  const station = await api.get(`/stations/${nearby.items[0].id}`);
  check(station.fuels.some((f) => f.code === '92'), `${station.name} sells no 92#`);

  // The claim centre: a retry of the claim (same key) gets the same coupon, another claim past
  // the limit is refused in Chinese, and the coupon is in 我的优惠券.
  const offers = await api.get('/coupons/claimable', { station_id: station.id });
  const offer = offers.items.find((o) => o.template_id === Number(options.coupon));
  check(offer && offer.may_claim, `coupon ${options.coupon} is not on offer`);
  const claimKey = api.newActionKey();
  const claimed = await api.post('/coupons/claim', { template_id: offer.template_id }, claimKey);
  const replayed = await api.post('/coupons/claim', { template_id: offer.template_id }, claimKey);
  check(replayed.id === claimed.id, 'a retry with the same key claimed another coupon');
  try {
    await api.post('/coupons/claim', { template_id: offer.template_id }, api.newActionKey());
    check(false, 'a claim past the per-member limit was accepted');
  } catch (err) {
    check(err instanceof api.ApiError, `unexpected ${err}`);
    check(err.status === 409 && err.code === 'coupon_limit_reached', `over the limit: ${err.code}`);
    check(CJK.test(err.message) && !err.retryable, `over the limit message: ${err.message}`);
  }
  const mine = await api.get('/me/coupons', { status: 'available', page: 1 });
  check(mine.items.some((c) => c.id === claimed.id), 'the claimed coupon is not in my coupons');
  steps.coupon_id = claimed.id;

  const car = await api.post('/vehicles', { plate: '云A12345', fuel: '92', is_default: true });
  const cars = await api.get('/vehicles');
  check(JSON.stringify(cars).includes(car.plate), 'the new car is not in the list');

  const empty = await api.get('/wallet');
  check(empty.balance_fen === 0, `a new driver's wallet holds ${empty.balance_fen}`);

  // Top up by WeChat: the package, the prepay, the payment, then wait for the credit.
  const packages = await api.get('/topup-packages', { station_id: station.id });
  const fixed = packages.items.find((p) => p.kind === 'fixed');
  check(fixed, 'no fixed top-up package');
  const started = await api.post(
    '/topups',
    { package_id: fixed.id, station_id: station.id },
    api.newActionKey(),
  );
  await pay(started.wechat_pay);
  const topup = await until('the top-up to be credited', async () => {
    const t = await api.get(`/topups/${started.topup.id}`);
    return t.status === 'credited' && t;
  });
  check(topup.principal_fen === fixed.pay_fen, 'the top-up credited another amount');
  await api.get('/topups');

  const [number, secret] = options.card.split(':');
  const card = await api.post('/recharge-cards/redeem', { number, secret }, api.newActionKey());
  check(card.credited_fen > 0, 'the card credited nothing');
  const funded = await api.get('/wallet');
  const expected = fixed.pay_fen + fixed.bonus_fen + card.credited_fen;
  check(funded.balance_fen === expected, `wallet ${funded.balance_fen}, expected ${expected}`);

  // Order and pay from the wallet in one call: the pickup code comes with the answer.
  const order = { station_id: station.id, fuel: '92', mode: 'amount', plate: car.plate };
  const walletBody = Object.assign({ amount_fen: 20000, pay_with: 'wallet' }, order);
  const walletKey = api.newActionKey();
  const byWallet = await api.post('/orders', walletBody, walletKey);
  const walletOrder = byWallet.order;
  // A retry of the same action (same key, as a page does after a lost answer) pays once.
  const retried = await api.post('/orders', walletBody, walletKey);
  check(retried.order.id === walletOrder.id, 'a retry with the same key made another order');
  check(walletOrder.status === 'paid', `wallet order is ${walletOrder.status}`);
  check(walletOrder.pickup && walletOrder.pickup.token, 'paid order shows no pickup token');
  check(/^\d{8}$/.test(walletOrder.pickup.code || ''), 'pickup code is not 8 digits');
  const qr = await getBytes(walletOrder.pickup.qr_url);
  const png = Buffer.from(qr.data);
  check(qr.statusCode === 200, `qr.png answered ${qr.statusCode}`);
  check(png.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')), 'qr.png is no PNG');

  // Order and pay by WeChat: the client pays, the service learns it from WeChat Pay.
  const byWechat = await api.post(
    '/orders',
    Object.assign({ amount_fen: 10000, pay_with: 'wechat' }, order),
    api.newActionKey(),
  );
  check(byWechat.wechat_pay && !byWechat.payment_error, 'no WeChat Pay parameters');
  await pay(byWechat.wechat_pay);
  const wechatOrder = await until('the WeChat order to be paid', async () => {
    const o = await api.get(`/orders/${byWechat.order.id}`);
    return o.status === 'paid' && o;
  });
  check(wechatOrder.payment_method === 'wechat', 'the WeChat order was paid another way');

  // The attendant scans the wallet order's code and reads fewer litres off the pump.
  const hand = handheld(`${base}/attendant/api`, exchanges);
  const [username, password] = options.attendant.split(':');
  const login = await hand.post('/login', { username, password });
  check(login.status === 200, `attendant login answered ${login.status}`);
  const token = encodeURIComponent(walletOrder.pickup.token);
  const looked = await hand.get(`/orders/lookup?token=${token}`);
  check(looked.status === 200 && looked.data.id === walletOrder.id, 'lookup found another order');
  const litres = 20000;
  const preview = await hand.get(`/orders/preview?token=${token}&dispensed_ml=${litres}`);
  check(preview.status === 200 && preview.data.refund_fen > 0, 'preview shows no refund');
  const confirmed = await hand.post('/orders/confirm', {
    token: walletOrder.pickup.token,
    dispensed_ml: litres,
  });
  check(confirmed.status === 200, `confirm answered ${confirmed.status}`);
  const refundFen = confirmed.data.refund_fen;

  // The driver sees the order fuelled, then settled with the difference back in the wallet.
  const settled = await until('the settlement refund', async () => {
    const o = await api.get(`/orders/${walletOrder.id}`);
    return o.status === 'settled' && o.refunds.some((r) => r.status === 'SUCCESS') && o;
  });
  check(settled.dispensed_ml === litres, `order shows ${settled.dispensed_ml} ml`);
  const refund = settled.refunds[0];
  check(refund.amount_fen === refundFen, `refund ${refund.amount_fen}, handheld said ${refundFen}`);
  check(refund.method === 'wallet' && refund.kind === 'settlement', 'refund of another kind');
  check(settled.refunded_fen === refundFen, 'refunded_fen differs from the refund');

  // 申请退款 of the settled order: what the order page offers, then the form's request.
  check(settled.can_request_refund === true, 'a settled wallet order offers no refund request');
  check(settled.refundable_fen === settled.dispensed_fen, `may ask ${settled.refundable_fen}`);
  const askBody = { amount_fen: 1000, reason_code: 'short_fuel', note: '加油量不符' };
  const askKey = api.newActionKey();
  const askPath = `/orders/${walletOrder.id}/refund-requests`;
  const asked = await api.post(askPath, askBody, askKey);
  const askedAgain = await api.post(askPath, askBody, askKey); // a retry of the same action
  check(asked.refund_requests.length === 1, 'the request is not on the order');
  check(askedAgain.refund_requests.length === 1, 'a retry with the same key asked twice');
  const request = asked.refund_requests[0];
  check(request.status === 'pending' && request.status_name === '待处理', `request ${request.status}`);
  check(asked.can_request_refund === false && asked.refund_request_hint, 'a second request offered');
  try {
    await api.post(askPath, { amount_fen: 100, reason_code: 'duplicate' }, api.newActionKey());
    check(false, 'a second request of the order was accepted');
  } catch (err) {
    check(err instanceof api.ApiError, `unexpected ${err}`);
    check(err.status === 409 && err.code === 'refund_request_open', `second request: ${err.code}`);
    check(CJK.test(err.message) && !err.retryable, `second request message: ${err.message}`);
  }

  Object.assign(steps, await points(walletOrder));

  const history = await api.get('/orders');
  const ids = history.items.map((o) => o.id);
  check(ids.includes(walletOrder.id) && ids.includes(wechatOrder.id), 'history lacks an order');
  const wallet = await api.get('/wallet');
  const left = expected - 20000 + refundFen;
  check(wallet.balance_fen === left, `wallet ${wallet.balance_fen} at the end, expected ${left}`);
  // A token the service no longer takes: the client logs in again once and retries.
  wx.setStorageSync(api.TOKEN_KEY, 'expired-token');
  const me = await api.get('/me');
  check(me.id === member.id && api.getToken() !== 'expired-token', 'no fresh login after 401');

  // A refusal: the API's error shape, with a Chinese message for the driver.
  try {
    await api.post('/orders', Object.assign({ amount_fen: 50 }, order), api.newActionKey());
    check(false, 'an order of 0.50 元 was accepted');
  } catch (err) {
    check(err instanceof api.ApiError, `unexpected ${err}`);
    check(err.status === 400 && err.code === 'invalid_request', `bad amount: ${err.status}`);
    check(CJK.test(err.message) && !err.retryable, `bad amount message: ${err.message}`);
  }

  steps.member_id = member.id;
  steps.wallet_order_id = walletOrder.id;
  steps.wechat_order_id = wechatOrder.id;
  steps.topup_id = topup.id;
  steps.refund_fen = refundFen;
  steps.refund_request_id = request.id;
  steps.balance_fen = wallet.balance_fen;
  return steps;
}

/**
 * 我的积分, 积分商城 and 我的兑换 as the pages ask them: the settled order's points in the ledger
 * with the balance after them, one item redeemed (a retry with the same key gives the same
 * code), the code shown by its own page and in the list, the ledger's redeem line, and a
 * redemption past the points left refused in Chinese with nothing taken.
 */
async function points(order) {
  const [itemId, dearId] = options.points.split(':').map(Number);
  const earned = await api.get('/me/points');
  check(earned.rule && earned.balance > 0, `no points after settlement: ${earned.balance}`);
  check(earned.expiring && earned.expiring.points === earned.balance, 'the new lot is not the one to expire');
  const ledger = await api.get('/me/points/ledger', { page: 1, per_page: 20 });
  const [earn] = ledger.items;
  check(earn && earn.kind === 'earn' && earn.order_id === order.id, 'the ledger lacks the order\'s points');
  check(earn.delta === earned.balance && earn.balance_after === earned.balance, 'earned line and balance differ');

  const catalogue = await api.get('/points/catalogue');
  const item = catalogue.items.find((i) => i.id === itemId);
  check(catalogue.balance === earned.balance, `catalogue balance ${catalogue.balance}`);
  check(item && item.may_redeem && item.points <= earned.balance, `item ${itemId} may not be redeemed`);
  const key = api.newActionKey();
  const redeemed = await api.post('/points/redeem', { item_id: item.id }, key);
  const replayed = await api.post('/points/redeem', { item_id: item.id }, key);
  check(replayed.id === redeemed.id && replayed.code === redeemed.code, 'a retry with the same key redeemed again');
  check(redeemed.status === 'unused' && /^\d{12}$/.test(redeemed.code || ''), 'the redemption gave no code');
  const shown = await api.get(`/me/redemptions/${redeemed.id}`);
  check(shown.code === redeemed.code && shown.code_text === redeemed.code_text, 'the code page shows another code');
  const mine = await api.get('/me/redemptions', { page: 1, per_page: 20 });
  check(mine.items.length === 1 && mine.items[0].id === redeemed.id, 'my redemptions lack it');

  const left = earned.balance - item.points;
  const spent = await api.get('/me/points/ledger', { page: 1, per_page: 20 });
  const [line] = spent.items;
  check(line.kind === 'redeem' && line.redemption_id === redeemed.id, 'the ledger lacks the redemption');
  check(line.delta === -item.points && line.balance_after === left, `redeem line ${line.delta} ${line.balance_after}`);
  try {
    await api.post('/points/redeem', { item_id: dearId }, api.newActionKey());
    check(false, 'a redemption past the points left was accepted');
  } catch (err) {
    check(err instanceof api.ApiError, `unexpected ${err}`);
    check(err.status === 409 && err.code === 'points_insufficient', `past the points: ${err.code}`);
    check(CJK.test(err.message) && !err.retryable, `past the points message: ${err.message}`);
  }
  const after = await api.get('/me/points');
  check(after.balance === left, `points ${after.balance} at the end, expected ${left}`);
  return { points_earned: earned.balance, points_left: left, redemption_id: redeemed.id };
}

function write(result) {
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(Object.assign({ exchanges }, result), null, 1));
}

journey().then(
  (steps) => {
    write({ ok: true, steps });
    console.log(`journey done: ${exchanges.length} exchanges`);
  },
  (err) => {
    write({ ok: false, error: String(err && err.stack) });
    const message = err instanceof api.ApiError ? `${err.status} ${err.code} ${err.message}` : err;
    const last = exchanges[exchanges.length - 1];
    const after = last ? ` (last exchange: ${last.method} ${last.path} ${last.status})` : '';
    console.error(`journey failed: ${message}${after}`);
    process.exit(1);
  },
);
