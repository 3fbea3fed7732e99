// The wallet page (pages/wallet/wallet) as its tests open it: wallet.test.js, and cards.test.js
// for its 充值卡 tab and the top-up history.
const { waitFor, openPage } = require('./simulate');
const { reply, answerRoutes } = require('./wx');
const { WALLET, page } = require('./fixtures');

const PACKAGES = {
  items: [
    { id: 3, name: '充500送30', kind: 'fixed', pay_fen: 50000, bonus_fen: 3000, min_fen: null, max_fen: null, station: null, ends_at: null },
    { id: 5, name: '充200', kind: 'fixed', pay_fen: 20000, bonus_fen: 0, min_fen: null, max_fen: null, station: null, ends_at: null },
    { id: 4, name: '自定义金额', kind: 'free', pay_fen: null, bonus_fen: 0, min_fen: 1000, max_fen: 500000, station: { id: 1, name: '昆明北京路加油站' }, ends_at: null },
  ],
};

/** Answer the page's GETs from `routes` over its usual answers (WALLET, PACKAGES, no top-ups); writes in order. */
const serve = (routes = {}, ...writeAnswers) =>
  answerRoutes(
    { 'GET /wallet': reply(200, WALLET), 'GET /topup-packages': reply(200, PACKAGES), 'GET /topups': reply(200, page([])), ...routes },
    ...writeAnswers,
  );

/** Open the loaded page with these options and wait until the balance and the history are in. */
async function open(pageId, options = {}) {
  const comp = await openPage(pageId, options);
  await waitFor(() => expect(comp.data.historyState).not.toBe('loading'));
  return comp;
}

module.exports = { PACKAGES, serve, open };
