/* The story editor: a small rich-text editor over a plain textarea (the form works without
 * this script), live character count, autosave with a localStorage backup, the edit-lock
 * heartbeat and release, keyword suggestions; and, on the story page, turning a selected
 * passage into an anchored comment. Strings come translated from data-msg-* attributes. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var AUTOSAVE_MS = 10000;
  var HEARTBEAT_MS = 30000;
  var FIELDS = ["headline", "subtitle", "intro", "body", "source", "keywords"];
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
  var LATIN = /[A-Za-z0-9]+(?:[.'-][A-Za-z0-9]+)*/g;

  function fmt(msg, values) {
    return (msg || "").replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }

  function csrfToken(form) {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function countChars(text) {
    return (text.match(CJK) || []).length + (text.match(LATIN) || []).length;
  }

  function post(url, form, data) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken(form));
    Object.keys(data || {}).forEach(function (k) { body.append(k, data[k]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, error: String(r.status) }; });
    });
  }

  function setupEditor(form) {
    var textarea = form.querySelector("textarea[name=body]");
    var editor = document.getElementById("rich-editor");
    var toolbar = form.querySelector(".editor-toolbar");
    var status = document.getElementById("autosave-status");
    var wordCount = document.getElementById("word-count");
    var storageKey = "rongmei:story:" + form.dataset.story;
    var perMinute = parseInt(form.dataset.charsPerMinute, 10) || 400;
    var dirty = false;
    var submitting = false;
    var saving = false;

    if (editor && textarea) {
      editor.hidden = false;
      if (toolbar) { toolbar.hidden = false; }
      textarea.setAttribute("aria-hidden", "true");
      // Enter makes a <p>, not Chromium's default <div> (which the server's sanitizer drops,
      // merging the paragraphs).
      try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old browsers */ }
      if (!editor.textContent.trim() && !editor.querySelector("img")) { editor.innerHTML = "<p><br></p>"; }
    }

    function field(name) { return form.elements.namedItem(name); }

    function sync() { if (editor && textarea) { textarea.value = editor.innerHTML; } }

    function values() {
      sync();
      var out = {};
      FIELDS.forEach(function (name) { var el = field(name); if (el) { out[name] = el.value; } });
      return out;
    }

    function updateCount() {
      if (!wordCount) { return; }
      var intro = field("intro") ? field("intro").value : "";
      var bodyText = editor ? editor.innerText : (textarea ? textarea.value.replace(/<[^>]+>/g, "") : "");
      var n = countChars(intro + "\n" + bodyText);
      wordCount.textContent = fmt(form.dataset.msgWords, { n: n, m: n ? Math.max(1, Math.ceil(n / perMinute)) : 0 });
    }

    function backup() {
      try {
        var data = values();
        data.savedAt = Date.now();
        window.localStorage.setItem(storageKey, JSON.stringify(data));
      } catch (e) { /* storage full or disabled: the server copy is still there */ }
    }

    function changed() {
      dirty = true;
      updateCount();
      backup();
    }

    function offerRestore() {
      var raw;
      try { raw = window.localStorage.getItem(storageKey); } catch (e) { return; }
      if (!raw) { return; }
      var saved;
      try { saved = JSON.parse(raw); } catch (e) { return; }
      var serverTime = parseInt(form.dataset.updated, 10) * 1000 || 0;
      var current = values();
      var differs = FIELDS.some(function (k) { return saved[k] !== undefined && saved[k] !== current[k]; });
      if (!differs || saved.savedAt <= serverTime) { return; }
      if (window.confirm(form.dataset.msgRestore)) {
        FIELDS.forEach(function (k) { var el = field(k); if (el && saved[k] !== undefined) { el.value = saved[k]; } });
        if (editor && saved.body !== undefined) { editor.innerHTML = saved.body; }
        changed();
      }
    }

    function autosave() {
      if (!dirty || saving || submitting) { return; }
      saving = true;
      dirty = false;
      post(form.dataset.autosaveUrl, form, values()).then(function (data) {
        saving = false;
        if (data.ok) {
          status.textContent = fmt(form.dataset.msgSaved, { t: data.time });
          status.classList.remove("field-error");
          try { window.localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
        } else {
          dirty = true;
          status.textContent = fmt(form.dataset.msgFailed, { e: data.error || "" });
          status.classList.add("field-error");
        }
      }).catch(function () {
        saving = false;
        dirty = true;
        status.textContent = fmt(form.dataset.msgFailed, { e: "offline" });
        status.classList.add("field-error");
      });
    }

    function heartbeat() {
      if (dirty || saving || submitting) { return; }
      post(form.dataset.autosaveUrl, form, {}).then(function (data) {
        if (!data.ok) {
          status.textContent = data.error || "";
          status.classList.add("field-error");
        }
      }).catch(function () { /* next beat */ });
    }

    if (toolbar && editor) {
      toolbar.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-cmd]");
        if (!button) { return; }
        event.preventDefault();
        editor.focus();
        var cmd = button.dataset.cmd;
        var arg = button.dataset.arg || null;
        if (cmd === "createLink") {
          arg = window.prompt(form.dataset.msgLink, "https://");
          if (!arg) { return; }
        }
        if (cmd === "formatBlock" && arg) { arg = "<" + arg + ">"; }
        document.execCommand(cmd, false, arg);
        sync();
        changed();
      });
      editor.addEventListener("input", function () { sync(); changed(); });
    }
    form.addEventListener("input", function (event) { if (event.target !== editor) { changed(); } });
    form.addEventListener("focusout", function () { window.setTimeout(autosave, 0); });
    form.addEventListener("submit", function () { sync(); submitting = true; backup(); });

    var suggest = document.getElementById("suggest-keywords");
    if (suggest && form.dataset.keywordsUrl) {
      suggest.addEventListener("click", function () {
        var v = values();
        post(form.dataset.keywordsUrl, form, { headline: v.headline, intro: v.intro, body: v.body }).then(function (data) {
          if (!data.ok) { return; }
          var input = field("keywords");
          var have = input.value.split(/[,，、]/).map(function (s) { return s.trim(); }).filter(Boolean);
          data.keywords.forEach(function (k) { if (have.indexOf(k) < 0) { have.push(k); } });
          input.value = have.slice(0, 10).join(", ");
          changed();
        });
      });
    }

    window.addEventListener("pagehide", function () {
      if (submitting || !form.dataset.releaseUrl || !navigator.sendBeacon) { return; }
      if (dirty) { backup(); }
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrfToken(form));
      navigator.sendBeacon(form.dataset.releaseUrl, data);
    });

    offerRestore();
    updateCount();
    window.setInterval(autosave, AUTOSAVE_MS);
    window.setInterval(heartbeat, HEARTBEAT_MS);
  }

  /* On the story page: a selection inside the proof text fills the comment form's quote and
   * offsets (in the plain text the server computes; each paragraph carries its offset). */
  function setupAnchors(proof) {
    var form = document.getElementById(proof.dataset.anchorTarget || "comment-form");
    if (!form) { return; }
    proof.addEventListener("mouseup", function () {
      var sel = window.getSelection();
      if (!sel || sel.isCollapsed || !sel.rangeCount) { return; }
      var range = sel.getRangeAt(0);
      if (!proof.contains(range.commonAncestorContainer)) { return; }
      var quote = sel.toString().trim();
      if (!quote) { return; }
      var node = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
      var para = node.closest("p[data-offset]");
      var start = null;
      if (para) {
        var before = document.createRange();
        before.setStart(para, 0);
        before.setEnd(range.startContainer, range.startOffset);
        start = parseInt(para.dataset.offset, 10) + before.toString().length;
        var raw = sel.toString();
        start += raw.length - raw.replace(/^\s+/, "").length;
      }
      form.elements.namedItem("quote").value = quote.slice(0, 300);
      form.elements.namedItem("start").value = start === null ? "" : start;
      form.elements.namedItem("end").value = start === null ? "" : start + quote.length;
      var text = form.elements.namedItem("text");
      if (text) { text.focus(); }
    });
  }

  function init() {
    var form = document.getElementById("story-form");
    if (form) { setupEditor(form); }
    var proof = document.getElementById("proof");
    if (proof) { setupAnchors(proof); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
