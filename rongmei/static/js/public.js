/* The public site: register the service worker (installable app, offline reading). */
(function () {
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () { navigator.serviceWorker.register("/sw.js", { scope: "/" }); });
  }
})();
