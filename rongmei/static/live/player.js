/* The live room's player (/live/<id>/): the state of the room (not started → live → ended →
 * replay), the stream, the countdown and the danmaku (弹幕) overlay. Plain script, no build step.
 *
 * <article id="live-room" data-state data-start (epoch ms) data-hls-live data-i18n-…> holds what
 * the page knows; chat.js, loaded after this file, tells it what the chat socket says through
 * window.RongmeiLive.player: setState(state), danmaku.add(message), danmaku.remove(ids).
 *
 * Live: the HLS playlist is played by the browser itself where it can (Safari, WeChat on iOS),
 * else by hls.js (vendor/hls.light.min.js). Until the playlist exists (the encoder has not sent
 * its first segments) the player tries again quietly every few seconds with a friendly notice.
 * Replay: the replay's HLS playlist with its MP4 as the fallback. A room that becomes a replay
 * while open reloads the page, which then has the replay's addresses.
 */
(function () {
  "use strict";

  var HLS_TYPE = "application/vnd.apple.mpegurl";
  var root = document.getElementById("live-room");
  if (!root) return;

  var video = document.getElementById("live-video");
  var poster = document.getElementById("live-poster");
  var notice = document.getElementById("live-notice");
  var badge = document.getElementById("live-badge");
  var viewers = document.getElementById("live-viewers");
  var state = root.getAttribute("data-state");
  var hls = null;
  var retryTimer = null;
  var retryDelay = 2000;
  var countdownTimer = null;

  function t(key, fallback) {
    return root.getAttribute("data-i18n-" + key) || fallback;
  }

  function native() {
    return !!video.canPlayType && video.canPlayType(HLS_TYPE) !== "";
  }

  function say(lines) {
    notice.textContent = "";
    for (var i = 0; i < lines.length; i++) {
      var p = document.createElement("p");
      p.textContent = lines[i].text;
      if (lines[i].className) p.className = lines[i].className;
      notice.appendChild(p);
    }
  }

  function stopStream() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    video.removeAttribute("src");
    while (video.firstChild) video.removeChild(video.firstChild);
    try {
      video.load();
    } catch (e) {
      /* nothing was loaded */
    }
  }

  function tryPlay() {
    var p = video.play && video.play();
    if (p && p.catch) p.catch(function () {}); // autoplay with sound may be refused: the controls stay
  }

  function waitForStream() {
    // The playlist is not there yet: say so and try again, a little later each time (max 10 s).
    say([{ text: t("waiting", "The stream will begin in a moment…") }]);
    root.setAttribute("data-stream", "waiting");
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (state === "live") playLive();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 1.5, 10000);
  }

  function streaming() {
    retryDelay = 2000;
    root.setAttribute("data-stream", "playing");
    if (state === "live") say([]);
  }

  function playLive() {
    var url = root.getAttribute("data-hls-live");
    if (!url) return;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    video.hidden = false;
    poster.hidden = true;
    if (window.Hls && window.Hls.isSupported() && !native()) {
      hls = new window.Hls({ liveSyncDurationCount: 3, capLevelToPlayerSize: true, manifestLoadingMaxRetry: 0 });
      video.setAttribute("data-player", "hls.js");
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
        streaming();
        tryPlay();
      });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data || !data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
          return;
        }
        waitForStream();
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    } else {
      video.setAttribute("data-player", "native");
      video.src = url;
      video.onloadedmetadata = function () {
        streaming();
        tryPlay();
      };
      video.onerror = function () {
        if (state === "live") waitForStream();
      };
      video.load();
    }
  }

  function playReplay() {
    var url = video.getAttribute("data-hls");
    if (!url || native() || !window.Hls || !window.Hls.isSupported()) return; // <source>s do it
    hls = new window.Hls({ autoStartLoad: false, capLevelToPlayerSize: true });
    video.setAttribute("data-player", "hls.js");
    var started = false;
    hls.on(window.Hls.Events.ERROR, function (event, data) {
      if (!data || !data.fatal) return;
      var mp4 = video.getAttribute("data-mp4");
      hls.destroy();
      hls = null;
      if (mp4) {
        video.src = mp4;
        video.load();
      }
    });
    video.addEventListener("play", function () {
      if (!started && hls) {
        started = true;
        hls.startLoad(-1);
      }
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function countdown() {
    var el = document.getElementById("live-countdown");
    var start = parseInt(root.getAttribute("data-start"), 10);
    if (!el || !start) return;
    function tick() {
      if (state !== "scheduled") {
        clearInterval(countdownTimer);
        return;
      }
      var left = Math.floor((start - Date.now()) / 1000);
      if (left <= 0) {
        el.textContent = t("soon", "The live stream is about to begin.");
        return;
      }
      var d = Math.floor(left / 86400);
      var h = Math.floor((left % 86400) / 3600);
      var m = Math.floor((left % 3600) / 60);
      var s = left % 60;
      var time = (d ? t("days", "{n} d ").replace("{n}", d) : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
      el.textContent = t("countdown", "Starts in {time}").replace("{time}", time);
    }
    tick();
    countdownTimer = setInterval(tick, 1000);
  }

  function setState(next) {
    if (!next || next === state) return;
    var previous = state;
    state = next;
    root.setAttribute("data-state", next);
    root.className = root.className.replace(/\bstate-\w+/, "state-" + next);
    badge.className = "live-badge badge-" + next;
    badge.textContent = t("state-" + next, next);
    if (viewers) viewers.hidden = next !== "live";
    if (next === "live") {
      say([]);
      playLive();
    } else if (next === "ended") {
      stopStream();
      video.hidden = true;
      poster.hidden = false;
      say([{ text: t("ended", "The live stream has ended. The replay is being prepared.") }]);
    } else if (next === "replay" && previous !== "replay") {
      // The replay's addresses are on the page as it is now rendered (at most one reload a
      // minute, should a cached copy still say otherwise).
      var key = "rongmei.live.reloaded." + root.getAttribute("data-room");
      var last = 0;
      try {
        last = parseInt(window.sessionStorage.getItem(key) || "0", 10);
        window.sessionStorage.setItem(key, String(Date.now()));
      } catch (e) {
        /* storage may be refused */
      }
      if (Date.now() - last > 60000)
        setTimeout(function () {
          location.reload();
        }, 500);
    }
  }

  /* --- danmaku: messages fly right to left in lanes, at one speed, so none catches another ---- */

  var danmaku = (function () {
    var box = document.getElementById("danmaku");
    var toggle = document.getElementById("danmaku-toggle");
    var LANE_HEIGHT = 28;
    var MAX_LANES = 8;
    var MAX_QUEUE = 24; // more waiting than this: the oldest are dropped (a busy room stays readable)
    var MAX_WAIT = 6000; // a message that could not fly within this long is dropped
    var GAP = 24; // pixels between two messages in a lane
    var lanes = [];
    var queue = [];
    var timer = null;
    var on = true;
    try {
      on = window.localStorage.getItem("rongmei.danmaku") !== "off";
    } catch (e) {
      /* storage may be refused */
    }

    function render() {
      box.classList.toggle("is-off", !on);
      if (!toggle) return;
      toggle.hidden = false;
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = on ? t("danmaku-on", "Hide danmaku") : t("danmaku-off", "Show danmaku");
    }

    function laneCount() {
      return Math.max(1, Math.min(MAX_LANES, Math.floor(box.clientHeight / LANE_HEIGHT)));
    }

    function speed() {
      return Math.max(box.clientWidth, 240) / 7000; // pixels per ms: the width in 7 s
    }

    function freeLane(now) {
      var n = laneCount();
      for (var i = 0; i < n; i++) if (!lanes[i] || lanes[i] <= now) return i;
      return -1;
    }

    function fly(message, lane, now) {
      var el = document.createElement("div");
      el.className = "danmaku-item" + (message.host ? " is-host" : "") + (message.mine ? " is-mine" : "");
      el.setAttribute("data-id", message.id);
      el.textContent = message.text;
      el.style.top = lane * LANE_HEIGHT + "px";
      box.appendChild(el);
      var width = el.offsetWidth;
      var distance = box.clientWidth + width;
      var v = speed();
      lanes[lane] = now + (width + GAP) / v;
      var done = function () {
        if (el.parentNode) el.parentNode.removeChild(el);
      };
      if (el.animate) {
        var animation = el.animate([{ transform: "translateX(0)" }, { transform: "translateX(" + -distance + "px)" }], {
          duration: distance / v,
          easing: "linear",
        });
        animation.onfinish = done;
      } else {
        setTimeout(done, distance / v);
      }
    }

    function pump() {
      timer = null;
      var now = Date.now();
      while (queue.length && now - queue[0].queued > MAX_WAIT) queue.shift();
      while (queue.length) {
        var lane = freeLane(now);
        if (lane < 0) break;
        fly(queue.shift(), lane, now);
      }
      if (queue.length && !timer) timer = setTimeout(pump, 150);
    }

    function add(message) {
      if (!on || document.hidden || !message || !message.text) return;
      message.queued = Date.now();
      queue.push(message);
      if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
      if (!timer) pump();
    }

    function remove(ids) {
      var gone = {};
      for (var i = 0; i < ids.length; i++) gone[String(ids[i])] = true;
      queue = queue.filter(function (m) {
        return !gone[String(m.id)];
      });
      var items = box.querySelectorAll(".danmaku-item");
      for (var j = 0; j < items.length; j++) if (gone[items[j].getAttribute("data-id")]) items[j].parentNode.removeChild(items[j]);
    }

    function setOn(value) {
      on = !!value;
      try {
        window.localStorage.setItem("rongmei.danmaku", on ? "on" : "off");
      } catch (e) {
        /* storage may be refused */
      }
      if (!on) {
        queue = [];
        box.textContent = "";
        lanes = [];
      }
      render();
    }

    if (toggle)
      toggle.addEventListener("click", function () {
        setOn(!on);
      });
    render();
    return {
      add: add,
      remove: remove,
      setOn: setOn,
      isOn: function () {
        return on;
      },
    };
  })();

  window.RongmeiLive = window.RongmeiLive || {};
  window.RongmeiLive.player = {
    setState: setState,
    state: function () {
      return state;
    },
    danmaku: danmaku,
  };

  /* --- the replay's danmaku: the kept chat flies again at the second it was sent -------------- */

  function replayDanmaku() {
    var url = root.getAttribute("data-replay-chat");
    if (!url || !window.fetch) return;
    var items = [];
    var next = 0;
    var last = 0;
    var pages = 0;
    function load(after) {
      fetch(url + "?after=" + after, { credentials: "same-origin" })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (data) {
          if (!data || !data.items) return;
          for (var i = 0; i < data.items.length; i++) if (data.items[i].s != null) items.push(data.items[i]);
          items.sort(function (a, b) {
            return a.s - b.s;
          });
          pages += 1;
          if (data.more && data.items.length && pages < 10) load(data.items[data.items.length - 1].id);
        })
        .catch(function () {});
    }
    function seek(now) {
      var lo = 0;
      var hi = items.length;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (items[mid].s <= now) lo = mid + 1;
        else hi = mid;
      }
      next = lo;
    }
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      if (now < last || now - last > 3) seek(now); // the reader jumped: go on from there
      else
        while (next < items.length && items[next].s <= now) {
          var m = items[next++];
          danmaku.add({ id: m.id, text: m.b, host: m.k === "host" });
        }
      last = now;
    });
    load(0);
  }

  if (state === "live") playLive();
  else if (state === "replay") {
    playReplay();
    replayDanmaku();
  }
  else if (state === "scheduled") countdown();
})();
