/* Rongmei — media pages. No libraries.
 *
 * Upload page (#uploader): drag-and-drop or choose several files; each is sent in chunks through
 * the API (POST /api/v1/media/uploads → PUT …/{id}?offset=N per chunk → POST …/{id}/finish), with
 * a progress bar. A dropped connection or a 5xx is retried with backoff (1, 2, 4 … 30 s); before
 * each retry the client asks the server how many bytes it has (GET …/{id}) and continues from
 * there, and a 409 (wrong offset) carries the server's offset, so nothing is sent twice.
 * Asset page: a click on #focal-image fills and submits #focal-form; #renditions[data-poll-url]
 * is polled while renditions are pending or running, and the page reloads when one settles
 * (not while someone is typing in a field).
 * Words people read come from data-i18n-* attributes (translated by the server).
 */
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function HttpError(status, body) {
    this.status = status;
    this.body = body || {};
    this.message = (body && body.detail) || "HTTP " + status;
  }

  function request(method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrf(), "Accept": "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" }).then(function (r) {
      return r.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        if (!r.ok) throw new HttpError(r.status, data);
        return data;
      });
    });
  }

  // A network failure (fetch rejects with TypeError) or a 5xx/429 is worth retrying; a 4xx is not.
  function transient(err) {
    return !(err instanceof HttpError) || err.status >= 500 || err.status === 429;
  }

  function Uploader(root) {
    this.root = root;
    this.list = root.querySelector("#upload-list");
    this.chunk = parseInt(root.getAttribute("data-chunk"), 10) || 8 * 1024 * 1024;
    this.max = parseInt(root.getAttribute("data-max"), 10) || 0;
    this.base = root.getAttribute("data-api-base");
    this.startUrl = root.getAttribute("data-start-url");
    this.story = root.getAttribute("data-story");
    this.queue = Promise.resolve();
  }

  Uploader.prototype.t = function (name, fallback) {
    return this.root.getAttribute("data-i18n-" + name) || fallback;
  };

  Uploader.prototype.add = function (file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var name = document.createElement("strong");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("div");
    status.className = "upload-status meta";
    status.textContent = this.t("waiting", "Waiting");
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(status);
    this.list.appendChild(li);
    var item = { file: file, li: li, bar: bar, status: status };
    var self = this;
    // Files go one after another: two large uploads at once only halve each other's speed.
    this.queue = this.queue.then(function () { return self.upload(item); });
  };

  Uploader.prototype.show = function (item, sent) {
    var pct = item.file.size ? Math.floor((sent * 100) / item.file.size) : 100;
    item.bar.value = pct;
    item.status.textContent = this.t("uploading", "Uploading") + " " + pct + "%";
  };

  Uploader.prototype.withRetry = async function (item, fn) {
    var delay = 1000;
    for (var attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!transient(err) || attempt >= 12) throw err;
        item.status.textContent = this.t("retrying", "Connection lost; trying again in %s s").replace("%s", Math.round(delay / 1000));
        await sleep(delay);
        delay = Math.min(delay * 2, 30000);
      }
    }
  };

  Uploader.prototype.upload = async function (item) {
    var self = this;
    var file = item.file;
    try {
      if (this.max && file.size > this.max) throw new Error(this.t("too-large", "The file is too large."));
      var payload = { file_name: file.name, size: file.size };
      if (this.story) payload.story_id = parseInt(this.story, 10);
      var session = await this.withRetry(item, function () {
        return request("POST", self.startUrl, JSON.stringify(payload), "application/json");
      });
      var url = this.base + session.id;
      var chunk = Math.min(this.chunk, session.chunk_max || this.chunk);
      var offset = session.received;
      var resync = false;
      while (offset < file.size) {
        var sent = await this.withRetry(item, async function () {
          if (resync) {
            // After a failure we do not know what arrived: the server says.
            var st = await request("GET", url);
            offset = st.received;
            resync = false;
            if (offset >= file.size) return offset;
          }
          try {
            var end = Math.min(offset + chunk, file.size);
            var res = await request("PUT", url + "?offset=" + offset, file.slice(offset, end), "application/octet-stream");
            return res.received;
          } catch (err) {
            if (err instanceof HttpError && err.status === 409 && typeof err.body.offset === "number") return err.body.offset;
            resync = true;
            throw err;
          }
        });
        offset = sent;
        self.show(item, offset);
      }
      item.status.textContent = this.t("checking", "Checking the file…");
      var asset = await this.withRetry(item, function () {
        return request("POST", url + "/finish");
      });
      item.bar.value = 100;
      item.li.classList.add("done");
      item.status.textContent = this.t("done", "Done") + " ";
      var link = document.createElement("a");
      link.href = "/newsroom/media/" + asset.id + "/";
      link.textContent = this.t("open", "Open");
      item.status.appendChild(link);
    } catch (err) {
      item.li.classList.add("failed");
      item.status.textContent = this.t("failed", "Failed") + ": " + (err.message || err);
    }
  };

  function initUploader() {
    var root = document.getElementById("uploader");
    if (!root || !window.fetch || !window.Blob || !Blob.prototype.slice) return;
    var up = new Uploader(root);
    root.hidden = false;
    var plain = document.getElementById("plain-upload");
    if (plain) plain.hidden = true;
    var zone = root.querySelector("#dropzone");
    var input = root.querySelector("#file-input");
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (f) { up.add(f); });
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { up.add(f); });
    });
  }

  function initFocal() {
    var img = document.getElementById("focal-image");
    var form = document.getElementById("focal-form");
    var dot = document.getElementById("focal-dot");
    if (!img || !form) return;
    img.addEventListener("click", function (e) {
      var box = img.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
      var y = Math.min(1, Math.max(0, (e.clientY - box.top) / box.height));
      form.querySelector("[name=x]").value = x.toFixed(3);
      form.querySelector("[name=y]").value = y.toFixed(3);
      if (dot) { dot.style.left = x * 100 + "%"; dot.style.top = y * 100 + "%"; }
      form.submit();
    });
  }

  function initPoll() {
    var box = document.getElementById("renditions");
    if (!box) return;
    var url = box.getAttribute("data-poll-url");
    function busy(rows) {
      return rows.some(function (r) { return r.status === "pending" || r.status === "running"; });
    }
    var initial = Array.prototype.map.call(box.querySelectorAll("[data-rendition]"), function (tr) {
      return { status: tr.getAttribute("data-status") };
    });
    if (!busy(initial)) return;
    var delay = 2000;
    function tick() {
      request("GET", url).then(function (asset) {
        var settledChange = false;
        asset.renditions.forEach(function (r) {
          var tr = box.querySelector('[data-rendition="' + r.id + '"]');
          if (!tr) return;
          if (tr.getAttribute("data-status") !== r.status && (r.status === "done" || r.status === "failed")) settledChange = true;
          var bar = tr.querySelector('[data-field="progress"]');
          if (bar) bar.value = r.progress;
        });
        if (settledChange || !busy(asset.renditions)) {
          // Reload to show what was made, unless someone is typing: never lose what they typed.
          var active = document.activeElement;
          var typing = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
          if (!typing) { window.location.reload(); return; }
        }
        setTimeout(tick, delay);
      }).catch(function () {
        delay = Math.min(delay * 2, 30000);
        setTimeout(tick, delay);
      });
    }
    setTimeout(tick, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initUploader();
    initFocal();
    initPoll();
  });
})();
