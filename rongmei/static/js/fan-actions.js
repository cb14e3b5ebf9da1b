/* The reader's own part of the public article and column pages, which are static files, the same
 * for every reader: like (点赞) with its count, keep (收藏), follow the column (关注栏目), and the
 * unread-messages badge on the "Me" link.
 *
 * Hooks (rendered by the templates, nothing in them depends on the reader):
 *   footer#article-actions[data-article]  article page; its a.js-keep link becomes a toggle button
 *   #column-actions[data-column]          column page; its link becomes a toggle button
 * Both carry data-login (the login page), data-profile (the "Me" page) and data-i18n-* strings
 * (translated by the catalogue); error messages come from the API, in the reader's language.
 * Without JavaScript, or when the state cannot be loaded, the plain links lead to /me/… pages that
 * do the same with forms. Writes send the CSRF token that the state call hands over.
 */
(function () {
  "use strict";

  var API = "/api/v1/public";
  var csrfToken = "";

  function t(el, name, fallback) {
    var value = el.getAttribute("data-i18n-" + name);
    return value === null || value === "" ? fallback : value;
  }

  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : match;
    });
  }

  function goToLogin(hook) {
    var base = hook.getAttribute("data-login") || "/me/login/";
    window.location.assign(base + "?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  }

  /* One API call; resolves to {ok, status, body} (body null when it was not JSON). */
  function call(method, path) {
    var init = { method: method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    if (method !== "GET") init.headers["X-CSRFToken"] = window.RongmeiPublic.csrfToken(csrfToken);
    return fetch(API + path, init).then(function (response) {
      return response.json().then(
        function (body) { return { ok: response.ok, status: response.status, body: body }; },
        function () { return { ok: response.ok, status: response.status, body: null }; }
      );
    });
  }

  function formatCount(n) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact" }).format(n);
    } catch (e) {
      return String(n);
    }
  }

  /* The message line of a hook: role=alert, so a screen reader hears the error at once. */
  function messageLine(hook) {
    var line = document.createElement("span");
    line.className = "fan-msg";
    line.setAttribute("role", "alert");
    line.hidden = true;
    hook.appendChild(line);
    return {
      show: function (text) { line.textContent = text; line.hidden = false; },
      clear: function () { line.textContent = ""; line.hidden = true; }
    };
  }

  function toggleButton(className, label, pressed) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.setAttribute("aria-pressed", pressed ? "true" : "false");
    var text = document.createElement("span");
    text.className = "fan-label";
    text.textContent = label;
    button.appendChild(text);
    return button;
  }

  /* Wire a toggle: anonymous readers go to the login page; otherwise PUT (on) or DELETE (off)
   * ``path()``, and only a success changes what the button shows (an error keeps the state). */
  function wire(hook, button, options) {
    button.addEventListener("click", function () {
      if (!options.loggedIn()) {
        goToLogin(hook);
        return;
      }
      if (button.getAttribute("aria-busy") === "true") return;
      var on = button.getAttribute("aria-pressed") === "true";
      button.setAttribute("aria-busy", "true");
      call(on ? "DELETE" : "PUT", options.path())
        .then(
          function (result) {
            if (result.ok) {
              options.message.clear();
              button.setAttribute("aria-pressed", on ? "false" : "true");
              if (options.done) options.done(!on, result.body);
            } else if (result.status === 401) {
              goToLogin(hook); // logged out meanwhile (elsewhere, or the session expired)
            } else {
              options.message.show((result.body && result.body.detail) || t(hook, "failed", "The request did not succeed."));
            }
          },
          function () {
            options.message.show(t(hook, "offline", t(hook, "failed", "The request did not succeed.")));
          }
        )
        .then(function () {
          button.removeAttribute("aria-busy");
        });
    });
  }

  function showUnread(hook, count) {
    var profile = hook.getAttribute("data-profile") || "/me/";
    var link = document.querySelector('.mainnav a[href="' + profile + '"]');
    if (!link) return;
    var badge = link.querySelector(".fan-unread");
    if (!count) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge fan-unread";
      link.appendChild(badge);
    }
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.title = fill(t(hook, "unread", "%(n)s unread"), { n: count });
    badge.setAttribute("aria-label", badge.title);
  }

  function initArticle(hook) {
    var id = hook.getAttribute("data-article") || "";
    if (!/^\d+$/.test(id)) return;
    call("GET", "/articles/" + id + "/state").then(
      function (result) {
        if (!result.ok || !result.body) return; // the plain links keep working
        var state = result.body;
        csrfToken = state.csrf_token || "";
        var message = messageLine(hook);
        var loggedIn = function () { return state.logged_in; };
        var anchor = hook.querySelector(".counters") || hook.querySelector(".fan-msg");

        // Like, with its count.
        var like = toggleButton("fan-like btn-sm", t(hook, "like", "Like"), state.liked);
        like.setAttribute("data-testid", "like");
        var count = document.createElement("span");
        count.className = "fan-count";
        like.appendChild(count);
        var showLikes = function (n) {
          count.textContent = formatCount(n);
          like.setAttribute("aria-label", fill(t(hook, "like-count", "Like (%(n)s)"), { n: n }));
        };
        showLikes(state.likes);
        wire(hook, like, {
          loggedIn: loggedIn,
          message: message,
          path: function () { return "/me/likes/" + id; },
          done: function (on, body) { showLikes(body && typeof body.likes === "number" ? body.likes : state.likes + (on ? 1 : -1)); }
        });
        hook.insertBefore(like, anchor);

        // Keep: the link to the confirm page becomes a toggle that stays on the page.
        var link = hook.querySelector("a.js-keep");
        if (link) {
          var keep = toggleButton("link fan-keep js-keep", link.textContent.trim() || t(hook, "keep", "Keep"), state.kept);
          keep.setAttribute("data-testid", link.getAttribute("data-testid") || "keep");
          wire(hook, keep, { loggedIn: loggedIn, message: message, path: function () { return "/me/favorites/" + id; } });
          link.replaceWith(keep);
        }

        // Follow each column that carries the article (usually one).
        (state.columns || []).forEach(function (column) {
          var follow = toggleButton("fan-follow btn-sm", fill(t(hook, "follow", "Follow %(column)s"), { column: column.name }), column.following);
          follow.setAttribute("data-column", column.slug);
          wire(hook, follow, {
            loggedIn: loggedIn,
            message: message,
            path: function () { return "/me/follows/" + encodeURIComponent(column.slug); }
          });
          hook.insertBefore(follow, anchor);
        });

        if (state.logged_in) showUnread(hook, state.unread_notifications);
      },
      function () { /* offline: the plain links keep working */ }
    );
  }

  function initColumn(hook) {
    var slug = hook.getAttribute("data-column") || "";
    if (!/^[-\w]+$/.test(slug)) return;
    call("GET", "/columns/" + encodeURIComponent(slug) + "/state").then(
      function (result) {
        if (!result.ok || !result.body) return;
        var state = result.body;
        csrfToken = state.csrf_token || "";
        var follow = toggleButton("fan-follow btn-sm", t(hook, "follow", "Follow"), state.following);
        follow.setAttribute("data-column", slug);
        hook.textContent = "";
        hook.appendChild(follow);
        var message = messageLine(hook);
        wire(hook, follow, {
          loggedIn: function () { return state.logged_in; },
          message: message,
          path: function () { return "/me/follows/" + encodeURIComponent(slug); }
        });
        if (state.logged_in) showUnread(hook, state.unread_notifications);
      },
      function () {}
    );
  }

  function start() {
    var article = document.getElementById("article-actions");
    if (article) initArticle(article);
    var column = document.getElementById("column-actions");
    if (column) initColumn(column);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
