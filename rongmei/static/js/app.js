/* Rongmei — shared page behaviour. No framework; htmx (served by us) does partial updates.
 *
 *   Rongmei.toast(text, {url, linkText, kind: "info"|"success"|"error", timeout})  show a toast
 *   Live notifications: when <body data-user="…"> is set, a WebSocket to /ws/notifications/
 *   (on data-ws-url if given, else this host) shows each pushed notification as a toast and
 *   bumps #notify-count; it reconnects with backoff.
 *   [data-copy="#id"] buttons copy that element's text; form[data-confirm="…"] asks before submit;
 *   select[data-autosubmit] sends its form when changed; [data-print] prints the page.
 *   Words people read come from the page, translated by the server: <body data-i18n-open …>
 *   (see templates/base.html); the English fallbacks below are used only when absent.
 */
(function () {
  "use strict";

  var body = document.body;
  function text(name, fallback) {
    return (body && body.getAttribute("data-i18n-" + name)) || fallback;
  }

  // --- toasts ------------------------------------------------------------------------------
  function toastBox() {
    var box = document.getElementById("toasts");
    if (!box) {
      box = document.createElement("div");
      box.id = "toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function dismiss(el) {
    if (!el.parentNode) return;
    el.classList.add("leaving");
    setTimeout(function () {
      if (el.parentNode) el.parentNode.removeChild(el);
    }, 260);
  }

  function toast(message, options) {
    options = options || {};
    var el = document.createElement("div");
    el.className = "toast toast-" + (options.kind || "info");
    el.setAttribute("role", options.kind === "error" ? "alert" : "status");
    var span = document.createElement("span");
    span.className = "toast-text";
    span.textContent = message; // never innerHTML: notification text is data
    if (options.url) {
      var link = document.createElement("a");
      link.href = options.url;
      link.textContent = options.linkText || text("open", "Open");
      span.appendChild(document.createTextNode(" "));
      span.appendChild(link);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", text("close", "Close"));
    close.textContent = "×";
    close.addEventListener("click", function () {
      dismiss(el);
    });
    el.appendChild(span);
    el.appendChild(close);
    var box = toastBox();
    box.appendChild(el);
    while (box.children.length > 5) box.removeChild(box.firstChild);
    var timeout = options.timeout === undefined ? 8000 : options.timeout;
    if (timeout > 0) {
      var timer = setTimeout(function () {
        dismiss(el);
      }, timeout);
      el.addEventListener("mouseenter", function () {
        clearTimeout(timer);
      });
    }
    return el;
  }

  // --- live notifications --------------------------------------------------------------------
  function bumpCount() {
    var badge = document.getElementById("notify-count");
    if (!badge) return;
    var n = parseInt(badge.textContent, 10) || 0;
    badge.textContent = String(n + 1);
    badge.hidden = false;
  }

  function socketUrl() {
    var base = body.getAttribute("data-ws-url");
    if (!base) base = (location.protocol === "https:" ? "wss" : "ws") + "://" + location.host;
    return base.replace(/\/+$/, "") + "/ws/notifications/";
  }

  function connectNotifications() {
    if (!body || !body.getAttribute("data-user") || !("WebSocket" in window)) return;
    var attempt = 0;
    var socket = null;
    var closedByPage = false;

    function open() {
      try {
        socket = new WebSocket(socketUrl());
      } catch (e) {
        retry();
        return;
      }
      socket.onopen = function () {
        attempt = 0;
      };
      socket.onmessage = function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (!data || !data.text) return;
        toast(data.text, { url: data.url || "", kind: "info" });
        bumpCount();
        document.dispatchEvent(new CustomEvent("rongmei:notification", { detail: data }));
      };
      socket.onclose = function (event) {
        // 4401/4403: the server refused us (logged out); retrying would not help.
        if (closedByPage || event.code === 4401 || event.code === 4403) return;
        retry();
      };
    }

    function retry() {
      // 1 s, 2 s, 4 s … up to a minute, with jitter so a restarted server is not stampeded.
      var delay = Math.min(60000, 1000 * Math.pow(2, attempt)) * (0.75 + Math.random() * 0.5);
      attempt = Math.min(attempt + 1, 10);
      setTimeout(open, delay);
    }

    window.addEventListener("pagehide", function () {
      closedByPage = true;
      if (socket) socket.close();
    });
    open();
  }

  // --- small helpers: copy, confirm ----------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var value = target.textContent.trim();
    var done = function () {
      toast(text("copied", "Copied"), { kind: "success", timeout: 2500 });
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, function () {
        selectText(target);
      });
    } else {
      selectText(target);
    }
  });

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // No inline handlers anywhere (the Content-Security-Policy forbids them): a select with
  // data-autosubmit sends its form when changed; a [data-print] button prints the page.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  // --- htmx ----------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      // Render the server's refusals (400/403/409/422 carry a Chinese message in a partial)
      // instead of silently dropping them.
      htmx.config.responseHandling = [
        { code: "204", swap: false },
        { code: "[23]..", swap: true },
        { code: "(400|403|409|422)", swap: true, error: false },
        { code: "[45]..", swap: false, error: true },
      ];
      htmx.config.includeIndicatorStyles = true;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    toast(text("request-failed", "The request did not succeed. Please try again.") + (status ? " (" + status + ")" : ""), { kind: "error" });
  });
  document.addEventListener("htmx:sendError", function () {
    toast(text("offline", "The network connection was lost. Check it and try again."), { kind: "error" });
  });

  window.Rongmei = { toast: toast };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connectNotifications);
  } else {
    connectNotifications();
  }
})();
