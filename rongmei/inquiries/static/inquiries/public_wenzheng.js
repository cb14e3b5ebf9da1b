/* 问政 public pages: a live character count under the title and the text of the question
 * ([data-wz-counter="field id"], data-min / data-max, data-i18n-count "{n} … {min} … {max}" from
 * the catalogue), marked when outside the bounds. Nothing is sent anywhere. */
(function () {
  "use strict";

  function counters() {
    document.querySelectorAll("[data-wz-counter]").forEach(function (wrap) {
      var field = document.getElementById(wrap.getAttribute("data-wz-counter"));
      var template = wrap.getAttribute("data-i18n-count");
      if (!field || !template) return;
      var min = parseInt(wrap.getAttribute("data-min") || "0", 10);
      var max = parseInt(wrap.getAttribute("data-max") || field.getAttribute("maxlength") || "0", 10);
      var out = document.createElement("p");
      out.className = "help wz-counter";
      out.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", out);
      function update() {
        var n = Array.from(field.value.trim()).length;
        out.textContent = template.replace("{n}", String(n)).replace("{min}", String(min)).replace("{max}", String(max || ""));
        out.classList.toggle("too-short", n > 0 && n < min);
        out.classList.toggle("too-long", max > 0 && n > max);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", counters);
  else counters();
})();
