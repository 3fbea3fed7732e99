/* IndexedDB for 加油员助手: the station's waiting orders (to scan and confirm offline) and the
   queue of confirmations not yet answered by the server. */
"use strict";

window.Jiayou = window.Jiayou || {};

window.Jiayou.store = (function () {
  const NAME = "jiayou-pwa";
  let opening = null;

  function db() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = () => {
          const d = request.result;
          d.createObjectStore("orders", { keyPath: "id" }).createIndex("station", "station.id");
          d.createObjectStore("queue", { keyPath: "confirmation_id" });
          d.createObjectStore("meta");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  }

  function done(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error);
    });
  }

  function result(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function read(storeName, fn) {
    const tx = (await db()).transaction(storeName, "readonly");
    return result(fn(tx.objectStore(storeName)));
  }

  // Never await a fetch inside one of these: a transaction closes when it has nothing to do.
  async function write(names, fn) {
    const tx = (await db()).transaction(names, "readwrite");
    fn(tx);
    return done(tx);
  }

  async function replaceOrders(stationId, orders, cursor) {
    const keys = await read("orders", (s) => s.index("station").getAllKeys(stationId));
    return write(["orders", "meta"], (tx) => {
      const store = tx.objectStore("orders");
      keys.forEach((k) => store.delete(k));
      orders.forEach((o) => store.put(o));
      tx.objectStore("meta").put(cursor, "cursor:" + stationId);
    });
  }

  function applyEvents(stationId, events, cursor) {
    return write(["orders", "meta"], (tx) => {
      const store = tx.objectStore("orders");
      for (const e of events) {
        // Each event carries the order as it is now: still waiting, or gone from the list.
        if (e.order.status === "paid") store.put(e.order);
        else store.delete(e.order.id);
      }
      tx.objectStore("meta").put(cursor, "cursor:" + stationId);
    });
  }

  const cursor = (stationId) => read("meta", (s) => s.get("cursor:" + stationId));
  const orders = (stationId) => read("orders", (s) => s.index("station").getAll(stationId));
  const queue = () => read("queue", (s) => s.getAll());

  async function orderByHash(hash) {
    const all = await read("orders", (s) => s.getAll());
    return all.find((o) => o.token_sha256 === hash) || null;
  }

  /* The confirmation and the order leaving the waiting list: one transaction. */
  function enqueue(record) {
    return write(["queue", "orders"], (tx) => {
      tx.objectStore("queue").put(record);
      tx.objectStore("orders").delete(record.order.id);
    });
  }

  const putOrder = (order) => write(["orders"], (tx) => tx.objectStore("orders").put(order));
  const putRecord = (record) => write(["queue"], (tx) => tx.objectStore("queue").put(record));
  const dropRecord = (id) => write(["queue"], (tx) => tx.objectStore("queue").delete(id));

  /* Signing out forgets the station's orders, never the queue. */
  const forgetOrders = () => write(["orders", "meta"], (tx) => {
    tx.objectStore("orders").clear();
    tx.objectStore("meta").clear();
  });

  return {
    replaceOrders,
    applyEvents,
    cursor,
    orders,
    queue,
    orderByHash,
    enqueue,
    putOrder,
    putRecord,
    dropRecord,
    forgetOrders,
  };
})();
