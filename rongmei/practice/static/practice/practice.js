/* 新时代文明实践 phone pages: the phone's location sent with an activity check-in, and scanning a
   resident's QR code with the camera where the browser can (BarcodeDetector). Without JavaScript
   the forms still work: the check-in then says the location is missing, the code can be typed. */
(function () {
  "use strict";

  function withLocation(form) {
    var lat = form.querySelector('[name="latitude"]');
    var lng = form.querySelector('[name="longitude"]');
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending || !navigator.geolocation || lat.value) return;
      event.preventDefault();
      sending = true;
      var go = function () { form.submit(); };
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude;
        lng.value = pos.coords.longitude;
        go();
      }, go, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function tokenOf(text) {
    // The resident's code is the request page's address with ?token=…; accept the bare token too.
    try {
      var url = new URL(text);
      return url.searchParams.get("token") || text;
    } catch (e) {
      return text;
    }
  }

  function camera(button) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    var input = document.getElementById(button.getAttribute("data-practice-camera"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      var video = document.createElement("video");
      video.setAttribute("playsinline", "");
      video.style.width = "100%";
      button.parentNode.insertBefore(video, button);
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.play();
        var stop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          video.remove();
        };
        var look = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              input.value = tokenOf(codes[0].rawValue);
              stop();
              input.form.submit();
            } else {
              window.setTimeout(look, 300);
            }
          }).catch(function () { window.setTimeout(look, 500); });
        };
        look();
      }).catch(function () { video.remove(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-practice-geo]").forEach(withLocation);
    document.querySelectorAll("[data-practice-camera]").forEach(camera);
  });
})();
