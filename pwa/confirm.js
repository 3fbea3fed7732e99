/* 加油员助手: one order: check the driver's code, key in the litres, see the amount and the
   refund, confirm. Works offline for orders this handheld already received: the code is
   matched by its SHA-256 and the amount computed at the order's price, marked 预计. */
"use strict";

(function (J) {
  let order = null;
  let token = null; // the driver's code, once scanned or typed and matched to this order
  let digits = ""; // the litres as typed, e.g. "25.3"
  let estimate = null; // {dispensed_fen, refund_fen} computed here
  let previewSeq = 0;
  let previewTimer = null;

  function renderFacts() {
    const list = J.$("order-facts");
    list.replaceChildren();
    if (order.plate) J.fact(list, "车牌", order.plate, "wide plate");
    J.fact(list, "油品", order.fuel.name);
    J.fact(list, "油枪", order.nozzle ? order.nozzle + " 号枪" : "任意油枪");
    J.fact(list, "方式", J.modeText(order), "wide");
    J.fact(list, "已付", J.yuan(order.paid_fen));
    J.fact(list, "单价", J.yuan(order.unit_price_fen) + "/升");
    J.fact(list, "车主", order.member_nickname);
    J.fact(list, "支付", J.hhmm(order.paid_at));
    J.fact(list, "订单号", order.order_no, "wide small");
    J.$("litres-hint").textContent = "最多 " + J.litres(order.max_volume_ml);
  }

  function renderVerify() {
    J.$("verify").hidden = token !== null;
    J.$("verified").hidden = token === null;
    updateConfirm();
  }

  function updateConfirm() {
    J.$("confirm").disabled = !(token && estimate && J.$("order-error").hidden);
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
    J.$("litres").textContent = "0.00";
    J.$("preview").hidden = true;
    J.$("verify-code").value = "";
    J.setError("order-error", "");
    J.setError("verify-error", "");
    renderFacts();
    renderVerify();
    J.show("order");
  };

  async function verify(code) {
    J.setError("verify-error", "");
    const clean = code.replace(/\s+/g, "").toUpperCase();
    if (!clean) return;
    if ((await J.tokenHash(clean)) !== order.token_sha256) {
      return J.setError("verify-error", "取油码与该订单不符，请核对是否为同一车主");
    }
    token = clean;
    renderVerify();
    if (estimate) schedulePreview(litresMl());
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
    J.$("litres").textContent = digits || "0.00";
    J.setError("order-error", "");
    estimate = null;
    J.$("preview").hidden = true;
    const ml = litresMl();
    if (ml > 0) localPreview(ml);
    updateConfirm();
    if (ml > 0) schedulePreview(ml);
  }

  /* As pickup.price_fueling does it on the server. */
  function localPreview(ml) {
    const amount = J.amountForVolume(order.unit_price_fen, ml);
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

  function showPreview(figures, estimated) {
    const box = J.$("preview");
    box.replaceChildren();
    const amount = document.createElement("div");
    amount.append(estimated ? "预计加油金额 " : "加油金额 ");
    const strong = document.createElement("strong");
    strong.textContent = J.yuan(figures.dispensed_fen);
    amount.append(strong);
    const refund = document.createElement("div");
    refund.textContent = figures.refund_fen > 0 ? "退还司机 " + J.yuan(figures.refund_fen) : "无需退款";
    box.append(amount, refund);
    box.classList.toggle("estimated", estimated);
    box.hidden = false;
  }

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
      J.$("preview").hidden = true;
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
    if (!order || !token || !estimate || ml <= 0) return;
    J.$("confirm").disabled = true;
    J.setError("order-error", "");
    try {
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
  };
})(window.Jiayou);
