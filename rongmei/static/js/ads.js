/* Ads in the public pages (no third-party script): fills the placeholders
 *   <div class="ad-slot" data-ad-slot="banner" data-ad-column="slug" hidden></div>
 * from /api/v1/public/ads?slot=&column= (one request per slot and column; the same answer for
 * every reader, cached a few seconds), and on the first page of a session shows the splash
 * (开屏) ad full screen for 3 seconds when one runs.
 *
 * Frequency cap: each ad carries its campaign's cap per device and day; the impressions of the
 * day are counted per campaign in localStorage ("rm-ad-seen"), a campaign at its cap is skipped
 * and the others take turns (the least seen today first). An impression is a creative at least
 * half in view for one second (IntersectionObserver, watched only once its picture has loaded; a
 * picture that fails hides the slot again, uncounted), counted once per page view: it is sent
 * through the readership beacon (window.RongmeiBeacon from beacon.js: the same queue and device
 * id) as {type: "ad_view", creative: id} and counted against the cap at that moment. A click goes
 * through the ad's click URL with the device id (?d=), which counts it and leads on.
 *
 * Do Not Track / Global Privacy Control (as beacon.js): ads are shown, nothing is sent, no id is
 * kept; the cap then counts in sessionStorage for the session only.
 *
 * Every ad carries the label 广告: the API's label (in the reader's language), else the
 * placeholder's data-i18n-label, else this script tag's. The splash's skip button reads this
 * script tag's data-i18n-skip. An empty answer leaves the placeholder hidden.
 */
(function () {
  "use strict";

  var API = "/api/v1/public/ads";
  var SEEN_KEY = "rm-ad-seen";
  var SPLASH_KEY = "rm-ad-splash";
  var VIEW_RATIO = 0.5;
  var VIEW_MS = 1000;
  var SPLASH_MS = 3000;
  var SPLASH_LOAD_MS = 2500; // a splash picture slower than this is not shown at all

  var script = document.currentScript;
  var beacon = window.RongmeiBeacon || null;
  var dnt = beacon ? !!beacon.dnt :
    navigator.doNotTrack === "1" || navigator.doNotTrack === "yes" || window.doNotTrack === "1" ||
    navigator.msDoNotTrack === "1" || navigator.globalPrivacyControl === true;

  function scriptText(name, fallback) {
    return (script && script.getAttribute("data-i18n-" + name)) || fallback;
  }

  // --- the frequency cap ---------------------------------------------------------------------------
  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + (d.getMonth() + 1) + "-" + d.getDate();
  }

  var memorySeen = null; // no storage at all: this page only
  function store() {
    try { return dnt ? window.sessionStorage : window.localStorage; } catch (e) { return null; }
  }

  function loadSeen() {
    var s = store();
    var data = memorySeen;
    if (s) {
      try { data = JSON.parse(s.getItem(SEEN_KEY) || "null"); } catch (e) { data = null; }
    }
    if (!data || data.day !== today() || typeof data.n !== "object" || data.n === null) {
      data = { day: today(), n: {} };
    }
    return data;
  }

  function seenToday(campaign) {
    return loadSeen().n[campaign] || 0;
  }

  function countSeen(campaign) {
    var data = loadSeen();
    data.n[campaign] = (data.n[campaign] || 0) + 1;
    memorySeen = data;
    var s = store();
    if (s) { try { s.setItem(SEEN_KEY, JSON.stringify(data)); } catch (e) { /* full or blocked */ } }
  }

  // The ads under their cap, least seen today first; among equals a random one.
  function choose(ads, taken) {
    var open = ads.filter(function (ad) { return seenToday(ad.campaign) < (ad.cap || 1); });
    var fresh = open.filter(function (ad) { return !taken[ad.creative]; });
    if (fresh.length) { open = fresh; }
    if (!open.length) { return null; }
    var least = Math.min.apply(null, open.map(function (ad) { return seenToday(ad.campaign); }));
    var best = open.filter(function (ad) { return seenToday(ad.campaign) === least; });
    return best[Math.floor(Math.random() * best.length)];
  }

  // --- impressions ---------------------------------------------------------------------------------
  var counted = {}; // creatives whose impression this page view has counted
  var watched = [];
  var observer = null;
  var splashOpen = false; // the splash covers the page: the page's own ads are not seen meanwhile

  function impression(ad) {
    if (counted[ad.creative]) { return; }
    counted[ad.creative] = true;
    countSeen(ad.campaign);
    if (!dnt && beacon && beacon.track) { beacon.track("ad_view", { creative: ad.creative }); }
  }

  function check(item) {
    var ready = item.inView && document.visibilityState !== "hidden" && !counted[item.ad.creative] && (item.splash || !splashOpen);
    if (ready && !item.timer) {
      item.timer = setTimeout(function () {
        item.timer = null;
        if (item.inView && document.visibilityState !== "hidden" && (item.splash || !splashOpen)) { impression(item.ad); }
      }, VIEW_MS);
    } else if (!ready && item.timer) {
      clearTimeout(item.timer);
      item.timer = null;
    }
  }

  function watch(el, ad, isSplash) {
    if (!("IntersectionObserver" in window)) { return; } // no way to tell it was seen: not counted
    var item = { el: el, ad: ad, inView: false, timer: null, splash: !!isSplash };
    watched.push(item);
    if (!observer) {
      observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          watched.forEach(function (w) {
            if (w.el === entry.target) {
              w.inView = entry.isIntersecting && entry.intersectionRatio >= VIEW_RATIO;
              check(w);
            }
          });
        });
      }, { threshold: [0, VIEW_RATIO, 1] });
      document.addEventListener("visibilitychange", function () { watched.forEach(check); });
    }
    observer.observe(el);
  }

  function unwatch(el) {
    watched = watched.filter(function (w) {
      if (w.el !== el) { return true; }
      w.inView = false;
      check(w);
      if (observer) { observer.unobserve(el); }
      return false;
    });
  }

  // --- rendering -----------------------------------------------------------------------------------
  function clickUrl(ad) {
    var id = !dnt && beacon && beacon.deviceId ? beacon.deviceId() : null;
    return ad.click + (id ? (ad.click.indexOf("?") < 0 ? "?" : "&") + "d=" + encodeURIComponent(id) : "");
  }

  function label(text) {
    var span = document.createElement("span");
    span.className = "ad-label";
    span.textContent = text;
    return span;
  }

  function picture(ad, answer) {
    var img = document.createElement("img");
    img.src = ad.image;
    img.alt = ad.alt || "";
    if (answer.width && answer.height) { img.width = answer.width; img.height = answer.height; }
    img.decoding = "async";
    return img;
  }

  function link(ad, answer) {
    var a = document.createElement("a");
    a.className = "ad-link";
    a.href = clickUrl(ad);
    a.rel = "sponsored noopener";
    a.setAttribute("data-creative", String(ad.creative));
    a.appendChild(picture(ad, answer));
    return a;
  }

  // The slot shows at once (its room is kept by --ad-ratio); the impression is watched for only
  // once the picture has loaded. A picture that fails (deleted, a network error) takes the slot
  // away again, label and all, and is never counted: no 广告 over a broken image.
  function fill(el, ad, answer) {
    var text = answer.label || el.getAttribute("data-i18n-label") || scriptText("label", "广告");
    var a = link(ad, answer);
    var img = a.querySelector("img");
    img.addEventListener("load", function () {
      if (el.getAttribute("data-creative") === String(ad.creative) && !el.hidden) { watch(a, ad); }
    });
    img.addEventListener("error", function () {
      unwatch(a);
      if (el.getAttribute("data-creative") !== String(ad.creative)) { return; }
      el.hidden = true;
      el.textContent = "";
      el.removeAttribute("data-creative");
      el.removeAttribute("aria-label");
    });
    el.textContent = "";
    el.appendChild(label(text));
    el.appendChild(a);
    el.setAttribute("data-creative", String(ad.creative));
    el.setAttribute("aria-label", text);
    if (answer.width && answer.height) { el.style.setProperty("--ad-ratio", answer.width + " / " + answer.height); }
    el.hidden = false;
  }

  function fetchSlot(slot, column) {
    var url = API + "?slot=" + encodeURIComponent(slot) + (column ? "&column=" + encodeURIComponent(column) : "");
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function fillPlaceholders() {
    var groups = {};
    var order = [];
    Array.prototype.forEach.call(document.querySelectorAll(".ad-slot[data-ad-slot]"), function (el) {
      var slot = el.getAttribute("data-ad-slot");
      if (!slot || slot === "splash") { return; }
      var key = slot + "\n" + (el.getAttribute("data-ad-column") || "");
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(el);
    });
    order.forEach(function (key) {
      var parts = key.split("\n");
      fetchSlot(parts[0], parts[1]).then(function (answer) {
        if (!answer || !answer.ads || !answer.ads.length) { return; } // stays hidden
        var taken = {};
        groups[key].forEach(function (el) {
          var ad = choose(answer.ads, taken);
          if (!ad) { return; }
          taken[ad.creative] = true;
          fill(el, ad, answer);
        });
      });
    });
  }

  // --- the splash (开屏): the first page of a session, 3 seconds, skippable ------------------------
  function firstPageOfSession() {
    try {
      if (window.sessionStorage.getItem(SPLASH_KEY)) { return false; }
      window.sessionStorage.setItem(SPLASH_KEY, "1");
      return true;
    } catch (e) {
      return false; // no session storage: never, rather than on every page
    }
  }

  function splash() {
    if (!firstPageOfSession()) { return; }
    fetchSlot("splash", "").then(function (answer) {
      if (!answer || !answer.ads || !answer.ads.length) { return; }
      var ad = choose(answer.ads, {});
      if (!ad) { return; }
      var text = answer.label || scriptText("label", "广告");
      var overlay = document.createElement("div");
      overlay.className = "ad-splash";
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", text);
      overlay.setAttribute("data-creative", String(ad.creative));
      var a = link(ad, answer);
      var skip = document.createElement("button");
      skip.type = "button";
      skip.className = "ad-skip";
      var skipText = scriptText("skip", "跳过");
      var left = Math.round(SPLASH_MS / 1000);
      skip.textContent = skipText + " " + left;
      overlay.appendChild(a);
      overlay.appendChild(label(text));
      overlay.appendChild(skip);

      var ticker = null;
      var gone = false;
      var before = document.activeElement;
      function close() {
        if (gone) { return; }
        gone = true;
        clearInterval(ticker);
        document.removeEventListener("keydown", onKey);
        unwatch(a); // skipped within the second: no impression
        splashOpen = false;
        watched.forEach(check);
        if (overlay.parentNode) { overlay.parentNode.removeChild(overlay); }
        document.documentElement.classList.remove("ad-splash-open");
        if (before && before.focus) { try { before.focus(); } catch (e) { /* gone */ } }
      }
      function onKey(e) { if (e.key === "Escape") { close(); } }
      skip.addEventListener("click", close);

      var img = a.querySelector("img");
      var late = setTimeout(function () { gone = true; }, SPLASH_LOAD_MS); // never pops up late
      img.addEventListener("error", function () { clearTimeout(late); gone = true; });
      img.addEventListener("load", function () {
        clearTimeout(late);
        if (gone) { return; }
        document.body.appendChild(overlay);
        document.documentElement.classList.add("ad-splash-open");
        document.addEventListener("keydown", onKey);
        skip.focus();
        splashOpen = true;
        watched.forEach(check);
        watch(a, ad, true);
        ticker = setInterval(function () {
          left -= 1;
          if (left <= 0) { close(); } else { skip.textContent = skipText + " " + left; }
        }, 1000);
      });
    });
  }

  if (!window.fetch) { return; }
  fillPlaceholders();
  splash();
})();
