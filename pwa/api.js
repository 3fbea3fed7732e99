/* 加油员助手: calls to the attendant API, the signed-in session, and small shared helpers. */
"use strict";

window.Jiayou = window.Jiayou || {};

(function (J) {
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
    locked: "已锁屏，请输入 PIN 解锁",
    network: "网络不通，请检查网络后重试",
  };

  class ApiFailure extends Error {
    constructor(code, message, status) {
      super(message);
      this.code = code;
      this.status = status;
    }
  }

  J.session = null; // {csrf_token, id, name, stations, has_pin, lock_after_s}

  /* Counts sign-ins and unlocks. A 401 or 423 to a call sent before the latest one is stale
     (the server judged the session as it was then) and must not sign out or lock again. */
  J.unlocks = 0;

  J.saveSession = function () {
    if (J.session) localStorage.setItem(STORE, JSON.stringify(J.session));
    else localStorage.removeItem(STORE);
  };

  J.loadSession = function () {
    try {
      J.session = JSON.parse(localStorage.getItem(STORE) || "null");
    } catch (e) {
      J.session = null;
    }
    return J.session;
  };

  J.emit = (name, detail) => document.dispatchEvent(new CustomEvent("jiayou:" + name, { detail }));
  J.on = (name, fn) => document.addEventListener("jiayou:" + name, (e) => fn(e.detail));

  /* A call that gets no answer in timeoutMs fails like a dropped network: a half-dead
     connection must not hold up the queue. */
  J.call = async function (method, path, { params, body, timeoutMs = 15000, signal } = {}) {
    const unlocks = J.unlocks;
    let url = API + path;
    if (params) url += "?" + new URLSearchParams(params).toString();
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && J.session && J.session.csrf_token) headers["X-CSRFToken"] = J.session.csrf_token;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    if (signal) signal.addEventListener("abort", () => abort.abort(), { once: true });
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        signal: abort.signal,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiFailure("network", FALLBACK.network, 0);
    } finally {
      clearTimeout(timer);
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
      const current = unlocks === J.unlocks;
      if (current && response.status === 401 && path !== "/login") J.emit("signedout", message === "请先登录" ? "登录已失效，请重新登录" : message);
      if (current && response.status === 423) J.emit("locked");
      throw new ApiFailure(code, message, response.status);
    }
    return data;
  };

  /* Errors that mean "try again later" rather than "the server said no". */
  J.isTransient = (e) =>
    e.status === 0 || e.status >= 500 || [401, 423, 429].includes(e.status) || e.code === "csrf_failed";

  J.$ = (id) => document.getElementById(id);
  J.yuan = (fen) => "¥" + (fen / 100).toFixed(2);
  J.litres = (ml) => (ml / 1000).toFixed(2) + " 升";

  J.setError = function (id, message) {
    const el = J.$(id);
    el.textContent = message || "";
    el.hidden = !message;
  };

  J.show = function (name) {
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== "screen-" + name;
    window.scrollTo(0, 0);
  };

  J.current = () => {
    const open = document.querySelector(".screen:not([hidden])");
    return open ? open.id.replace("screen-", "") : null;
  };

  J.newId = function () {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  /* As the server stores it: sha256(token.strip().upper()) in hex. */
  J.tokenHash = async function (token) {
    const data = new TextEncoder().encode(token.trim().toUpperCase());
    const digest = await crypto.subtle.digest("SHA-256", data);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  };

  /* The server's one rounding rule (services/money.py): half-up to the fen, integers only. */
  J.amountForVolume = function (priceFen, volumeMl) {
    const n = priceFen * volumeMl;
    const q = Math.floor(n / 1000);
    return n - q * 1000 >= 500 ? q + 1 : q;
  };

  /* n / d rounded half up (n >= 0), as services/platform/money.py's round_half_up. */
  J.roundHalfUp = function (n, d) {
    const q = Math.floor(n / d);
    return 2 * (n - q * d) >= d ? q + 1 : q;
  };

  /* What the order's coupon takes off fuel worth valueFen (volumeMl) of which netFen is left
     after the campaign (all of it if not given): the offline estimate, as
     services/marketing/stacking.py's coupon_off (the server's figures win). */
  J.couponOff = function (rule, valueFen, volumeMl, netFen) {
    const net = netFen === undefined ? valueFen : netFen;
    if (!rule || valueFen < rule.min_spend_fen || net <= 1) return 0;
    let off;
    if (rule.kind === "amount_off") off = rule.off_fen;
    else if (rule.kind === "percent_off") off = J.roundHalfUp(net * (100 - rule.pay_percent), 100);
    else off = J.roundHalfUp(rule.per_litre_fen * volumeMl, 1000);
    if (rule.max_off_fen !== null && rule.max_off_fen !== undefined) off = Math.min(off, rule.max_off_fen);
    return Math.max(0, Math.min(off, net - 1));
  };

  /* What the order's campaign on the value (首单立减, 满额立减) takes off fuel worth valueFen
     (volumeMl), before the coupon: as stacking.py's campaign_off. */
  J.campaignOff = function (rule, valueFen, volumeMl) {
    if (!rule || valueFen <= 1) return 0;
    let steps = valueFen >= rule.threshold_fen ? 1 : 0;
    if (rule.kind === "spend_off") {
      steps = Math.floor(valueFen / rule.threshold_fen);
      if (!rule.repeating) steps = Math.min(steps, 1);
    }
    if (!steps) return 0;
    let off;
    if (rule.kind === "spend_off") off = rule.off_fen * steps;
    else if (rule.off_fen !== null && rule.off_fen !== undefined) off = rule.off_fen;
    else off = J.roundHalfUp(rule.per_litre_fen * volumeMl, 1000);
    if (rule.max_off_fen !== null && rule.max_off_fen !== undefined) off = Math.min(off, rule.max_off_fen);
    return Math.max(0, Math.min(off, valueFen - 1));
  };

  J.fact = function (list, term, value, className) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (className) dd.className = className;
    list.append(dt, dd);
  };

  J.hhmm = (iso) => (iso ? iso.slice(11, 16) : "");

  J.modeText = function (order) {
    if (order.mode === "fill_up") return "加满（上限 " + J.yuan(order.fill_up_cap_fen) + "）";
    if (order.mode === "volume") return "定量 " + J.litres(order.preset_volume_ml);
    return "定额 " + J.yuan(order.preset_amount_fen || order.paid_fen);
  };
})(window.Jiayou);
