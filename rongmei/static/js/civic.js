/* 政务服务 and letters to deputies (rongmei/civic):
 * - a service's materials checklist ([data-checklist="key"]) keeps its ticks on this phone
 *   (localStorage), so a reader can tick what is ready at home and see it again at the counter;
 * - a textarea's character count ([data-counter-for="id"] with data-i18n-count="{n} of {max} …"
 *   rendered from the catalogue). Nothing is sent anywhere. */
(function () {
  "use strict";

  function storage() {
    try {
      var probe = "__civic__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or storage disabled: the checklist still works, just forgets
    }
  }

  function checklists() {
    var store = storage();
    if (!store) return;
    document.querySelectorAll("[data-checklist]").forEach(function (list) {
      var key = "civic:checklist:" + list.getAttribute("data-checklist");
      var saved = {};
      try {
        saved = JSON.parse(store.getItem(key) || "{}") || {};
      } catch (e) {
        saved = {};
      }
      var boxes = list.querySelectorAll("input[type=checkbox]");
      boxes.forEach(function (box) {
        box.checked = !!saved[box.name];
        box.addEventListener("change", function () {
          var state = {};
          boxes.forEach(function (b) { if (b.checked) state[b.name] = 1; });
          if (Object.keys(state).length) store.setItem(key, JSON.stringify(state));
          else store.removeItem(key);
        });
      });
    });
  }

  function counters() {
    document.querySelectorAll("[data-counter-for]").forEach(function (wrap) {
      var field = document.getElementById(wrap.getAttribute("data-counter-for"));
      var template = wrap.getAttribute("data-i18n-count");
      if (!field || !template) return;
      var max = field.getAttribute("maxlength");
      var out = document.createElement("p");
      out.className = "help civic-counter";
      out.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", out);
      function update() {
        out.textContent = template.replace("{n}", String(field.value.length)).replace("{max}", max || "");
      }
      field.addEventListener("input", update);
      update();
    });
  }

  function start() {
    checklists();
    counters();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
