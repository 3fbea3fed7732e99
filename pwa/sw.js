/* 加油员助手 service worker: the app shell from a versioned cache; the API never cached. */
"use strict";

const VERSION = "jiayou-pwa-v8";
const SHELL = [
  "/pwa/",
  "/pwa/app.js",
  "/pwa/api.js",
  "/pwa/store.js",
  "/pwa/live.js",
  "/pwa/offline.js",
  "/pwa/confirm.js",
  "/pwa/lock.js",
  "/pwa/scan.js",
  "/pwa/app.css",
  "/pwa/vendor/jsQR.js",
  "/pwa/manifest.webmanifest",
  "/pwa/icons/icon-192.png",
  "/pwa/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(VERSION).then((cache) => cache.addAll(SHELL.map((u) => new Request(u, { cache: "reload" }))))
  );
  // No skipWaiting here: a new version waits until the attendant taps "有新版本，点击更新".
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("jiayou-pwa-") && k !== VERSION).map((k) => caches.delete(k)))
      )
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/attendant/api")) return; // always the network, never cached
  if (!url.pathname.startsWith("/pwa/")) return;
  const key = request.mode === "navigate" ? "/pwa/" : url.pathname;
  event.respondWith(
    caches.open(VERSION).then((cache) =>
      cache.match(key).then((hit) => hit || fetch(request))
    )
  );
});
