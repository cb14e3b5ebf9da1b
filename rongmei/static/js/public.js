/* The public site: register the service worker (installable app, offline reading), and what the
 * page scripts share (RongmeiPublic). */
window.RongmeiPublic = {
  /* The CSRF token for a reader's writes: the csrftoken cookie as it is now. Two first requests of
   * a page (one script's and another's) can each be handed a token while only the last cookie set
   * stays; the cookie always matches. ``handed`` is used when there is no cookie yet. */
  csrfToken: function (handed) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : handed || "";
  },
};

(function () {
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }); });
  }
})();
