/* Service worker of the public site (云上…): installable as an app, readable when the network drops.
 * Pages: network first, the last copy from the cache when offline. Static files (/static/): the
 * cached copy at once, refreshed from the network in the background (stale-while-revalidate), so
 * a release reaches readers on their next visit. Nothing from other hosts, nothing private
 * (/newsroom/, /admin/, /api/, /accounts/, /me/, a reader's letters), nor any page the server
 * marks no-store or private (the letter form, a reader's own pages). */
var CACHE = "rongmei-public-v2";
var PRIVATE = ["/newsroom/", "/admin/", "/api/", "/accounts/", "/me/", "/councils/letters/"];

function shareable(response) {
  var control = (response.headers.get("Cache-Control") || "").toLowerCase();
  return response.ok && control.indexOf("no-store") === -1 && control.indexOf("private") === -1;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(["/"]); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (PRIVATE.some(function (p) { return url.pathname.indexOf(p) === 0; })) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        var fresh = fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        }).catch(function () { return hit; });
        return hit || fresh;
      });
    }));
    return;
  }
  event.respondWith(fetch(request).then(function (response) {
    if (shareable(response) && request.mode === "navigate") { var copy = response.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || caches.match("/"); });
  }));
});
