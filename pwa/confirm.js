/* 加油员助手: one order: check the driver's code, key in the litres, see the amount and the
   refund, confirm. Works offline for orders this handheld already received: the QR's token is
   matched by its SHA-256 and the amount computed at the order's price, marked 预计. The short
   8-digit code is looked up on the server only (its hash is keyed), so it needs the network.
   News about the open order from the live feed (cancelled, fuelled elsewhere, refunded) shows
   at once. */
"use strict";

(function (J) {
  let order = null;
  let token = null; // the driver's code, once scanned or typed and matched to this order
  let digits = ""; // the litres as typed, e.g. "25.3"
  let estimate = null; // {dispensed_fen, refund_fen} computed here
  let gone = false; // cancelled or fuelled elsewhere while open
  let finished = false; // confirmed here: later news is about our own confirmation
  let previewSeq = 0;
  let previewTimer = null;

  J.isShortCode = (text) => /^\d{8}$/.test(text);

  function renderFacts() {
    const list = J.$("order-facts");
    list.replaceChildren();
    if (order.plate) J.fact(list, "车牌", order.plate, "plate");
    else J.fact(list, "车主", order.member_nickname);
    J.fact(list, "油枪", order.nozzle ? order.nozzle + " 号枪" : "任意油枪");
    J.fact(list, "油品", order.fuel.name);
    J.fact(list, "单价", J.yuan(order.unit_price_fen) + "/升");
    let mode = J.modeText(order);
    if (order.mode === "volume") mode += "（已付 " + J.yuan(order.paid_fen) + "）";
    if (order.available_fen < order.paid_fen) mode += "，已退款后可加 " + J.yuan(order.available_fen);
    J.fact(list, "方式", mode, "wide");
    J.fact(list, "订单", order.order_no, "wide small");
    J.$("litres-hint").textContent = "最多 " + J.litres(order.max_volume_ml);
  }

  function renderVerify() {
    J.$("verify").hidden = token !== null || gone;
    J.$("verified").hidden = token === null;
    updateConfirm();
  }

  function updateConfirm() {
    J.$("confirm").disabled = !(token && estimate && !gone && J.$("order-error").hidden);
    for (const key of J.$("keypad").querySelectorAll("button")) key.disabled = gone;
  }

  J.openOrder = async function (next, code) {
    const queued = (await J.store.queue()).find((r) => r.order.id === next.id);
    if (queued) {
      J.setError("code-error", "该订单已在本机确认过（" + (queued.state === "conflict" ? "冲突" : "待同步") + "）");
      return J.show("home");
    }
    order = next;
    token = code;
    digits = "";
    estimate = null;
    gone = false;
    finished = false;
    J.$("litres").textContent = "0.00";
    blankPreview();
    J.$("verify-code").value = "";
    J.setError("order-error", "");
    J.setError("verify-error", "");
    J.setError("order-gone", "");
    renderFacts();
    renderVerify();
    J.show("order");
  };

  /* The typed short code, looked up among the paid orders of this handheld's station.
     -> {order, token}; throws the server's refusal, or a clear one when offline. */
  J.lookupShortCode = async function (code) {
    const offline = "离线时不能查询 8 位取油码：请扫描司机的二维码，或联网后再输入";
    if (!navigator.onLine) throw new Error(offline);
    try {
      return await J.call("POST", "/orders/by-code", { body: { station_id: J.station().id, code } });
    } catch (e) {
      if (e.status === 0) throw new Error(offline);
      throw e;
    }
  };

  async function verify(code) {
    J.setError("verify-error", "");
    const clean = code.replace(/[\s-]+/g, "").toUpperCase();
    if (!clean) return;
    let found = clean;
    if (J.isShortCode(clean)) {
      try {
        const data = await J.lookupShortCode(clean);
        if (data.order.id !== order.id) found = null;
        else found = data.token;
      } catch (e) {
        return J.setError("verify-error", e.message);
      }
    } else if ((await J.tokenHash(clean)) !== order.token_sha256) found = null;
    if (!found) return J.setError("verify-error", "取油码与该订单不符，请核对是否为同一车主");
    token = found;
    renderVerify();
    if (estimate) schedulePreview(litresMl());
  }

  /* An event of the live feed about the order open on this screen. */
  function news(event) {
    const next = event.order;
    if (!order || finished || next.id !== order.id) return;
    if (next.status === "paid") {
      // Refunded in part at the counter: less may be fuelled now.
      order = Object.assign({}, order, next, { token_sha256: order.token_sha256 });
      renderFacts();
      J.setError("order-gone", "收银台已退款一部分，现在最多可加 " + J.yuan(order.available_fen));
      J.$("order-gone").classList.add("info");
      if (litresMl() > 0) press(null);
      return;
    }
    gone = true;
    clearTimeout(previewTimer);
    previewSeq += 1;
    estimate = null;
    blankPreview();
    J.setError("order-error", "");
    J.stopScan();
    J.$("order-gone").classList.remove("info");
    J.setError(
      "order-gone",
      next.status === "cancelled"
        ? "司机已取消该订单，款项已退回，请勿加油"
        : "该订单已在其他手持机确认加油（" + next.status_name + "），请勿重复加油",
    );
    renderVerify();
  }

  function litresMl() {
    if (!digits || digits === ".") return 0;
    return Math.round(parseFloat(digits) * 100) * 10;
  }

  /* A key of the keypad; null recomputes the amount for what is typed. */
  function press(key) {
    if (gone) return;
    if (key === null) {
      /* keep the digits */
    } else if (key === "back") digits = digits.slice(0, -1);
    else if (key === ".") {
      if (!digits.includes(".")) digits = (digits || "0") + ".";
    } else {
      const [whole, frac] = digits.split(".");
      if (frac !== undefined && frac.length >= 2) return;
      if (frac === undefined && whole.length >= 4) return;
      digits = digits === "0" ? key : digits + key;
    }
    J.$("litres").textContent = digits || "0.00";
    J.setError("order-error", "");
    estimate = null;
    blankPreview();
    const ml = litresMl();
    if (ml > 0) localPreview(ml);
    updateConfirm();
    if (ml > 0) schedulePreview(ml);
  }

  /* As fueling.price_fueling does it on the server: the litres at the order's price (a
     members' day's cut is in it), less the campaign's and the coupon's savings on them
     (services/marketing/stacking.py, dispensed). */
  function localPreview(ml) {
    const value = J.amountForVolume(order.unit_price_fen, ml);
    const campaign = J.campaignOff(order.campaign, value, ml);
    let amount = value - campaign - J.couponOff(order.coupon, value, ml, value - campaign);
    // Short of the coupon's minimum spend: never more than was paid (stacking.dispensed).
    if (order.coupon && value < order.coupon.min_spend_fen) amount = Math.min(value, order.paid_fen);
    // Worth less than placed: never more than was paid either.
    if (order.campaign && value < order.campaign.placed_value_fen) amount = Math.min(amount, order.paid_fen);
    const available = order.available_fen;
    if (amount > available) {
      return J.setError(
        "order-error",
        "加油金额 " + (amount / 100).toFixed(2) + " 元超过已付 " + (available / 100).toFixed(2) + " 元，请核对油机读数",
      );
    }
    estimate = { dispensed_fen: amount, refund_fen: available - amount };
    showPreview(estimate, true);
  }

  /* Two lines: the amount, and what goes back to the driver; "—" until litres are typed. */
  function renderPreview(amountFen, refundFen, estimated) {
    const box = J.$("preview");
    const line = (label, value) => {
      const term = document.createElement("span");
      term.textContent = label + " ";
      const figure = document.createElement("strong");
      figure.textContent = value;
      return [term, figure];
    };
    const refund = refundFen === null ? "—" : refundFen > 0 ? J.yuan(refundFen) : "无需退款";
    box.replaceChildren(
      ...line(estimated ? "预计金额" : "加油金额", amountFen === null ? "—" : J.yuan(amountFen)),
      ...line("退还司机", refund),
    );
    box.classList.toggle("estimated", estimated);
    box.classList.toggle("blank", amountFen === null);
  }

  const blankPreview = () => renderPreview(null, null, false);
  const showPreview = (figures, estimated) =>
    renderPreview(figures.dispensed_fen, figures.refund_fen, estimated);

  function schedulePreview(ml) {
    clearTimeout(previewTimer);
    if (!token || !navigator.onLine) return; // offline: the estimate stands
    previewTimer = setTimeout(() => serverPreview(ml), 250);
  }

  async function serverPreview(ml) {
    const seq = ++previewSeq;
    try {
      const data = await J.call("GET", "/orders/preview", { params: { token, dispensed_ml: ml } });
      if (seq !== previewSeq || ml !== litresMl()) return;
      showPreview(data, false);
    } catch (e) {
      if (seq !== previewSeq || J.isTransient(e)) return;
      estimate = null;
      blankPreview();
      J.setError("order-error", e.message);
      updateConfirm();
    }
  }

  function done(title, facts, note) {
    J.$("done-title").textContent = title;
    J.$("done-title").className = note ? "pending" : "ok";
    const list = J.$("done-facts");
    list.replaceChildren();
    for (const [term, value, cls] of facts) J.fact(list, term, value, cls);
    J.$("done-note").textContent = note || "";
    J.$("done-note").hidden = !note;
    J.show("done");
  }

  async function confirmFueling() {
    const ml = litresMl();
    if (!order || !token || !estimate || gone || ml <= 0) return;
    J.$("confirm").disabled = true;
    J.setError("order-error", "");
    try {
      finished = true;
      const result = await J.confirmQueued(order, token, ml, estimate);
      if (result.state === "ok") {
        const data = result.data;
        done("加油已确认", [
          ["油品", data.order.fuel.name],
          ["升数", J.litres(data.dispensed_ml)],
          ["金额", J.yuan(data.dispensed_fen)],
          ["退还司机", J.yuan(data.refund_fen)],
          ["订单号", data.order.order_no, "wide small"],
        ]);
      } else {
        done(
          "已记录，待同步",
          [
            ["油品", order.fuel.name],
            ["升数", J.litres(ml)],
            ["预计金额", J.yuan(estimate.dispensed_fen)],
            ["预计退还", J.yuan(estimate.refund_fen)],
            ["订单号", order.order_no, "wide small"],
          ],
          "网络恢复后自动提交，以服务器结果为准",
        );
      }
    } catch (e) {
      finished = false;
      J.setError("order-error", e.message);
      updateConfirm(); // stays off until the reading changes
    }
  }

  J.initConfirm = function () {
    J.$("keypad").addEventListener("click", (event) => {
      const key = event.target.closest("button[data-key]");
      if (key) press(key.dataset.key);
    });
    J.$("confirm").addEventListener("click", confirmFueling);
    J.$("verify-form").addEventListener("submit", (event) => {
      event.preventDefault();
      verify(J.$("verify-code").value);
    });
    J.$("verify-scan").addEventListener("click", () =>
      J.startScan("verify", (code) => verify(code)),
    );
    J.$("cancel-order").addEventListener("click", () => J.goHome());
    J.$("next").addEventListener("click", () => J.goHome());
    J.on("orderevent", news);
  };
})(window.Jiayou);
