/* The live room's chat (/live/<id>/): the message list, sending, likes, counts, the pinned
 * announcement and, for hosts, moderation. It speaks the chat socket /ws/live/<room>/ (protocol in
 * docs: JSON frames; hello, history, batch with messages and events, ack, error, pending).
 *
 * Without the socket server the page still shows the messages drawn into it and says
 * "connecting…" while it retries (1 s, 2 s, 4 s … 15 s); each reconnection asks only for what it
 * missed (?after=<largest id seen>). Flying danmaku go through window.RongmeiLive.player (player.js).
 * Words people read come from the page (data-i18n-… attributes, translated by the server).
 */
(function () {
  "use strict";

  var root = document.getElementById("live-room");
  if (!root) return;

  var roomId = root.getAttribute("data-room");
  var list = document.getElementById("chat-list");
  var status = document.getElementById("chat-status");
  var modeLine = document.getElementById("chat-mode");
  var more = document.getElementById("chat-more");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var send = document.getElementById("chat-send");
  var errorLine = document.getElementById("chat-error");
  var note = document.getElementById("chat-note");
  var likeButton = document.getElementById("live-like");
  var likesEl = document.getElementById("live-likes");
  var viewersEl = document.getElementById("live-viewers");
  var viewsEl = document.getElementById("live-views");
  var pinned = document.getElementById("live-pinned");
  var pinnedText = document.getElementById("live-pinned-text");
  var hostPanel = document.getElementById("live-host");
  var player = (window.RongmeiLive && window.RongmeiLive.player) || null;

  var MAX_MESSAGES = 300;
  var ACK_TIMEOUT = 10000;

  var socket = null;
  var attempt = 0;
  var stopped = false; // banned: the server closed with 4003; no reconnecting
  var greeted = false;
  var firstHistory = true;
  var maxId = 0;
  var seen = {}; // message id → its <li>
  var role = "viewer";
  var me = null;
  var mode = { open: true, slow: 0, premod: false, gate_hours: 0 };
  var awaiting = null; // {c, timer}: the message sent, waiting for its ack or error
  var slowUntil = 0;
  var slowTimer = null;
  var likes = parseInt((likesEl && likesEl.textContent) || "0", 10) || 0;
  var likesToSend = 0;
  var likeTimer = null;

  window.RongmeiLive = window.RongmeiLive || {};

  function t(key, fallback) {
    return root.getAttribute("data-i18n-" + key) || fallback;
  }

  function ht(key, fallback) {
    return (hostPanel && hostPanel.getAttribute("data-i18n-" + key)) || fallback;
  }

  function show(el, text) {
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function socketUrl() {
    var base = document.body.getAttribute("data-ws-url");
    if (!base) base = (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host;
    return base.replace(/\/+$/, "") + "/ws/live/" + roomId + "/" + (maxId ? "?after=" + maxId : "");
  }

  function sendFrame(frame) {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function command(frame) {
    // A host's command: the server answers {"t":"done"} or {"t":"error"} with the same client id.
    frame.c = "h" + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
    show(errorLine, "");
    show(note, "");
    return sendFrame(frame);
  }

  /* --- the message list ------------------------------------------------------------------- */

  function atBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  }

  function toBottom() {
    list.scrollTop = list.scrollHeight;
    if (more) more.hidden = true;
  }

  function hostTools(li, m) {
    // Behind a small "…" on each message, so that the list stays readable on a phone.
    var opener = document.createElement("button");
    opener.type = "button";
    opener.className = "chat-more-tools";
    opener.setAttribute("data-action", "tools");
    opener.setAttribute("aria-label", ht("actions", "Moderate"));
    opener.setAttribute("aria-expanded", "false");
    opener.textContent = "…";
    var box = document.createElement("span");
    box.className = "chat-tools";
    box.hidden = true;
    opener.addEventListener("click", function () {
      box.hidden = !box.hidden;
      opener.setAttribute("aria-expanded", box.hidden ? "false" : "true");
    });
    li.appendChild(opener);
    function button(label, action, onclick) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.setAttribute("data-action", action);
      b.addEventListener("click", onclick);
      box.appendChild(b);
    }
    button(ht("remove", "Remove"), "remove", function () {
      command({ t: "remove", id: m.id });
    });
    button(ht("highlight", "Highlight"), "highlight", function () {
      command({ t: "highlight", id: m.id });
    });
    if (m.f) {
      button(ht("mute", "Mute 10 min"), "mute", function () {
        command({ t: "mute", fan: m.f, minutes: 10 });
      });
      button(ht("ban", "Ban"), "ban", function () {
        askBan(m);
      });
    }
    li.appendChild(box);
  }

  function messageItem(m) {
    var li = document.createElement("li");
    li.className = "chat-msg" + (m.k === "host" ? " is-host" : "") + (m.h ? " is-highlighted" : "") + (isMine(m) ? " is-mine" : "");
    li.setAttribute("data-id", m.id);
    li.setAttribute("data-fan", m.f == null ? "" : m.f);
    var name = document.createElement("span");
    name.className = "chat-name";
    if (m.k === "host") {
      var tag = document.createElement("span");
      tag.className = "chat-host-tag";
      tag.textContent = t("host", "Host");
      name.appendChild(tag);
    }
    name.appendChild(document.createTextNode(m.n || ""));
    var body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = m.b || "";
    li.appendChild(name);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(body);
    if (role === "host") hostTools(li, m);
    return li;
  }

  function isMine(m) {
    return !!(me && me.fan && m.f === me.fan);
  }

  function addMessages(messages, fly) {
    if (!messages || !messages.length) return;
    var stick = atBottom();
    for (var i = 0; i < messages.length; i++) {
      var m = messages[i];
      if (!m || m.id == null || seen[m.id]) continue; // a resumed connection may repeat some
      var li = messageItem(m);
      seen[m.id] = li;
      list.appendChild(li);
      if (m.id > maxId) maxId = m.id;
      dropPending(m.id); // approved by a host
      if (fly && player) player.danmaku.add({ id: m.id, text: m.b, host: m.k === "host", mine: isMine(m) });
    }
    while (list.children.length > MAX_MESSAGES) {
      var first = list.firstElementChild;
      delete seen[first.getAttribute("data-id")];
      list.removeChild(first);
    }
    if (stick) toBottom();
    else if (more) more.hidden = false;
  }

  function removeMessages(ids) {
    for (var i = 0; i < ids.length; i++) {
      var li = seen[ids[i]];
      if (li && li.parentNode) li.parentNode.removeChild(li);
      delete seen[ids[i]];
      dropPending(ids[i]);
    }
    if (player) player.danmaku.remove(ids);
  }

  function highlight(id) {
    var li = seen[id];
    if (li) li.classList.add("is-highlighted");
  }

  function resetList() {
    // The first history replaces what the page was drawn with (the socket's view is the current one).
    list.textContent = "";
    seen = {};
    maxId = 0;
  }

  /* --- state, counts, pinned text, mode --------------------------------------------------- */

  function fmt(el, n) {
    if (!el || n == null) return;
    el.textContent = (el.getAttribute("data-i18n") || "{n}").replace("{n}", n);
  }

  function stats(s) {
    if (s.viewers != null) fmt(viewersEl, s.viewers);
    if (s.views != null) fmt(viewsEl, s.views);
    if (s.likes != null && s.likes > likes) {
      likes = s.likes; // likes only grow: never show fewer than the taps already counted here
      if (likesEl) likesEl.textContent = likes;
    }
  }

  function pin(text) {
    if (!pinned) return;
    pinnedText.textContent = text || "";
    pinned.hidden = !text;
    var field = document.getElementById("host-pin-text");
    if (field && document.activeElement !== field) field.value = text || "";
  }

  function setMode(m) {
    mode = { open: m.open !== false, slow: m.slow || 0, premod: !!m.premod, gate_hours: m.gate_hours || 0 };
    var lines = [];
    if (!mode.open) lines.push(t("closed", "The chat is closed."));
    else {
      if (mode.slow) lines.push(t("slow-mode", "Slow mode: one message every {s} seconds.").replace("{s}", mode.slow));
      if (mode.premod) lines.push(t("premod-mode", "Messages are shown after review."));
    }
    show(modeLine, lines.join(" "));
    if (input) input.disabled = !mode.open && role !== "host";
    if (send) send.disabled = (!mode.open && role !== "host") || !!awaiting || slowUntil > Date.now();
    var hostForm = document.getElementById("host-mode");
    if (hostForm) {
      hostForm.elements.open.checked = mode.open;
      hostForm.elements.premod.checked = mode.premod;
      hostForm.elements.slow.value = mode.slow;
      hostForm.elements.gate_hours.value = mode.gate_hours;
    }
  }

  function events(list_) {
    for (var i = 0; i < (list_ || []).length; i++) {
      var ev = list_[i];
      if (!ev) continue;
      if (ev.e === "remove") removeMessages(ev.ids || []);
      else if (ev.e === "pin") pin(ev.b);
      else if (ev.e === "highlight") highlight(ev.id);
      else if (ev.e === "mode") setMode(ev);
      else if (ev.e === "stats") stats(ev);
      else if (ev.e === "state" && player) player.setState(ev.state);
    }
  }

  /* --- sending ------------------------------------------------------------------------------ */

  function sendLabel() {
    if (!send) return;
    var left = Math.ceil((slowUntil - Date.now()) / 1000);
    if (awaiting) send.textContent = t("sending", "Sending…");
    else if (left > 0) send.textContent = t("slow", "You can send again in {s} s").replace("{s}", left);
    else send.textContent = send.getAttribute("data-label") || "Send";
    send.disabled = !!awaiting || left > 0 || (!mode.open && role !== "host");
  }

  function startSlow(seconds) {
    if (!seconds || role === "host") return;
    slowUntil = Date.now() + seconds * 1000;
    if (slowTimer) clearInterval(slowTimer);
    slowTimer = setInterval(function () {
      sendLabel();
      if (slowUntil <= Date.now()) {
        clearInterval(slowTimer);
        slowTimer = null;
      }
    }, 500);
    sendLabel();
  }

  function settle() {
    if (awaiting) clearTimeout(awaiting.timer);
    awaiting = null;
    sendLabel();
  }

  function onSubmit(event) {
    event.preventDefault();
    var text = (input.value || "").trim();
    if (!text || awaiting || slowUntil > Date.now()) return;
    show(errorLine, "");
    show(note, "");
    var c = "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
    if (!sendFrame({ t: "say", b: text, c: c })) {
      show(errorLine, t("connecting", "Connecting to the chat…"));
      return; // what was typed stays in the box
    }
    awaiting = {
      c: c,
      timer: setTimeout(function () {
        awaiting = null;
        show(errorLine, t("not-sent", "Your message could not be sent. Please try again."));
        sendLabel();
      }, ACK_TIMEOUT),
    };
    sendLabel();
  }

  function onAck(frame) {
    if (!awaiting || frame.c !== awaiting.c) return;
    settle();
    input.value = "";
    if (frame.status === "pending") show(note, t("pending", "Your message is awaiting review."));
    startSlow(mode.slow);
  }

  function onError(frame) {
    if (awaiting && frame.c === awaiting.c) settle();
    show(errorLine, frame.msg || t("not-sent", "Your message could not be sent. Please try again."));
    if (frame.code === "banned") {
      stopped = true;
      if (input) input.disabled = true;
      if (send) send.disabled = true;
    }
  }

  /* --- likes: counted at once here, sent together (at most 20 a frame) ------------------------ */

  function heart() {
    var h = document.createElement("span");
    h.className = "heart";
    h.setAttribute("aria-hidden", "true");
    h.textContent = "♥";
    likeButton.appendChild(h);
    setTimeout(function () {
      if (h.parentNode) h.parentNode.removeChild(h);
    }, 1000);
  }

  function flushLikes() {
    likeTimer = null;
    while (likesToSend > 0) {
      var n = Math.min(20, likesToSend);
      if (!sendFrame({ t: "like", n: n })) break; // kept (up to 20) until the socket is back
      likesToSend -= n;
    }
    if (likesToSend > 20) likesToSend = 20;
  }

  function onLike() {
    likes += 1;
    likesToSend += 1;
    if (likesEl) likesEl.textContent = likes;
    heart();
    if (!likeTimer) likeTimer = setTimeout(flushLikes, 800);
  }

  /* --- host controls -------------------------------------------------------------------------- */

  function askBan(m) {
    var dialog = document.getElementById("host-ban");
    var reason = document.getElementById("host-ban-reason");
    document.getElementById("host-ban-name").textContent = m.n || "";
    reason.value = "";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ban" && reason.value.trim()) {
        command({ t: "ban", fan: m.f, reason: reason.value.trim() });
      }
    };
    if (dialog.showModal) dialog.showModal();
    else dialog.setAttribute("open", "");
  }

  var pendingList = document.getElementById("host-pending-list");
  var pendingItems = {};

  function pendingCount() {
    var el = document.getElementById("host-pending-count");
    if (el) el.textContent = pendingList ? pendingList.children.length : 0;
  }

  function dropPending(id) {
    var li = pendingItems[id];
    if (li && li.parentNode) li.parentNode.removeChild(li);
    delete pendingItems[id];
    pendingCount();
  }

  function addPending(messages) {
    if (!pendingList) return;
    for (var i = 0; i < (messages || []).length; i++) {
      var m = messages[i];
      if (!m || pendingItems[m.id] || seen[m.id]) continue;
      var li = document.createElement("li");
      li.className = "chat-msg is-pending";
      li.setAttribute("data-id", m.id);
      var text = document.createElement("span");
      text.textContent = (m.n || "") + "：" + (m.b || "");
      li.appendChild(text);
      var tools = document.createElement("span");
      tools.className = "chat-tools";
      [
        ["approve", ht("approve", "Approve")],
        ["reject", ht("reject", "Reject")],
      ].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button";
        b.setAttribute("data-action", pair[0]);
        b.textContent = pair[1];
        b.addEventListener("click", function () {
          if (command({ t: pair[0], id: m.id })) dropPending(m.id);
        });
        tools.appendChild(b);
      });
      li.appendChild(tools);
      pendingItems[m.id] = li;
      pendingList.appendChild(li);
    }
    pendingCount();
  }

  function setupHost() {
    if (!hostPanel || hostPanel.getAttribute("data-ready")) return;
    hostPanel.setAttribute("data-ready", "1");
    document.getElementById("host-pin").addEventListener("submit", function (event) {
      event.preventDefault();
      var text = document.getElementById("host-pin-text").value.trim();
      command(text ? { t: "pin", b: text } : { t: "unpin" });
    });
    document.getElementById("host-unpin").addEventListener("click", function () {
      command({ t: "unpin" });
    });
    document.getElementById("host-mode").addEventListener("submit", function (event) {
      event.preventDefault();
      var f = event.target.elements;
      command({
        t: "mode",
        open: f.open.checked,
        premod: f.premod.checked,
        slow: Math.max(0, parseInt(f.slow.value, 10) || 0),
        gate_hours: Math.max(0, parseInt(f.gate_hours.value, 10) || 0),
      });
    });
  }

  function becomeHost() {
    if (!hostPanel) return;
    setupHost();
    hostPanel.hidden = false;
    // Messages already listed get their tools too.
    for (var id in seen) {
      var li = seen[id];
      if (li.querySelector(".chat-more-tools")) continue;
      var name = li.querySelector(".chat-name");
      hostTools(li, {
        id: parseInt(id, 10),
        f: li.getAttribute("data-fan") ? parseInt(li.getAttribute("data-fan"), 10) : null,
        n: name ? name.textContent : "",
      });
    }
  }

  /* --- the socket ----------------------------------------------------------------------------- */

  function onHello(frame) {
    greeted = true;
    attempt = 0;
    show(status, "");
    role = frame.role || "viewer";
    me = frame.me || null;
    root.setAttribute("data-role", role);
    if (frame.mode) setMode(frame.mode);
    pin(frame.pinned || "");
    stats(frame);
    if (frame.state && player) player.setState(frame.state);
    if (role === "host") becomeHost();
    if (role === "viewer" && form) {
      // The login has ended since the page was made: offer it again.
      var p = document.createElement("p");
      p.className = "chat-login";
      var a = document.createElement("a");
      a.className = "btn";
      a.href = root.getAttribute("data-login");
      a.textContent = t("login", "Log in to chat");
      p.appendChild(a);
      form.parentNode.replaceChild(p, form);
      form = null;
    }
    flushLikes();
  }

  function onFrame(event) {
    var frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.t === "hello") onHello(frame);
    else if (frame.t === "history") {
      if (firstHistory) resetList();
      firstHistory = false;
      addMessages(frame.m, false);
      toBottom();
    } else if (frame.t === "batch") {
      addMessages(frame.m, true);
      events(frame.ev);
    } else if (frame.t === "ack") onAck(frame);
    else if (frame.t === "error") onError(frame);
    else if (frame.t === "pending") addPending(frame.m);
    else if (frame.t === "decided") (frame.ids || []).forEach(dropPending);
    else if (frame.t === "done") show(note, ht("done", "Done."));
  }

  // A ping now and then keeps proxies (and WeChat's browser) from dropping a quiet connection.
  setInterval(function () {
    sendFrame({ t: "ping" });
  }, 25000);

  function connect() {
    if (stopped) return;
    show(status, attempt ? t("reconnecting", "The chat connection was lost. Reconnecting…") : t("connecting", "Connecting to the chat…"));
    greeted = false;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      retry();
      return;
    }
    socket.onmessage = onFrame;
    socket.onclose = function (event) {
      socket = null;
      if (awaiting) {
        settle();
        show(errorLine, t("not-sent", "Your message could not be sent. Please try again."));
      }
      if (event.code === 4003) {
        stopped = true;
        show(status, "");
        if (input) input.disabled = true;
        if (send) send.disabled = true;
        return;
      }
      retry();
    };
  }

  function retry() {
    if (stopped) return;
    var delay = Math.min(15000, 1000 * Math.pow(2, attempt));
    attempt += 1;
    show(status, t("reconnecting", "The chat connection was lost. Reconnecting…"));
    setTimeout(connect, delay);
  }

  /* --- start ---------------------------------------------------------------------------------- */

  // What the page was drawn with counts as seen until the socket's history replaces it.
  var drawn = list.querySelectorAll(".chat-msg");
  for (var i = 0; i < drawn.length; i++) seen[drawn[i].getAttribute("data-id")] = drawn[i];
  toBottom();
  if (more) more.addEventListener("click", toBottom);
  list.addEventListener("scroll", function () {
    if (atBottom() && more) more.hidden = true;
  });
  if (form) form.addEventListener("submit", onSubmit);
  if (likeButton) likeButton.addEventListener("click", onLike);
  window.RongmeiLive.chat = {
    send: sendFrame,
    greeted: function () {
      return greeted;
    },
  };
  if ("WebSocket" in window) connect();
})();
