/* The command screen (/dashboard/screen/): polls the snapshot (data.json, an ETag makes an
 * unchanged one a 304) every data-refresh seconds and draws it with ECharts (served by us from
 * build/static/vendor, no CDN). KPI numbers are plain text (a changed one flashes); the charts
 * are SVG. When the server cannot be reached the last figures stay and the header says since
 * when they are old. Strings come from the template's data-i18n-* attributes. */
(function () {
  "use strict";

  var body = document.body;
  var charts = {};
  var lastGood = null;
  var lastFigures = null;

  function t(name, fallback) {
    var v = body.getAttribute("data-i18n-" + name);
    return v === null || v === "" ? fallback : v;
  }

  function fill(text, vars) {
    return text.replace(/%\((\w+)\)s/g, function (m, k) { return Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m; });
  }

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, obj);
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function time(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
  }

  var AXIS = { axisLabel: { color: "#8fb3d1", fontSize: 14 }, axisLine: { lineStyle: { color: "#1d4566" } }, splitLine: { lineStyle: { color: "#12304a" } } };
  var TEXT = { color: "#e6f1ff", fontSize: 14 };

  function chart(id) {
    if (!charts[id]) {
      charts[id] = window.echarts.init(document.getElementById(id), null, { renderer: "svg" });
    }
    return charts[id];
  }

  function drawNewsroom(n) {
    var groups = [
      { name: t("leads", "Leads"), rows: n.leads },
      { name: t("plans", "Plans"), rows: n.plans },
      { name: t("stories", "Stories"), rows: n.stories }
    ];
    var labels = [], values = [], colors = [];
    var palette = ["#35c2ff", "#f5b942", "#4cd28a"];
    groups.forEach(function (g, i) {
      g.rows.forEach(function (r) {
        labels.push(g.name + " · " + r.label);
        values.push({ value: r.count, itemStyle: { color: palette[i] } });
      });
    });
    chart("chart-newsroom").setOption({
      animationDuration: 600,
      grid: { left: 170, right: 40, top: 6, bottom: 6 },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: labels, inverse: true }, AXIS),
      series: [{ type: "bar", data: values, barMaxWidth: 16, label: { show: true, position: "right", color: "#e6f1ff" } }]
    });
  }

  function drawChannels(rows) {
    chart("chart-channels").setOption({
      animationDuration: 600,
      legend: { textStyle: TEXT, top: 0 },
      grid: { left: 110, right: 30, top: 30, bottom: 6 },
      xAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      yAxis: Object.assign({ type: "category", data: rows.map(function (r) { return r.name; }), inverse: true }, AXIS, {
        axisLabel: { color: "#8fb3d1", fontSize: 14, interval: 0 }
      }),
      series: [
        { name: t("published", "Published today"), type: "bar", stack: "c", data: rows.map(function (r) { return r.published; }), itemStyle: { color: "#4cd28a" } },
        { name: t("waiting", "Waiting"), type: "bar", stack: "c", data: rows.map(function (r) { return r.waiting; }), itemStyle: { color: "#f5b942" } },
        { name: t("failed", "Failed"), type: "bar", stack: "c", data: rows.map(function (r) { return r.failed; }), itemStyle: { color: "#ff6b5b" } }
      ]
    });
  }

  var mapReady = false;

  function drawMap(field) {
    if (!mapReady) return;
    var byTown = {};
    field.towns.forEach(function (row) { byTown[row.town] = row; });
    chart("chart-map").setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var row = byTown[p.name];
          if (!row) return p.name;
          return p.name + "<br>" + t("assignments", "Assignments") + ": " + row.assignments + "<br>" + row.people.join("、");
        }
      },
      visualMap: { show: false, min: 0, max: Math.max(1, Math.max.apply(null, field.towns.map(function (r) { return r.assignments; }).concat([1]))), inRange: { color: ["#0f2e48", "#1e88c7", "#35c2ff"] } },
      series: [{
        type: "map", map: "county", roam: false, selectedMode: false,
        layoutCenter: ["50%", "50%"], layoutSize: "100%", labelLayout: { hideOverlap: true },
        label: { show: true, color: "#e6f1ff", fontSize: 13, formatter: function (p) { var r = byTown[p.name]; return r ? p.name + "\n" + r.people.join("、") : p.name; } },
        itemStyle: { borderColor: "#35c2ff", borderWidth: 1, areaColor: "#0f2e48" },
        emphasis: { label: { color: "#fff" }, itemStyle: { areaColor: "#2a6f9e" } },
        data: field.towns.map(function (r) { return { name: r.town, value: r.assignments }; })
      }]
    });
  }

  function drawInquiries(q) {
    var cats = [t("received", "Received"), t("forwarded", "Forwarded"), t("answered", "Answered")];
    chart("chart-inquiries").setOption({
      animationDuration: 600,
      legend: { textStyle: TEXT, top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      xAxis: Object.assign({ type: "category", data: cats }, AXIS),
      yAxis: Object.assign({ type: "value", minInterval: 1 }, AXIS),
      series: [
        { name: t("today", "Today"), type: "bar", data: [q.received_today, q.forwarded_today, q.answered_today], itemStyle: { color: "#35c2ff" }, label: { show: true, position: "top", color: "#e6f1ff" } },
        { name: t("month", "This month"), type: "bar", data: [q.received_month, q.forwarded_month, q.answered_month], itemStyle: { color: "#1d5f8c" }, label: { show: true, position: "top", color: "#8fb3d1" } }
      ]
    });
    document.getElementById("inquiry-units").textContent = fill(document.getElementById("inquiry-units").getAttribute("data-template"), { n: q.with_units, m: q.awaiting_screening });
  }

  function listRows(id, rows, render) {
    var target = document.getElementById(id);
    target.replaceChildren.apply(target, rows.length ? rows.map(render) : [el("li", t("none", "None"), "meta")]);
  }

  function drawOffMap(field) {
    var p = document.getElementById("map-off");
    var off = field.off_map || [];
    p.textContent = off.length ? fill(p.getAttribute("data-template"), { towns: off.join("、") }) : "";
  }

  function drawField(field) {
    var tbody = document.getElementById("field-rows");
    if (!field.assignments.length) {
      var empty = el("tr");
      var cell = el("td", t("none", "None"));
      cell.colSpan = 4;
      empty.appendChild(cell);
      tbody.replaceChildren(empty);
      return;
    }
    var rows = field.assignments.slice(0, 8).map(function (a) {
      var tr = el("tr", null, a.overdue ? "overdue" : "");
      tr.appendChild(el("td", a.person));
      tr.appendChild(el("td", a.kind + " · " + a.title));
      tr.appendChild(el("td", a.town || t("no-place", "—")));
      tr.appendChild(el("td", a.deadline.replace("T", " ").slice(5, 16) + (a.overdue ? " " + t("overdue", "overdue") : "")));
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
  }

  function drawLive(live) {
    listRows("live-rooms", live.rooms, function (r) {
      var li = el("li", r.title);
      li.appendChild(el("span", r.viewers + " " + t("viewers", "viewers now") + " · " + r.views + " " + t("views", "views"), "meta"));
      return li;
    });
    var p = document.getElementById("live-scheduled");
    p.textContent = live.scheduled_today ? fill(p.getAttribute("data-template"), { n: live.scheduled_today }) : "";
  }

  function drawHot(hot) {
    listRows("hot-issues", hot, function (h) {
      var li = el("li", h.label);
      li.appendChild(el("span", "×" + h.size, "meta"));
      return li;
    });
  }

  function drawReadership(r) {
    var p = document.getElementById("readership");
    p.textContent = r.day ? fill(p.getAttribute("data-template"), { day: r.day, devices: r.devices, views: r.views, reads: r.reads }) : p.getAttribute("data-empty");
  }

  function drawKpis(data) {
    document.querySelectorAll(".kpi-value[data-key]").forEach(function (node) {
      var value = get(data, node.getAttribute("data-key"));
      var text = value === undefined || value === null ? "–" : String(value);
      if (node.textContent !== text) {
        var first = node.textContent === "–";
        node.textContent = text;
        if (!first) {
          node.classList.remove("changed");
          void node.offsetWidth; // restart the animation
          node.classList.add("changed");
        }
      }
    });
  }

  function draw(data) {
    drawKpis(data);
    drawNewsroom(data.newsroom);
    drawChannels(data.channels);
    drawMap(data.field);
    drawOffMap(data.field);
    drawField(data.field);
    drawLive(data.live);
    drawInquiries(data.inquiries);
    drawHot(data.inquiries.hot);
    drawReadership(data.readership);
  }

  function status(ok) {
    var line = document.getElementById("updated");
    if (ok) {
      line.textContent = fill(t("updated", "Updated %(time)s"), { time: time(lastGood.generated_at) });
      line.classList.remove("stale");
    } else if (lastGood) {
      line.textContent = fill(t("stale", "No new figures since %(time)s"), { time: time(lastGood.generated_at) });
      line.classList.add("stale");
    }
  }

  function poll() {
    fetch(body.getAttribute("data-data-url"), { credentials: "same-origin", cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) { window.location.reload(); return null; }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        // Redraw only what changed (a 304 gives the same body; the time of the snapshot alone
        // changes nothing on the charts), so bars do not grow again from zero at every poll.
        var figures = JSON.stringify(Object.assign({}, data, { generated_at: null }));
        var changed = figures !== lastFigures;
        lastGood = data;
        lastFigures = figures;
        if (changed) draw(data);
        status(true);
      })
      .catch(function () { status(false); });
  }

  function clock() {
    document.getElementById("clock").textContent = new Date().toLocaleString(document.documentElement.lang || undefined, { hour12: false });
  }

  function start() {
    clock();
    window.setInterval(clock, 1000);
    fetch(body.getAttribute("data-map-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (geo) {
        if (geo) {
          window.echarts.registerMap("county", geo);
          mapReady = true;
          if (lastGood) drawMap(lastGood.field);
        }
      })
      .catch(function () { /* the rest of the screen works without the map */ });
    poll();
    var seconds = Math.max(1, parseInt(body.getAttribute("data-refresh"), 10) || 10);
    window.setInterval(poll, seconds * 1000);
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    document.getElementById("fullscreen").addEventListener("click", function () {
      if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
