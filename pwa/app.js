/* 加油员助手: sign in, the home screen (scan or type a code, the live order list, the queue),
   camera scanning around scan.js, and the service worker with its update prompt. */
"use strict";

(function (J) {
  /* The station whose orders are listed: the first one unless a manager of several chose. */
  J.station = function () {
    const stations = J.session.stations;
    return stations.find((s) => s.id === J.session.station_id) || stations[0];
  };
  J.stationName = () => (J.session && J.session.stations.length ? J.station().name : "");

  function renderStations() {
    const pick = J.$("station-pick");
    pick.replaceChildren(
      ...J.session.stations.map((s) => {
        const option = new Option(s.name, s.id);
        option.selected = s.id === J.station().id;
        return option;
      }),
    );
    J.$("station-choice").hidden = J.session.stations.length < 2;
    J.$("station-name").hidden = J.session.stations.length > 1;
    J.$("station-name").textContent = J.stationName();
  }

  J.goHome = function () {
    J.stopScan();
    J.$("code").value = "";
    J.setError("code-error", "");
    J.show("home");
  };

  J.signedIn = function () {
    J.$("who").textContent = J.session.name;
    J.$("who").hidden = false;
    J.$("logout").hidden = false;
    J.$("lock").hidden = !J.session.has_pin;
    J.$("set-pin").hidden = !!J.session.has_pin;
    renderStations();
    J.goHome();
  };

  /* Live list and queue running again: after login, unlock or a restart. */
  J.resume = function () {
    J.startLive(J.station().id);
    J.renderQueue();
    J.sync();
  };

  function signedOut(message) {
    J.stopScan();
    J.stopLive();
    J.session = null;
    J.saveSession();
    J.store.forgetOrders().catch(() => {});
    J.$("who").hidden = true;
    J.$("logout").hidden = true;
    J.$("lock").hidden = true;
    J.$("password").value = "";
    J.setError("login-error", message || "");
    J.show("login");
  }

  function keep(data) {
    J.session = Object.assign(J.session || {}, {
      id: data.id,
      name: data.name,
      role_name: data.role_name,
      stations: data.stations,
      has_pin: data.has_pin,
      lock_after_s: data.lock_after_s,
    });
    J.saveSession();
  }

  async function login(event) {
    event.preventDefault();
    J.setError("login-error", "");
    const button = J.$("login-form").querySelector("button");
    button.disabled = true;
    try {
      const data = await J.call("POST", "/login", {
        body: { username: J.$("username").value.trim(), password: J.$("password").value },
      });
      J.unlocks += 1;
      J.session = { csrf_token: data.csrf_token };
      keep(data);
      J.$("password").value = "";
      J.signedIn();
      J.resume();
    } catch (e) {
      J.setError("login-error", e.message);
      if (e.code === "password_change_required") linkAddresses(J.$("login-error"));
    } finally {
      button.disabled = false;
    }
  }

  /* Web addresses in a message become links (the console's, to change the password). */
  function linkAddresses(el) {
    const parts = el.textContent.split(/(https?:\/\/[^\s，。）]+)/);
    el.replaceChildren(
      ...parts.map((part, i) => {
        if (i % 2 === 0) return part;
        const link = document.createElement("a");
        link.href = part;
        link.textContent = part;
        link.target = "_blank";
        link.rel = "noopener";
        return link;
      }),
    );
  }

  J.logout = async function () {
    try {
      await J.call("POST", "/logout");
    } catch (e) {
      /* signed out here either way */
    }
    signedOut("");
  };

  /* A typed or scanned code: the server's answer when online, else an order stored here.
     The short 8-digit code is looked up on the server only. */
  async function lookup(event) {
    event.preventDefault();
    J.setError("code-error", "");
    const token = J.$("code").value.replace(/[\s-]+/g, "").toUpperCase();
    if (!token) return;
    const button = J.$("code-form").querySelector("button");
    button.disabled = true;
    try {
      if (J.isShortCode(token)) {
        const data = await J.lookupShortCode(token);
        return await J.openOrder(data.order, data.token);
      }
      await J.openOrder(await J.call("GET", "/orders/lookup", { params: { token } }), token);
    } catch (e) {
      if (J.isShortCode(token)) return J.setError("code-error", e.message);
      if (e.status !== 0) return J.setError("code-error", e.message);
      const stored = await J.store.orderByHash(await J.tokenHash(token));
      if (stored) await J.openOrder(stored, token);
      else J.setError("code-error", "离线中：本机没有这个取油码的订单，请联网后再查");
    } finally {
      button.disabled = false;
    }
  }

  // Camera scanning lives in scan.js; here only the screens around it.
  let scanPlace = null;
  J.stopScan = function () {
    if (!scanPlace) return;
    window.JiayouScanner.stop(J.$(scanPlace + "-video"));
    J.$(scanPlace + "-camera").hidden = true;
    J.$(scanPlace + "-scan").hidden = false;
    scanPlace = null;
  };

  J.startScan = async function (place, onCode) {
    J.stopScan();
    J.setError(place + "-error", "");
    scanPlace = place;
    J.$(place + "-camera").hidden = false;
    J.$(place + "-scan").hidden = true;
    const started = await window.JiayouScanner.start(
      J.$(place + "-video"),
      (code) => {
        J.stopScan();
        onCode(code);
      },
      (message) => J.setError(place + "-error", message),
    );
    if (!started) J.stopScan();
  };

  function online() {
    J.$("net").hidden = navigator.onLine;
    document.body.classList.toggle("offline", !navigator.onLine);
  }

  /* A new service worker waits until the attendant taps the banner. */
  function watchUpdates(registration) {
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const banner = J.$("update");
      banner.hidden = false;
      banner.onclick = () => {
        banner.disabled = true;
        worker.postMessage({ type: "SKIP_WAITING" });
      };
    };
    offer(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker.addEventListener("statechange", () => worker.state === "installed" && offer(worker));
    });
    let reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (!reloading && !J.$("update").hidden) {
        reloading = true;
        window.location.reload();
      }
    });
  }

  async function start() {
    J.$("login-form").addEventListener("submit", login);
    J.$("logout").addEventListener("click", J.logout);
    J.$("code-form").addEventListener("submit", lookup);
    J.$("station-pick").addEventListener("change", (event) => {
      J.session.station_id = Number(event.target.value);
      J.saveSession();
      J.$("station-name").textContent = J.stationName();
      J.startLive(J.session.station_id);
    });
    J.$("home-scan").addEventListener("click", () =>
      J.startScan("home", (code) => {
        J.$("code").value = code;
        J.$("code-form").requestSubmit();
      }),
    );
    for (const place of ["home", "verify"]) J.$(place + "-stop").addEventListener("click", J.stopScan);
    J.initConfirm();
    J.initLock();
    J.on("signedout", signedOut);
    window.addEventListener("online", online);
    window.addEventListener("offline", online);
    online();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/pwa/sw.js", { scope: "/pwa/" }).then(watchUpdates, () => {});
    }

    if (!J.loadSession()) return J.show("login");
    J.signedIn();
    try {
      keep(await J.call("GET", "/me"));
      J.signedIn();
    } catch (e) {
      if (e.status === 401) return; // signed out already
      if (e.status === 423) return; // the lock screen is up; unlocking resumes
    }
    J.resume();
  }

  start();
})(window.Jiayou);
