// Asking again with back-off until something is done (a top-up credited by WeChat's
// notification), a bounded number of times: never a poll forever.

const BACKOFF_MS = [1000, 2000, 3000, 5000, 8000];

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait delays[i], then ask(), until done(answer); a failed ask counts as not done yet.
 * Stops early when stopped() (the page went away).
 * @template T
 * @param {() => Promise<T>} ask
 * @param {(answer: T) => boolean} done
 * @param {{delays?: number[], stopped?: () => boolean}} [opts]
 * @returns {Promise<{done: boolean, answer: T | null}>}
 */
async function until(ask, done, { delays = BACKOFF_MS, stopped = () => false } = {}) {
  let last = null;
  for (const ms of delays) {
    await sleep(ms);
    if (stopped()) break;
    try {
      last = await ask();
      if (done(last)) return { done: true, answer: last };
    } catch (err) {
      // Offline for a moment: the next try may get through.
    }
  }
  return { done: false, answer: last };
}

module.exports = { BACKOFF_MS, until };
