/* 加油员助手: log in, enter a pickup code, key in the litres, preview and confirm. */
"use strict";

(function () {
  const API = "/attendant/api";
  const STORE = "jiayou.pwa.session";
  const FALLBACK = {
    token_used: "该取油码已使用，不能重复加油",
    other_station: "该订单不属于本站",
    token_expired: "取油码已过期，请司机刷新",
    not_found: "没有找到该取油码对应的订单",
    invalid_request: "输入有误，请核对",
    invalid_credentials: "用户名或密码错误",
    csrf_failed: "登录已失效，请重新登录",
    too_many_requests: "操作太频繁，请稍后再试",
    network: "网络不通，请检查网络后重试",
  };

  const $ = (id) => document.getElementById(id);
  let session = null; // {csrf_token, name, role_name, stations}
  let order = null; // the looked-up order, with its token
  let digits = ""; // the litres as typed, e.g. "25.3"
  let previewSeq = 0;

  function yuan(fen) {
    return "¥" + (fen / 100).toFixed(2);
  }

  function show(name) {
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== "screen-" + name;
    window.scrollTo(0, 0);
  }

  function setError(id, message) {
    const el = $(id);
    el.textContent = message || "";
    el.hidden = !message;
  }

  class ApiFailure extends Error {
    constructor(code, message, status) {
      super(message);
      this.code = code;
      this.status = status;
    }
  }

  async function call(method, path, { params, body } = {}) {
    let url = API + path;
    if (params) url += "?" + new URLSearchParams(params).toString();
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && session && session.csrf_token) headers["X-CSRFToken"] = session.csrf_token;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiFailure("network", FALLBACK.network, 0);
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const err = (data && data.error) || {};
      const code = err.code || "http_" + response.status;
      const message = err.message || FALLBACK[code] || "服务器出错（" + response.status + "），请重试";
      if (response.status === 401 && path !== "/login") signedOut("登录已失效，请重新登录");
      throw new ApiFailure(code, message, response.status);
    }
    return data;
  }

  function save() {
    if (session) sessionStorage.setItem(STORE, JSON.stringify(session));
    else sessionStorage.removeItem(STORE);
  }

  function stationNames() {
    return (session.stations || []).map((s) => s.name).join("、");
  }

  function signedIn() {
    $("who").textContent = session.name + " · " + stationNames();
    $("who").hidden = false;
    $("logout").hidden = false;
    $("station-name").textContent = stationNames();
    resetOrder();
    show("code");
    $("code").focus();
  }

  function signedOut(message) {
    stopScan();
    session = null;
    save();
    order = null;
    $("who").hidden = true;
    $("logout").hidden = true;
    $("password").value = "";
    setError("login-error", message || "");
    show("login");
  }

  async function login(event) {
    event.preventDefault();
    setError("login-error", "");
    const button = event.submitter || $("login-form").querySelector("button");
    button.disabled = true;
    try {
      const data = await call("POST", "/login", {
        body: { username: $("username").value.trim(), password: $("password").value },
      });
      session = {
        csrf_token: data.csrf_token,
        name: data.name,
        role_name: data.role_name,
        stations: data.stations,
      };
      save();
      $("password").value = "";
      signedIn();
    } catch (e) {
      setError("login-error", e.message);
    } finally {
      button.disabled = false;
    }
  }

  async function logout() {
    try {
      await call("POST", "/logout");
    } catch (e) {
      /* signed out locally either way */
    }
    signedOut("");
  }

  function fact(list, term, value, className) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (className) dd.className = className;
    list.append(dt, dd);
  }

  function renderOrder() {
    const list = $("order-facts");
    list.replaceChildren();
    fact(list, "油站", order.station.name, "wide");
    fact(list, "油品", order.fuel.name);
    fact(list, "油枪", order.nozzle ? order.nozzle + " 号枪" : "任意油枪");
    if (order.mode === "fill_up") fact(list, "方式", "加满（上限 " + yuan(order.fill_up_cap_fen) + "）", "wide");
    else if (order.mode === "volume") fact(list, "方式", "定量 " + (order.preset_volume_ml / 1000).toFixed(2) + " 升", "wide");
    else fact(list, "方式", "定额 " + yuan(order.preset_amount_fen || order.paid_fen), "wide");
    fact(list, "已付", yuan(order.paid_fen));
    fact(list, "单价", yuan(order.unit_price_fen) + "/升");
    fact(list, "订单号", order.order_no, "wide small");
    $("litres-hint").textContent = "最多 " + (order.max_volume_ml / 1000).toFixed(2) + " 升";
  }

  function resetOrder() {
    order = null;
    digits = "";
    $("code").value = "";
    setError("code-error", "");
    setError("order-error", "");
    $("preview").hidden = true;
    $("litres").textContent = "0.00";
    $("confirm").disabled = true;
  }

  async function lookup(event) {
    event.preventDefault();
    setError("code-error", "");
    const token = $("code").value.replace(/\s+/g, "").toUpperCase();
    if (!token) return;
    const button = $("code-form").querySelector("button");
    button.disabled = true;
    try {
      const data = await call("GET", "/orders/lookup", { params: { token } });
      order = Object.assign(data, { token });
      digits = "";
      $("litres").textContent = "0.00";
      $("preview").hidden = true;
      setError("order-error", "");
      $("confirm").disabled = true;
      renderOrder();
      show("order");
    } catch (e) {
      setError("code-error", e.message);
    } finally {
      button.disabled = false;
    }
  }

  function litresMl() {
    if (!digits || digits === ".") return 0;
    return Math.round(parseFloat(digits) * 100) * 10;
  }

  function press(key) {
    if (key === "back") digits = digits.slice(0, -1);
    else if (key === ".") {
      if (!digits.includes(".")) digits = (digits || "0") + ".";
    } else {
      const [whole, frac] = digits.split(".");
      if (frac !== undefined && frac.length >= 2) return;
      if (frac === undefined && whole.length >= 4) return;
      digits = digits === "0" ? key : digits + key;
    }
    const ml = litresMl();
    $("litres").textContent = digits || "0.00";
    setError("order-error", "");
    $("confirm").disabled = true;
    $("preview").hidden = true;
    if (ml > 0) schedulePreview(ml);
  }

  let previewTimer = null;
  function schedulePreview(ml) {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => preview(ml), 250);
  }

  async function preview(ml) {
    const seq = ++previewSeq;
    try {
      const data = await call("GET", "/orders/preview", { params: { token: order.token, dispensed_ml: ml } });
      if (seq !== previewSeq || ml !== litresMl()) return;
      const box = $("preview");
      box.replaceChildren();
      const amount = document.createElement("div");
      amount.append("加油金额 ");
      const strong = document.createElement("strong");
      strong.textContent = yuan(data.dispensed_fen);
      amount.append(strong);
      const refund = document.createElement("div");
      refund.textContent = data.refund_fen > 0 ? "退还司机 " + yuan(data.refund_fen) : "无需退款";
      refund.className = "refund";
      box.append(amount, refund);
      box.hidden = false;
      $("confirm").disabled = false;
    } catch (e) {
      if (seq !== previewSeq) return;
      setError("order-error", e.message);
    }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  async function confirmFueling() {
    const ml = litresMl();
    if (!order || ml <= 0) return;
    $("confirm").disabled = true;
    setError("order-error", "");
    try {
      const data = await call("POST", "/orders/confirm", {
        body: { token: order.token, dispensed_ml: ml, confirmation_id: newId() },
      });
      const list = $("done-facts");
      list.replaceChildren();
      fact(list, "油品", data.order.fuel.name);
      fact(list, "升数", (data.dispensed_ml / 1000).toFixed(2) + " 升");
      fact(list, "金额", yuan(data.dispensed_fen));
      fact(list, "退还司机", yuan(data.refund_fen));
      fact(list, "订单号", data.order.order_no, "wide small");
      show("done");
    } catch (e) {
      setError("order-error", e.message);
      $("confirm").disabled = e.code === "token_used" || e.code === "other_station";
    }
  }

  // Camera scanning lives in scan.js; here only the screen around it.
  function stopScan() {
    window.JiayouScanner.stop($("video"));
    $("camera").hidden = true;
    $("scan").hidden = false;
  }

  async function startScan() {
    setError("scan-error", "");
    const started = await window.JiayouScanner.start(
      $("video"),
      (code) => {
        stopScan();
        $("code").value = code;
        $("code-form").requestSubmit();
      },
      (message) => setError("scan-error", message),
    );
    if (!started) return;
    $("camera").hidden = false;
    $("scan").hidden = true;
  }

  function online() {
    $("net").hidden = navigator.onLine;
  }

  async function start() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("code-form").addEventListener("submit", lookup);
    $("keypad").addEventListener("click", (event) => {
      const key = event.target.closest("button[data-key]");
      if (key) press(key.dataset.key);
    });
    $("confirm").addEventListener("click", confirmFueling);
    $("scan").addEventListener("click", startScan);
    $("scan-stop").addEventListener("click", stopScan);
    $("cancel-order").addEventListener("click", () => {
      resetOrder();
      show("code");
    });
    $("next").addEventListener("click", () => {
      resetOrder();
      show("code");
      $("code").focus();
    });
    window.addEventListener("online", online);
    window.addEventListener("offline", online);
    online();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/pwa/sw.js", { scope: "/pwa/" }).catch(() => {});
    }

    try {
      session = JSON.parse(sessionStorage.getItem(STORE) || "null");
    } catch (e) {
      session = null;
    }
    if (!session) return show("login");
    signedIn();
    try {
      const me = await call("GET", "/me");
      Object.assign(session, { name: me.name, role_name: me.role_name, stations: me.stations });
      save();
      signedIn();
    } catch (e) {
      /* offline: keep the stored profile; a 401 already signed out */
    }
  }

  start();
})();
