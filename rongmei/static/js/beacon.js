/* The site's own readership beacon (no third-party script), loaded by every public page.
 *
 * Sends to /api/v1/public/beacon: `view` when the page opens; on an article page (footer
 * #article-actions[data-article]) `read` once, after 15 seconds visible or on scrolling to the
 * article's end; `play` on the first play of each <video>/<audio>; `share` when the share poster
 * link is clicked. Events are batched and sent with navigator.sendBeacon (a text/plain JSON
 * body), at the latest when the page is hidden or left. The device id is a random string kept in
 * localStorage; the server stores it only hashed with a key that changes every day.
 *
 * Do Not Track / Global Privacy Control: nothing is sent and no id is kept.
 *
 * window.RongmeiBeacon = {track, send, deviceId, dnt} lets the site's other scripts (ads.js: ad
 * impressions) use the same queue and device id; track and deviceId do nothing under DNT.
 *
 * Also fills <span class="counters" data-counters="ID" data-i18n-reads="阅读 {n}"> with the
 * article's reads (/api/v1/public/articles/ID/counters; 阅读量 = reads), the text from the
 * template; with data-i18n-views instead it shows page views.
 */
(function () {
  "use strict";

  var ENDPOINT = "/api/v1/public/beacon";
  var READ_AFTER_SECONDS = 15;
  var MAX_BATCH = 50;
  var BATCH_DELAY_MS = 5000;
  var DEVICE_KEY = "rm-device";
  var DEVICE_RE = /^[A-Za-z0-9_-]{8,64}$/;

  var dnt =
    navigator.doNotTrack === "1" || navigator.doNotTrack === "yes" || window.doNotTrack === "1" ||
    navigator.msDoNotTrack === "1" || navigator.globalPrivacyControl === true;

  function randomId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    var out = "";
    for (var j = 0; j < bytes.length; j++) { out += (bytes[j] < 16 ? "0" : "") + bytes[j].toString(16); }
    return out;
  }

  var pageDevice = null;
  function deviceId() {
    try {
      var id = window.localStorage.getItem(DEVICE_KEY);
      if (!id || !DEVICE_RE.test(id)) {
        id = randomId();
        window.localStorage.setItem(DEVICE_KEY, id);
      }
      return id;
    } catch (e) {
      // No storage (private mode, blocked): an id for this page only.
      pageDevice = pageDevice || randomId();
      return pageDevice;
    }
  }

  var footer = document.getElementById("article-actions");
  var article = footer ? parseInt(footer.getAttribute("data-article"), 10) || null : null;

  // A column page is /column/<slug>/; a page may also name its column with data-beacon-column
  // (not data-column: other scripts put that on follow buttons of any page).
  function columnSlug() {
    var el = document.querySelector("[data-beacon-column]");
    var slug = el ? el.getAttribute("data-beacon-column") : null;
    if (!slug) {
      var m = /^\/column\/([^/]+)\/$/.exec(window.location.pathname);
      try { slug = m ? decodeURIComponent(m[1]) : null; } catch (e) { slug = null; }
    }
    return slug && slug.length <= 40 ? slug : null;
  }
  var column = article ? null : columnSlug();

  // --- sending ---------------------------------------------------------------------------------
  var queue = [];
  var timer = null;

  function send() {
    if (timer) { clearTimeout(timer); timer = null; }
    while (queue.length) {
      var body = JSON.stringify({ events: queue.splice(0, MAX_BATCH) });
      var sent = false;
      try { sent = !!(navigator.sendBeacon && navigator.sendBeacon(ENDPOINT, body)); } catch (e) { sent = false; }
      if (!sent && window.fetch) {
        window.fetch(ENDPOINT, {
          method: "POST", body: body, keepalive: true, credentials: "same-origin",
          headers: { "Content-Type": "application/json" }
        }).catch(function () {});
      }
    }
  }

  function track(type, extra) {
    if (dnt) { return; }
    var event = { type: type, path: window.location.pathname.slice(0, 500), device: deviceId() };
    if (article) { event.article = article; }
    if (column) { event.column = column; }
    if (extra) { for (var k in extra) { if (Object.prototype.hasOwnProperty.call(extra, k)) { event[k] = extra[k]; } } }
    queue.push(event);
    if (queue.length >= MAX_BATCH) { send(); } else if (!timer) { timer = setTimeout(send, BATCH_DELAY_MS); }
  }

  // --- reads: 15 seconds visible, or the end of the article reached by scrolling ------------------
  var readSent = false;
  var visibleMs = 0;
  var visibleSince = document.visibilityState === "hidden" ? null : Date.now();
  var readTimer = null;

  function visibleSeconds() {
    return Math.round((visibleMs + (visibleSince ? Date.now() - visibleSince : 0)) / 1000);
  }

  function markRead() {
    if (readSent || !article) { return; }
    readSent = true;
    clearTimeout(readTimer);
    track("read", { seconds: visibleSeconds() });
  }

  function scheduleRead() {
    clearTimeout(readTimer);
    if (readSent || !article || visibleSince === null) { return; }
    readTimer = setTimeout(markRead, Math.max(0, READ_AFTER_SECONDS * 1000 - visibleMs));
  }

  function watchEnd() {
    if (!article || !footer) { return; }
    var scrolled = false;
    // Only a scroll brings the end into view: a short article that fits the screen is read after 15 s.
    window.addEventListener("scroll", function () { scrolled = true; check(); }, { passive: true });
    function check() {
      if (scrolled && !readSent && footer.getBoundingClientRect().top < window.innerHeight) { markRead(); }
    }
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (scrolled && entries.some(function (e) { return e.isIntersecting; })) { markRead(); }
      }).observe(footer);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (visibleSince !== null) { visibleMs += Date.now() - visibleSince; visibleSince = null; }
      clearTimeout(readTimer);
      send();
    } else {
      visibleSince = Date.now();
      scheduleRead();
    }
  });
  window.addEventListener("pagehide", send);
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { track("view"); send(); } // back to a page kept in the back/forward cache
  });

  // --- plays and shares --------------------------------------------------------------------------
  document.addEventListener("play", function (e) {
    var el = e.target;
    if (!el || (el.tagName !== "VIDEO" && el.tagName !== "AUDIO") || el.getAttribute("data-beacon-played")) { return; }
    el.setAttribute("data-beacon-played", "1");
    track("play");
  }, true); // media events do not bubble: listen while capturing

  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest('a[href$="poster.png"]') : null;
    if (link) { track("share"); send(); }
  });

  // --- counters ------------------------------------------------------------------------------------
  function fillCounters() {
    var spans = document.querySelectorAll("span.counters[data-counters]");
    Array.prototype.forEach.call(spans, function (span) {
      var id = parseInt(span.getAttribute("data-counters"), 10);
      if (!id || !window.fetch) { return; }
      window.fetch("/api/v1/public/articles/" + id + "/counters", { credentials: "omit", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          var metric = span.hasAttribute("data-i18n-views") && !span.hasAttribute("data-i18n-reads") ? "views" : "reads";
          if (!data || typeof data[metric] !== "number") { return; }
          var text = span.getAttribute("data-i18n-" + metric) || "{n}";
          span.textContent = text.replace("{n}", String(data[metric]));
        })
        .catch(function () {});
    });
  }

  window.RongmeiBeacon = {
    track: track,
    send: send,
    deviceId: function () { return dnt ? null : deviceId(); },
    dnt: dnt
  };

  track("view");
  send();
  scheduleRead();
  watchEnd();
  fillCounters();
})();
