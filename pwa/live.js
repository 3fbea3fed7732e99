/* 加油员助手: the station's paid orders, live. The waiting list once, then station events by
   long polling from the last sequence number seen (kept in IndexedDB, so a handheld that was
   offline or closed resumes without missing anything). */
"use strict";

(function (J) {
  let run = 0; // bumped to stop the current loop
  let stopper = null; // aborts the current loop's request in flight
  let station = null;
  let audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 1046;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.18);
    } catch (e) {
      /* no sound on this device */
    }
    if (navigator.vibrate) {
      try {
        navigator.vibrate([150, 80, 150]);
      } catch (e) {
        /* not allowed */
      }
    }
  }

  /* Browsers allow sound only after a tap: wake the audio on the first one. */
  document.addEventListener(
    "pointerdown",
    () => {
      try {
        audio = audio || new (window.AudioContext || window.webkitAudioContext)();
        audio.resume();
      } catch (e) {
        audio = null;
      }
    },
    { once: true, capture: true },
  );

  function row(order) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "order-row";
    button.dataset.orderId = order.id;
    const top = document.createElement("span");
    top.className = "row-top";
    const nozzle = document.createElement("strong");
    nozzle.className = "nozzle";
    nozzle.textContent = order.nozzle ? order.nozzle + " 号枪" : "任意枪";
    const fuel = document.createElement("strong");
    fuel.textContent = order.fuel.name;
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = J.hhmm(order.paid_at);
    top.append(nozzle, fuel, time);
    const bottom = document.createElement("span");
    bottom.className = "row-bottom";
    const who = document.createElement("strong");
    who.className = order.plate ? "plate" : "";
    who.textContent = order.plate || order.member_nickname;
    const mode = document.createElement("span");
    mode.textContent = order.mode === "fill_up" ? "加满 上限" + J.yuan(order.fill_up_cap_fen) : J.modeText(order);
    bottom.append(who, mode);
    button.append(top, bottom);
    button.addEventListener("click", () => J.openOrder(order, null));
    return button;
  }

  J.renderOrders = async function () {
    if (!station) return;
    const [orders, queued] = await Promise.all([J.store.orders(station), J.store.queue()]);
    const taken = new Set(queued.map((r) => r.order.id));
    const waiting = orders.filter((o) => !taken.has(o.id));
    waiting.sort((a, b) => (a.paid_at || "").localeCompare(b.paid_at || "") || a.id - b.id);
    J.$("orders").replaceChildren(...waiting.map(row));
    J.$("orders-empty").hidden = waiting.length > 0;
    J.$("orders-count").textContent = waiting.length ? "（" + waiting.length + "）" : "";
  };

  async function refill(stationId, signal) {
    const data = await J.call("GET", "/stations/" + stationId + "/orders", { signal });
    await J.store.replaceOrders(stationId, data.orders, data.cursor);
    return data.cursor;
  }

  let wake = null;
  const pause = (ms) =>
    new Promise((r) => {
      wake = r;
      setTimeout(r, ms);
    });

  async function loop(mine, stationId, signal) {
    let since = await J.store.cursor(stationId);
    let failures = 0;
    while (mine === run) {
      try {
        if (since === undefined) {
          since = await refill(stationId, signal);
          await J.renderOrders();
        } else {
          const data = await J.call("GET", "/stations/" + stationId + "/events", {
            params: { since, wait: 25 },
            timeoutMs: 40000,
            signal,
          });
          if (mine !== run) return;
          if (data.events.length) {
            data.events.forEach((e) => J.emit("orderevent", e)); // the open order, at once
            await J.store.applyEvents(stationId, data.events, data.cursor);
            await J.renderOrders(); // only on news: a row must not change under a finger
            if (data.events.some((e) => e.kind === "order.paid")) beep();
          }
          since = data.cursor;
        }
        failures = 0;
      } catch (e) {
        if (mine !== run) return; // stopped (locked, signed out, other station): its call aborted
        if (e.status === 401 || e.status === 423 || e.status === 403) return; // signed out, locked
        failures += 1;
        await pause(Math.min(1000 * failures, 5000));
      }
    }
  }

  /* Stop the loop and drop its request in flight: a poll sent before a lock must not answer
     after the unlock. */
  function halt() {
    run += 1;
    if (stopper) stopper.abort();
    stopper = null;
  }

  /* Start (or restart, e.g. after unlocking) the live list of a station. */
  J.startLive = async function (stationId) {
    station = stationId;
    halt();
    const mine = run;
    stopper = new AbortController();
    const signal = stopper.signal;
    await J.renderOrders();
    try {
      await refill(stationId, signal); // the list as it is now; events after it come by polling
    } catch (e) {
      /* offline: what was stored stays on screen */
    }
    if (mine !== run) return;
    await J.renderOrders();
    loop(mine, stationId, signal);
  };

  J.pauseLive = halt; // on locking; unlocking starts it again

  J.stopLive = function () {
    halt();
    station = null;
  };

  J.on("locked", halt);
  window.addEventListener("online", () => wake && wake()); // resume now, from the same cursor
})(window.Jiayou);
