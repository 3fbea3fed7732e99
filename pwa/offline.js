/* 加油员助手: confirmations go through a queue in IndexedDB. Each carries its own
   confirmation_id, so sending it again (lost answer, flaky network) is applied once by the
   server. Unanswered ones show as 待同步 and are sent on `online`, on return to the app and on
   a timer; one the server refuses shows as 冲突 until the attendant acknowledges it. */
"use strict";

(function (J) {
  const RETRY_MS = 15000;
  let syncing = null;

  async function send(record) {
    return J.call("POST", "/orders/confirm", {
      body: {
        token: record.token,
        dispensed_ml: record.dispensed_ml,
        confirmation_id: record.confirmation_id,
      },
    });
  }

  /* Queue the confirmation, then try to send it at once.
     -> {state: "ok", data} | {state: "pending", record} | throws the server's refusal. */
  J.confirmQueued = async function (order, token, dispensedMl, estimate) {
    const record = {
      confirmation_id: J.newId(),
      token,
      dispensed_ml: dispensedMl,
      order,
      estimate,
      state: "pending",
      reason: "",
      created_at: new Date().toISOString(),
    };
    await J.store.enqueue(record);
    try {
      const data = await send(record);
      await J.store.dropRecord(record.confirmation_id);
      return { state: "ok", data };
    } catch (e) {
      if (J.isTransient(e)) return { state: "pending", record };
      // Refused while the attendant is looking: the error is shown on the order screen.
      await J.store.dropRecord(record.confirmation_id);
      // A bad reading (400, or 409 rejected: more than was paid): the order still waits.
      if (e.status === 400 || e.code === "rejected") await J.store.putOrder(order);
      throw e;
    } finally {
      J.renderQueue();
      J.renderOrders();
    }
  };

  J.sync = function () {
    if (!syncing) syncing = syncAll().finally(() => (syncing = null));
    return syncing;
  };

  async function syncAll() {
    if (!J.session) return;
    const records = (await J.store.queue()).filter((r) => r.state === "pending");
    records.sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const record of records) {
      try {
        await send(record);
        await J.store.dropRecord(record.confirmation_id);
      } catch (e) {
        if (J.isTransient(e)) break; // offline, locked or signed out: later
        record.state = "conflict";
        record.reason = e.message;
        record.code = e.code;
        await J.store.putRecord(record);
      }
    }
    await J.renderQueue();
    await J.renderOrders();
  }

  function item(record) {
    const li = document.createElement("li");
    li.className = "queued " + record.state;
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = record.state === "conflict" ? "冲突" : "待同步";
    const what = document.createElement("span");
    what.className = "what";
    const o = record.order;
    what.textContent =
      (o.plate ? o.plate + " · " : "") + (o.nozzle ? o.nozzle + " 号枪 · " : "") + o.fuel.name + " · " + J.litres(record.dispensed_ml);
    const more = document.createElement("span");
    more.className = "more";
    more.textContent = "预计 " + J.yuan(record.estimate.dispensed_fen) + " · 订单 " + o.order_no;
    li.append(badge, what, more);
    if (record.state === "conflict") {
      const reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = record.reason;
      const ack = document.createElement("button");
      ack.type = "button";
      ack.className = "btn-ack";
      ack.textContent = "知道了";
      ack.addEventListener("click", async () => {
        await J.store.dropRecord(record.confirmation_id);
        J.renderQueue();
      });
      li.append(reason, ack);
    }
    return li;
  }

  J.renderQueue = async function () {
    const records = await J.store.queue();
    records.sort((a, b) => a.created_at.localeCompare(b.created_at));
    J.$("queue").replaceChildren(...records.map(item));
    J.$("queue-box").hidden = records.length === 0;
  };

  window.addEventListener("online", () => J.sync());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") J.sync();
  });
  setInterval(() => navigator.onLine && J.sync(), RETRY_MS);
})(window.Jiayou);
