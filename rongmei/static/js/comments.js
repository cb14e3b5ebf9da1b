/* Readers' comments under an article: fills <section id="comments" data-article="ID">.
 *
 * The article page is a static file, the same for every reader, so everything here comes from
 * the public API: GET /api/v1/public/articles/ID/comments (count, published comments, and the
 * reader's own ones awaiting review), GET /api/v1/public/me (200: logged in, 401: not) and
 * POST …/comments {text, reply_to}; on every published comment and reply a like toggle (POST
 * /api/v1/public/likes) and a report form (POST /api/v1/public/reports, once per reader, 409
 * after that). Words people read come from the section's data-i18n-*
 * attributes (translated by the server) or from the API's JSON; the English below is only a
 * fallback. User text is only ever set with textContent.
 */
(function () {
  "use strict";

  var section = document.getElementById("comments");
  if (!section || !section.getAttribute("data-article") || !window.fetch) return;

  var BODY_MAX = 500;
  var NOTE_MAX = 200;
  var REPORT_CATEGORIES = [
    ["spam", "Advertising or spam"],
    ["abuse", "Insults or harassment"],
    ["vulgar", "Pornographic or vulgar"],
    ["illegal", "Illegal content"],
    ["rumor", "False information"],
    ["other", "Something else"],
  ];
  var api = "/api/v1/public/articles/" + encodeURIComponent(section.getAttribute("data-article")) + "/comments";
  // fan: null while GET /public/me has not answered, then true (logged in) or false.
  var state = { cursor: null, replyTo: null, loading: false, count: 0, fan: null };
  var threads = {}; // top-level comment id → its <ol> of replies
  var rows = []; // every published comment on the page: {c, isReply, item, bar, …}, see fillActions

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
    if (c.status === "approved") {
      var row = { c: c, isReply: isReply, item: item, bar: el("div", "comment-actions form-actions") };
      item.appendChild(row.bar);
      rows.push(row);
      fillActions(row);
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

  function loginUrl() {
    return "/me/login/?next=" + encodeURIComponent(location.pathname + location.search + "#comments");
  }

  function loginLink(text) {
    var link = el("a", "btn comment-login", text || t("login", "Log in to comment"));
    link.href = loginUrl();
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

  // --- likes and reports -------------------------------------------------------------------------
  // Each published comment and reply has a row of actions: the like toggle (♥ and the count; for
  // a reader who is not logged in, a link to the login page), Reply (top-level comments) and
  // Report (logged-in readers, on others' comments). Until GET /public/me has answered, a tap on
  // the like button is remembered and carried out once it is known who reads (the row is built
  // again then); section[data-reader] says "fan" or "anonymous" from that moment.

  function knowReader(loggedIn) {
    state.fan = loggedIn;
    rows.forEach(fillActions);
    section.setAttribute("data-reader", loggedIn ? "fan" : "anonymous");
    rows.forEach(function (row) {
      if (!row.pendingLike) return;
      row.pendingLike = false;
      if (loggedIn) toggleLike(row);
      else window.location.assign(loginUrl());
    });
  }

  function fillActions(row) {
    var c = row.c;
    row.bar.textContent = "";
    row.bar.appendChild(likeControl(row));
    if (!row.isReply) {
      var reply = el("button", "link comment-reply", t("reply", "Reply"));
      reply.type = "button";
      reply.addEventListener("click", function () {
        startReply(c);
      });
      row.bar.appendChild(reply);
    }
    if (state.fan === true && !c.mine) {
      if (row.reported) {
        row.bar.appendChild(reportedMark());
      } else {
        row.reportButton = el("button", "link comment-report", t("report", "Report"));
        row.reportButton.type = "button";
        row.reportButton.setAttribute("aria-expanded", "false");
        row.reportButton.addEventListener("click", function () {
          toggleReport(row);
        });
        row.bar.appendChild(row.reportButton);
      }
    }
  }

  function likeLabel(row, loggedIn) {
    return fill(loggedIn ? t("like-count", "Like ({n})") : t("like-login", "Log in to like ({n})"), { n: row.c.likes || 0 });
  }

  function likeContent(node, n) {
    node.textContent = "";
    node.appendChild(el("span", "fan-label")); // the heart: ♡, or ♥ when pressed (app.css)
    node.appendChild(el("span", "fan-count", String(n || 0)));
  }

  function likeControl(row) {
    var c = row.c;
    if (state.fan === false) {
      var link = el("a", "btn btn-sm fan-like comment-like");
      link.href = loginUrl();
      likeContent(link, c.likes);
      link.setAttribute("aria-label", likeLabel(row, false));
      return link;
    }
    var button = el("button", "btn-sm fan-like comment-like");
    button.type = "button";
    row.likeButton = button;
    showLike(row);
    button.addEventListener("click", function () {
      toggleLike(row);
    });
    return button;
  }

  function showLike(row) {
    likeContent(row.likeButton, row.c.likes);
    row.likeButton.setAttribute("aria-pressed", row.c.liked ? "true" : "false");
    row.likeButton.setAttribute("aria-label", likeLabel(row, true));
  }

  // The tap shows at once; the server's answer then sets the count (others like too), and any
  // failure puts back what was there. A second tap while the first is on its way is ignored.
  function toggleLike(row) {
    var button = row.likeButton;
    if (state.fan === null) {
      row.pendingLike = true; // a second tap meanwhile is ignored, as while a like is on its way
      return;
    }
    if (state.fan !== true || row.liking) return;
    var before = { liked: !!row.c.liked, likes: row.c.likes || 0 };
    row.liking = true;
    button.setAttribute("aria-busy", "true");
    rowMessage(row, "");
    row.c.liked = !before.liked;
    row.c.likes = Math.max(0, before.likes + (before.liked ? -1 : 1));
    showLike(row);
    call("POST", "/api/v1/public/likes", { kind: "comment", id: row.c.id })
      .then(function (result) {
        if (result.ok) {
          row.c.liked = !!result.data.liked;
          if (typeof result.data.likes === "number") row.c.likes = result.data.likes;
          return;
        }
        row.c.liked = before.liked;
        row.c.likes = before.likes;
        rowMessage(row, result.data.detail || t("failed", "The request did not succeed. Please try again."), "error", result.status === 401);
      })
      .catch(function () {
        row.c.liked = before.liked;
        row.c.likes = before.likes;
        rowMessage(row, t("offline", "The network connection was lost. Check it and try again."), "error");
      })
      .then(function () {
        row.liking = false;
        if (row.likeButton === button) {
          button.removeAttribute("aria-busy");
          showLike(row);
        }
      });
  }

  // One line under the comment for what its actions have to say: errors (role=alert, with a
  // login link after a 401) and notices.
  function rowMessage(row, text, kind, withLogin) {
    if (!text) {
      if (row.message) row.message.hidden = true;
      return;
    }
    if (!row.message) {
      row.message = el("p", "comment-action-msg");
      row.item.insertBefore(row.message, row.bar.nextSibling);
    }
    row.message.className = "comment-action-msg " + (kind === "error" ? "fan-msg" : "meta");
    row.message.setAttribute("role", kind === "error" ? "alert" : "status");
    row.message.textContent = text;
    if (withLogin) {
      row.message.appendChild(document.createTextNode(" "));
      row.message.appendChild(loginLink(t("login-short", "Log in")));
    }
    row.message.hidden = false;
  }

  function reportedMark() {
    var mark = el("span", "meta comment-reported", t("reported", "Reported"));
    mark.tabIndex = -1; // focus lands here when the form it replaces goes away
    return mark;
  }

  function toggleReport(row) {
    if (!row.reportForm) buildReportForm(row);
    var open = row.reportForm.hidden;
    row.reportForm.hidden = !open;
    row.reportButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) row.reportCategory.focus();
  }

  function buildReportForm(row) {
    var id = "comment-report-" + row.c.id;
    var form = el("form", "form comment-report-form");
    form.id = id;
    form.noValidate = true;
    form.hidden = true;
    form.setAttribute("aria-label", t("report", "Report"));
    row.reportButton.setAttribute("aria-controls", id);

    var field = el("div", "field");
    var label = el("label", "", t("report-why", "Why?"));
    label.setAttribute("for", id + "-category");
    var select = el("select");
    select.id = id + "-category";
    select.name = "category";
    select.appendChild(new Option(t("report-choose", "Choose a reason"), ""));
    REPORT_CATEGORIES.forEach(function (pair) {
      select.appendChild(new Option(t("report-" + pair[0], pair[1]), pair[0]));
    });
    field.appendChild(label);
    field.appendChild(select);

    var noteField = el("div", "field");
    var noteLabel = el("label", "", t("report-note", "Details (optional)"));
    noteLabel.setAttribute("for", id + "-note");
    var note = el("input");
    note.type = "text";
    note.id = id + "-note";
    note.name = "note";
    note.maxLength = NOTE_MAX;
    note.autocomplete = "off";
    noteField.appendChild(noteLabel);
    noteField.appendChild(note);

    var buttons = el("div", "form-actions");
    var send = el("button", "btn btn-sm btn-danger comment-report-send", t("report-send", "Send the report"));
    send.type = "submit";
    var cancel = el("button", "btn btn-sm", t("cancel", "Cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", function () {
      toggleReport(row);
      row.reportButton.focus();
    });
    buttons.appendChild(send);
    buttons.appendChild(cancel);

    var error = el("p", "msg error comment-report-error");
    error.setAttribute("role", "alert");
    error.hidden = true;

    [field, noteField, buttons, error].forEach(function (node) {
      form.appendChild(node);
    });
    select.addEventListener("change", function () {
      if (select.value) error.hidden = true;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      sendReport(row);
    });
    row.reportForm = form;
    row.reportCategory = select;
    row.reportNote = note;
    row.reportSend = send;
    row.reportError = error;
    row.item.insertBefore(form, row.bar.nextSibling);
  }

  function reportError(row, text, withLogin) {
    row.reportError.textContent = text;
    if (withLogin) {
      row.reportError.appendChild(document.createTextNode(" "));
      row.reportError.appendChild(loginLink(t("login-short", "Log in")));
    }
    row.reportError.hidden = false;
  }

  // Reported (now or before): the form goes, "Reported" takes the link's place.
  function reported(row, notice) {
    row.reported = true;
    if (row.reportForm) row.reportForm.remove();
    row.reportForm = null;
    var mark = reportedMark();
    if (row.reportButton && row.reportButton.parentNode) row.reportButton.replaceWith(mark);
    row.reportButton = null;
    rowMessage(row, notice, "info");
    mark.focus();
  }

  function sendReport(row) {
    if (row.reportSend.disabled) return;
    row.reportError.hidden = true;
    var category = row.reportCategory.value;
    if (!category) {
      reportError(row, t("report-required", "Choose why you report it."));
      row.reportCategory.focus();
      return;
    }
    row.reportSend.disabled = true;
    row.reportSend.textContent = t("sending", "Sending…");
    call("POST", "/api/v1/public/reports", { kind: "comment", id: row.c.id, category: category, note: row.reportNote.value })
      .then(function (result) {
        if (result.status === 201) {
          reported(
            row,
            result.data.hidden
              ? t("report-hidden", "Thank you. The comment is hidden until a moderator looks at it.")
              : t("report-thanks", "Thank you, a moderator will look at it.")
          );
        } else if (result.status === 409) {
          reported(row, result.data.detail || t("report-thanks", "Thank you, a moderator will look at it."));
        } else {
          // Anything else keeps the form as it was, with what was typed.
          reportError(row, result.data.detail || t("failed", "The request did not succeed. Please try again."), result.status === 401);
        }
      })
      .catch(function () {
        reportError(row, t("offline", "The network connection was lost. Check it and try again."));
      })
      .then(function () {
        if (!row.reportForm) return;
        row.reportSend.disabled = false;
        row.reportSend.textContent = t("report-send", "Send the report");
      });
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
          knowReader(true);
        } else if (result.status !== 401 && triesLeft > 0) {
          setTimeout(function () {
            whoAmI(triesLeft - 1);
          }, 600);
        } else {
          compose.appendChild(loginLink());
          knowReader(false);
        }
      })
      .catch(function () {
        if (triesLeft > 0) {
          setTimeout(function () {
            whoAmI(triesLeft - 1);
          }, 600);
        } else {
          compose.appendChild(loginLink());
          knowReader(false);
        }
      });
  }
  whoAmI(2);
  load(1);
})();
