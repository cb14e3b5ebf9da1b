// The chat room page (/huati/chat/<id>/): polls the room's messages every few seconds
// (GET <api>?after=<last id>), takes away those removed or hidden by moderators, and sends with
// the API so the page stays put. Without JavaScript the page's plain forms do the same.
(function () {
  "use strict";
  var root = document.getElementById("chat-room");
  if (!root || root.dataset.readable !== "1") return;
  var api = root.dataset.api;
  var list = document.getElementById("chat-messages");
  var form = document.getElementById("chat-send");
  var EVERY = 3000;
  var last = 0;
  list.querySelectorAll("[data-id]").forEach(function (li) { last = Math.max(last, Number(li.dataset.id)); });

  function item(m) {
    var li = document.createElement("li");
    li.className = "comment-item" + (m.status === "approved" ? "" : " comment-pending");
    li.id = "message-" + m.id;
    li.dataset.id = m.id;
    var meta = document.createElement("p");
    meta.className = "meta";
    var who = document.createElement("strong");
    who.textContent = m.author;
    meta.appendChild(who);
    var when = document.createElement("time");
    when.dateTime = m.created_at;
    when.textContent = " · " + new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.appendChild(when);
    if (m.status !== "approved") {
      var badge = document.createElement("span");
      badge.className = "badge state-" + m.status;
      badge.textContent = " " + root.dataset.i18nPending;
      meta.appendChild(badge);
    }
    var text = document.createElement("p");
    text.className = "comment-text";
    text.textContent = m.text; // text, never HTML
    li.appendChild(meta);
    li.appendChild(text);
    return li;
  }

  function add(messages) {
    var empty = document.getElementById("chat-empty");
    messages.forEach(function (m) {
      if (document.getElementById("message-" + m.id)) return;
      if (empty) { empty.remove(); empty = null; }
      list.appendChild(item(m));
      last = Math.max(last, m.id);
    });
  }

  function poll() {
    fetch(api + "?after=" + last, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
        add(data.items);
        (data.gone || []).forEach(function (id) {
          var li = document.getElementById("message-" + id);
          if (li) li.remove();
        });
        if (atBottom && data.items.length) list.lastElementChild.scrollIntoView({ block: "end" });
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, EVERY); });
  }
  setTimeout(poll, EVERY);

  if (!form) return;
  var box = form.querySelector("textarea");
  var error = form.querySelector(".chat-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    error.hidden = true;
    fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify({ text: box.value }),
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          error.textContent = res.body.detail || root.dataset.i18nFailed;
          error.hidden = false; // what was typed stays in the box
          return;
        }
        box.value = "";
        add([res.body]);
        if (res.body.status !== "approved") { error.textContent = root.dataset.i18nHeld; error.hidden = false; }
      })
      .catch(function () { error.textContent = root.dataset.i18nFailed; error.hidden = false; });
  });
})();
