// Helpers to program wx.request in tests.

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

/** The options of every wx.request call so far. */
const requests = () => wx.request.mock.calls.map((c) => c[0]);

module.exports = { reply, apiError, networkDown, answerRequests, requests };
