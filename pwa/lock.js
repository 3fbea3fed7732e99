/* 加油员助手: the quick-unlock PIN. After a full login the attendant may set one; then the app
   locks after a few idle minutes or when the screen comes back after a sleep. The server keeps
   the lock (423 on every call until the PIN is given), so hiding the screen is not the lock. */
"use strict";

(function (J) {
  let lastActive = Date.now();
  let hiddenAt = null;
  let before = "home"; // the screen to return to after unlocking

  const hasPin = () => J.session && J.session.has_pin;
  const idleMs = () => (J.session.lock_after_s || 300) * 1000;

  function showLock() {
    if (J.current() === "lock") return;
    before = ["home", "order", "done"].includes(J.current()) ? J.current() : "home";
    J.stopScan();
    J.$("pin-unlock").value = "";
    J.setError("lock-error", "");
    J.$("lock-who").textContent = J.session.name + " · " + J.stationName();
    J.$("lock").hidden = true;
    J.show("lock");
    J.$("pin-unlock").focus();
  }

  J.lockNow = async function () {
    if (!hasPin()) return;
    J.pauseLive(); // no poll in flight across the lock
    try {
      await J.call("POST", "/lock");
    } catch (e) {
      /* offline: the server locks by itself once it has seen no activity */
    }
    showLock();
  };

  async function unlock(event) {
    event.preventDefault();
    const button = J.$("unlock-form").querySelector("button[type=submit]");
    button.disabled = true;
    J.setError("lock-error", "");
    try {
      await J.call("POST", "/unlock", { body: { pin: J.$("pin-unlock").value } });
      J.unlocks += 1;
      lastActive = Date.now();
      J.$("lock").hidden = false;
      J.show(before);
      J.resume();
    } catch (e) {
      J.$("pin-unlock").value = "";
      if (e.status !== 401) J.setError("lock-error", e.message);
    } finally {
      button.disabled = false;
    }
  }

  async function setPin(event) {
    event.preventDefault();
    const pin = J.$("pin-new").value;
    J.setError("pin-error", "");
    if (pin !== J.$("pin-again").value) return J.setError("pin-error", "两次输入的 PIN 不一致");
    try {
      await J.call("POST", "/pin", { body: { pin } });
      J.session.has_pin = true;
      J.saveSession();
      J.$("pin-new").value = J.$("pin-again").value = "";
      J.signedIn();
    } catch (e) {
      J.setError("pin-error", e.message);
    }
  }

  function idleCheck() {
    if (!J.session || !hasPin() || !navigator.onLine) return; // offline: keep working
    if (["login", "lock"].includes(J.current())) return;
    if (Date.now() - lastActive > idleMs()) J.lockNow();
  }

  J.initLock = function () {
    for (const name of ["pointerdown", "keydown"]) {
      document.addEventListener(name, () => (lastActive = Date.now()), { capture: true, passive: true });
    }
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") hiddenAt = Date.now();
      else if (hiddenAt !== null) {
        if (Date.now() - hiddenAt > idleMs()) lastActive = 0; // slept: lock now
        hiddenAt = null;
        idleCheck();
      }
    });
    setInterval(idleCheck, 5000);
    J.on("locked", () => J.session && showLock());
    J.$("unlock-form").addEventListener("submit", unlock);
    J.$("pin-form").addEventListener("submit", setPin);
    J.$("lock").addEventListener("click", J.lockNow);
    J.$("set-pin").addEventListener("click", () => {
      J.setError("pin-error", "");
      J.show("pin");
      J.$("pin-new").focus();
    });
    J.$("pin-cancel").addEventListener("click", () => J.show("home"));
    J.$("lock-logout").addEventListener("click", () => J.logout());
  };
})(window.Jiayou);
