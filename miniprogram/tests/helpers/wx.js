// Helpers to program wx.request in tests and to read what the pages sent.

/** An answer for answerRequests: a status and a JSON body. */
const reply = (statusCode, data) => ({ statusCode, data });
/** An answer for answerRequests: no answer at all (wx.request's fail). */
const networkDown = () => ({ fail: true });
/** An API error answer in the service's shape. */
const apiError = (statusCode, code, message) => reply(statusCode, { error: { code, message } });

/**
 * Make wx.request answer with the given answers in order (the last one repeats). Answers are
 * asynchronous, like the real thing. Returns the mock, whose .mock.calls[i][0] are the options
 * of each request (url, method, header, data).
 * @param {...({statusCode:number,data:any}|{fail:true}|((opts:any)=>any))} answers
 */
function answerRequests(...answers) {
  let i = 0;
  wx.request.mockImplementation((opts) => {
    let answer = answers[Math.min(i, answers.length - 1)];
    i += 1;
    if (typeof answer === 'function') answer = answer(opts);
    setTimeout(() => {
      if (answer.fail) opts.fail && opts.fail({ errMsg: 'request:fail timeout' });
      else opts.success && opts.success({ header: {}, ...answer });
    }, 0);
    return { abort: jest.fn() };
  });
  return wx.request;
}

/** Make wx.request never answer (a page still loading). */
const answerNothing = () => wx.request.mockImplementation(() => ({ abort: jest.fn() }));

/** A request's path after the API base, without its query: '/orders/5021'. */
const path = (opts) => opts.url.split('?')[0].replace(/^https?:\/\/[^/]+(\/api\/v1)?/, '');
/** A request's method in capitals. */
const method = (opts) => (opts.method || 'GET').toUpperCase();

/**
 * Make wx.request answer by 'METHOD /path' (the path after the API base, no query). A route is
 * an answer, (opts) => answer, or a list of those used in turn (the last repeats). A write with
 * no route takes the next of writeAnswers (in turn, the last repeats); anything else is a 404.
 * @param {Record<string, any>} routes
 * @param {...any} writeAnswers
 */
function answerRoutes(routes, ...writeAnswers) {
  const used = {};
  let w = 0;
  const pick = (list, i) => list[Math.min(i, list.length - 1)];
  return answerRequests((opts) => {
    const key = method(opts) + ' ' + path(opts);
    let answer;
    if (key in routes) {
      const i = used[key] || 0;
      used[key] = i + 1;
      answer = pick([].concat(routes[key]), i);
    } else if (method(opts) !== 'GET' && writeAnswers.length) {
      answer = pick(writeAnswers, w);
      w += 1;
    } else {
      answer = apiError(404, 'not_found', '没有这个接口: ' + key);
    }
    return typeof answer === 'function' ? answer(opts) : answer;
  });
}

/** The options of every wx.request call so far. */
const requests = () => wx.request.mock.calls.map((c) => c[0]);
/** The requests with this method to this path, e.g. requestsTo('POST', '/me/phone'). */
const requestsTo = (m, p) => requests().filter((r) => method(r) === m && path(r) === p);
/** The GETs so far, only those to path p if given. */
const gets = (p) => requests().filter((r) => method(r) === 'GET' && (p === undefined || path(r) === p));
/** The requests that change something (all but GETs), in order. */
const writes = () => requests().filter((r) => method(r) !== 'GET');

/** A request's url (no query), method and query, wherever the client put the query. */
function parseRequest(opts) {
  const [url, qs] = opts.url.split('?');
  const query = {};
  (qs || '').split('&').filter(Boolean).forEach((kv) => {
    const [k, v] = kv.split('=');
    query[decodeURIComponent(k)] = decodeURIComponent(v);
  });
  if (opts.data && typeof opts.data === 'object') {
    Object.keys(opts.data).forEach((k) => {
      query[k] = String(opts.data[k]);
    });
  }
  return { url, query, method: method(opts) };
}

module.exports = {
  reply,
  apiError,
  networkDown,
  answerRequests,
  answerNothing,
  answerRoutes,
  path,
  method,
  requests,
  requestsTo,
  gets,
  writes,
  parseRequest,
};
