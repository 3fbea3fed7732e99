/* Camera scanning for 加油员助手: the native BarcodeDetector where present, the vendored
   jsQR otherwise. */
"use strict";

window.JiayouScanner = (function () {
  let stream = null;
  let scanning = false;
  let detector = null;

  function stop(video) {
    scanning = false;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
  }

  async function start(video, onCode, onError) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      onError("此设备不支持摄像头扫码，请手动输入取油码");
      return false;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch (e) {
      onError("无法打开摄像头（请允许使用摄像头），可手动输入取油码");
      return false;
    }
    if ("BarcodeDetector" in window && !detector) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (e) {
        detector = null;
      }
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    scanning = true;
    loop(video, onCode);
    return true;
  }

  async function decodeFrame(video, canvas) {
    if (detector) {
      const codes = await detector.detect(video);
      return codes.length ? codes[0].rawValue : null;
    }
    if (typeof window.jsQR !== "function") return null;
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return null;
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, width, height);
    const image = ctx.getImageData(0, 0, width, height);
    const found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  }

  async function loop(video, onCode) {
    const canvas = document.createElement("canvas");
    while (scanning) {
      let text = null;
      try {
        text = await decodeFrame(video, canvas);
      } catch (e) {
        text = null;
      }
      if (text && scanning) {
        if (navigator.vibrate) navigator.vibrate(80);
        onCode(codeFrom(text));
        return;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  function codeFrom(text) {
    // The QR may hold the bare token or a URL with ?token=...
    try {
      const url = new URL(text);
      const token = url.searchParams.get("token");
      if (token) return token;
    } catch (e) {
      /* not a URL */
    }
    return text.trim();
  }

  return { start, stop };
})();
