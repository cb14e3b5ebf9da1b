/* Readers' comments under an article: fills <section id="comments" data-article="ID">.
 *
 * The article page is a static file, the same for every reader, so everything here comes from
 * the public API: GET /api/v1/public/articles/ID/comments (count, published comments, and the
 * reader's own ones awaiting review), GET /api/v1/public/me (200: logged in, 401: not) and
 * POST …/comments {text, reply_to}. Words people read come from the section's data-i18n-*
 * attributes (translated by the server) or from the API's JSON; the English below is only a
 * fallback. User text is only ever set with textContent.
 */
(function () {
  "use strict";

  var section = document.getElementById("comments");
  if (!section || !section.getAttribute("data-article") || !window.fetch) return;

  var BODY_MAX = 500;
  var api = "/api/v1/public/articles/" + encodeURIComponent(section.getAttribute("data-article")) + "/comments";
  var state = { cursor: null, replyTo: null, loading: false, count: 0 };
  var threads = {}; // top-level comment id → its <ol> of replies

  function t(name, fallback) {
    return section.getAttribute("data-i18n-" + name) || document.body.getAttribute("data-i18n-" + name) || fallback;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function when(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // The fan's CSRF token, handed over by GET /api/v1/public/me; writes send it back.
  var csrfToken = "";

  function call(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") options.headers["X-CSRFToken"] = window.RongmeiPublic.csrfToken(csrfToken);
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { ok: response.ok, status: response.status, data: data || {} };
        });
    });
  }

  // --- the skeleton ------------------------------------------------------------------------------
  var heading = el("h2", "comments-title", t("title", "Comments"));
  var compose = el("div", "comment-compose");
  var notice = el("p", "comment-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  var list = el("ol", "comment-list-public");
  var empty = el("p", "empty", t("empty", "No comments yet."));
  empty.hidden = true;
  var more = el("button", "btn comment-more", t("more", "More comments"));
  more.type = "button";
  more.hidden = true;
  section.textContent = "";
  [heading, compose, notice, list, empty, more].forEach(function (node) {
    section.appendChild(node);
  });

  function showCount() {
    heading.textContent = fill(t("count", "Comments ({n})"), { n: state.count });
  }

  // --- one comment ---------------------------------------------------------------------------------
  var BADGES = { pending: ["pending", "Awaiting review"], rejected: ["rejected", "Not published"], removed: ["removed", "Removed"] };

  function renderComment(c, isReply) {
    var item = el("li", "comment-item comment-" + (c.status || "approved"));
    item.setAttribute("data-id", String(c.id));
    var meta = el("div", "comment-meta");
    meta.appendChild(el("strong", "comment-author", c.author));
    var time = el("time", "meta", when(c.created_at));
    time.setAttribute("datetime", c.created_at || "");
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    var badge = BADGES[c.status];
    if (badge) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", "badge state-" + c.status, t(badge[0], badge[1])));
    }
    item.appendChild(meta);
    item.appendChild(el("p", "comment-text", c.text));
    if (c.reason) item.appendChild(el("p", "comment-reason", fill(t("reason", "Reason: {reason}"), { reason: c.reason })));
    if (!isReply && c.status === "approved") {
      var reply = el("button", "link comment-reply", t("reply", "Reply"));
      reply.type = "button";
      reply.addEventListener("click", function () {
        startReply(c);
      });
      item.appendChild(reply);
    }
    if (!isReply) {
      var replies = el("ol", "comment-replies");
      (c.replies || []).forEach(function (r) {
        replies.appendChild(renderComment(r, true));
      });
      threads[c.id] = replies;
      item.appendChild(replies);
    }
    return item;
  }

  // --- loading -----------------------------------------------------------------------------------
  function load(triesLeft) {
    if (state.loading) return;
    state.loading = true;
    more.disabled = true;
    var url = api + "?limit=20" + (state.cursor ? "&cursor=" + encodeURIComponent(state.cursor) : "");
    call("GET", url)
      .then(function (result) {
        if (!result.ok) throw new Error(result.data.detail || "");
        state.count = result.data.count || 0;
        showCount();
        (result.data.items || []).forEach(function (c) {
          if (!list.querySelector('[data-id="' + c.id + '"]')) list.appendChild(renderComment(c, false));
        });
        state.cursor = result.data.next_cursor || null;
        more.hidden = !state.cursor;
        empty.hidden = list.children.length > 0;
      })
      .then(
        function () {
          state.loading = false;
          more.disabled = false;
        },
        function (error) {
          state.loading = false;
          more.disabled = false;
          if (triesLeft > 0) {
            setTimeout(function () {
              load(triesLeft - 1);
            }, 600);
            return;
          }
          say((error && error.message) || t("load-failed", "The comments could not be loaded."), "error");
        }
      );
  }
  more.addEventListener("click", function () {
    say("", "");
    load(0);
  });

  function say(text, kind) {
    notice.textContent = text;
    notice.className = "comment-notice msg " + (kind || "info");
    notice.hidden = !text;
  }

  // --- writing -----------------------------------------------------------------------------------
  var form, textarea, counter, submit, replying, replyingText, formError;

  function loginLink() {
    var link = el("a", "btn comment-login", t("login", "Log in to comment"));
    link.href = "/me/login/?next=" + encodeURIComponent(location.pathname + location.search + "#comments");
    return link;
  }

  function buildForm() {
    section.classList.add("is-fan");
    form = el("form", "form comment-form");
    form.noValidate = true;
    replying = el("p", "comment-replying meta");
    replying.hidden = true;
    replyingText = el("span");
    var cancel = el("button", "link", t("cancel", "Cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", stopReply);
    replying.appendChild(replyingText);
    replying.appendChild(document.createTextNode(" "));
    replying.appendChild(cancel);
    var label = el("label", "sr-only", t("label", "Your comment"));
    label.setAttribute("for", "comment-text");
    textarea = el("textarea");
    textarea.id = "comment-text";
    textarea.name = "text";
    textarea.rows = 3;
    textarea.placeholder = t("placeholder", "Write a comment");
    counter = el("span", "comment-counter meta", "0/" + BODY_MAX);
    submit = el("button", "btn btn-primary", t("submit", "Post"));
    submit.type = "submit";
    formError = el("p", "comment-error msg error");
    formError.setAttribute("role", "alert");
    formError.hidden = true;
    var row = el("div", "comment-form-row");
    row.appendChild(counter);
    row.appendChild(submit);
    [replying, label, textarea, row, formError].forEach(function (node) {
      form.appendChild(node);
    });
    textarea.addEventListener("input", countChars);
    form.addEventListener("submit", send);
    compose.textContent = "";
    compose.appendChild(form);
  }

  function countChars() {
    var n = Array.from(textarea.value.trim()).length;
    counter.textContent = n + "/" + BODY_MAX;
    counter.classList.toggle("over", n > BODY_MAX);
  }

  function startReply(c) {
    if (!form) return;
    state.replyTo = c.id;
    replyingText.textContent = fill(t("replying", "Replying to {name}"), { name: c.author });
    replying.hidden = false;
    form.scrollIntoView({ block: "center" });
    textarea.focus();
  }

  function stopReply() {
    state.replyTo = null;
    replying.hidden = true;
  }

  function showError(text, withLogin) {
    formError.textContent = text;
    if (withLogin) {
      formError.appendChild(document.createTextNode(" "));
      formError.appendChild(loginLink());
    }
    formError.hidden = false;
  }

  function send(event) {
    event.preventDefault();
    if (submit.disabled) return;
    formError.hidden = true;
    var payload = { text: textarea.value };
    if (state.replyTo) payload.reply_to = state.replyTo;
    submit.disabled = true;
    submit.textContent = t("sending", "Sending…");
    call("POST", api, payload)
      .then(function (result) {
        if (result.status === 201) {
          placeNew(result.data);
          textarea.value = ""; // only now: on any error the text stays where it was typed
          countChars();
          stopReply();
          say(
            result.data.status === "approved"
              ? t("sent", "Your comment is published.")
              : t("sent-pending", "Thank you! Your comment will be shown once it has been reviewed."),
            "success"
          );
          return;
        }
        showError(result.data.detail || t("error", "Your comment could not be sent. Please try again."), result.status === 401);
      })
      .catch(function () {
        showError(t("offline", "The network connection was lost. Check it and try again."), false);
      })
      .then(function () {
        submit.disabled = false;
        submit.textContent = t("submit", "Post");
      });
  }

  function placeNew(c) {
    if (c.status === "approved") {
      state.count += 1;
      showCount();
    }
    var parent = c.reply_to && threads[c.reply_to];
    if (parent) {
      parent.appendChild(renderComment(c, true));
    } else {
      list.insertBefore(renderComment(c, false), list.firstChild);
    }
    empty.hidden = true;
  }

  // --- start -------------------------------------------------------------------------------------
  // 401 means "not logged in"; anything else that is not a 200 (a busy server, a request that
  // crossed another one saving the same session) is asked again before giving up.
  function whoAmI(triesLeft) {
    call("GET", "/api/v1/public/me")
      .then(function (result) {
        if (result.ok) {
          csrfToken = result.data.csrf_token || "";
          buildForm();
        } else if (result.status !== 401 && triesLeft > 0) {
          setTimeout(function () {
            whoAmI(triesLeft - 1);
          }, 600);
        } else {
          compose.appendChild(loginLink());
        }
      })
      .catch(function () {
        if (triesLeft > 0) {
          setTimeout(function () {
            whoAmI(triesLeft - 1);
          }, 600);
        } else {
          compose.appendChild(loginLink());
        }
      });
  }
  whoAmI(2);
  load(1);
})();
