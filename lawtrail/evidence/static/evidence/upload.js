// Resumable upload (tus 1.0.0) of large recordings: the file goes up in chunks; after a network
// failure or a closed page the same file resumes from the offset the server confirms (HEAD).
// Nothing becomes a record until the last byte is in and the server has hashed it.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var endpoint = form.dataset.endpoint;
  var list = document.getElementById("upload-list");
  var CHUNK = parseInt(form.dataset.chunk, 10) || 8 * 1024 * 1024;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function b64(text) { return btoa(unescape(encodeURIComponent(text))); }
  function fingerprint(file) { return "lawtrail-tus:" + [file.name, file.size, file.lastModified].join(":"); }
  function headers(extra) {
    var h = {"Tus-Resumable": "1.0.0", "X-CSRFToken": csrf};
    for (var k in extra) h[k] = extra[k];
    return h;
  }
  function field(name) { var el = form.elements[name]; return el ? el.value : ""; }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function message(response) {
    return response.json().then(function (b) { return b.message || response.statusText; },
                                function () { return response.statusText; });
  }

  function create(file) {
    var meta = {filename: file.name, case_id: field("case"), evidence_class: field("evidence_class"),
                device_serial: field("device_serial"), clock_offset_seconds: field("clock_offset_seconds")};
    var pairs = [];
    for (var k in meta) if (meta[k]) pairs.push(k + " " + b64(meta[k]));
    return fetch(endpoint, {method: "POST", credentials: "same-origin",
      headers: headers({"Upload-Length": String(file.size), "Upload-Metadata": pairs.join(",")})})
      .then(function (r) {
        if (r.status !== 201) return message(r).then(function (m) { throw new Error(m); });
        return r.headers.get("Location");
      });
  }

  function offsetOf(url) {
    return fetch(url, {method: "HEAD", credentials: "same-origin", headers: headers({})}).then(function (r) {
      if (r.status !== 200) return null;
      return {offset: parseInt(r.headers.get("Upload-Offset"), 10), evidence: finished(r)};
    });
  }

  // The finished upload: its record and what it came to (stored, or the same original already there).
  function finished(r) {
    var id = r.headers.get("Upload-Evidence-Id");
    return id ? {id: id, outcome: r.headers.get("Upload-Evidence-Outcome") || ""} : null;
  }

  function send(file, url, offset, row) {
    if (offset >= file.size) return offsetOf(url).then(function (s) { return s && s.evidence; });
    var end = Math.min(offset + CHUNK, file.size);
    return fetch(url, {method: "PATCH", credentials: "same-origin", body: file.slice(offset, end),
      headers: headers({"Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"})})
      .then(function (r) {
        if (r.status === 204) {
          var next = parseInt(r.headers.get("Upload-Offset"), 10);
          row.progress(next / file.size);
          if (finished(r)) return finished(r);
          return send(file, url, next, row);
        }
        return message(r).then(function (m) { var e = new Error(m); e.fatal = r.status < 500 && r.status !== 409; throw e; });
      });
  }

  function upload(file, row) {
    var key = fingerprint(file);
    var attempt = 0;
    function start() {
      var url = localStorage.getItem(key);
      var ready = url ? offsetOf(url).then(function (s) { return s ? {url: url, offset: s.offset, evidence: s.evidence} : null; })
                      : Promise.resolve(null);
      return ready.then(function (s) {
        if (s && s.evidence) return s.evidence;
        if (s) { row.note("从 " + Math.round(100 * s.offset / file.size) + "% 处继续"); return send(file, s.url, s.offset, row); }
        return create(file).then(function (u) { localStorage.setItem(key, u); return send(file, u, 0, row); });
      }).catch(function (err) {
        if (err.fatal || attempt >= 8) throw err;
        attempt += 1;
        row.note("网络中断,第 " + attempt + " 次重试……");
        return wait(Math.min(30000, 500 * Math.pow(2, attempt - 1))).then(start);
      });
    }
    return start().then(function (result) { localStorage.removeItem(key); return result; });
  }

  function size(bytes) {
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i += 1; }
    return (i ? bytes.toFixed(1) : String(bytes)) + " " + units[i];
  }
  function duration(seconds) {
    seconds = Math.max(1, Math.round(seconds));
    if (seconds < 60) return seconds + " 秒";
    if (seconds < 3600) return Math.floor(seconds / 60) + " 分 " + (seconds % 60) + " 秒";
    return Math.floor(seconds / 3600) + " 小时 " + Math.round((seconds % 3600) / 60) + " 分";
  }

  function makeRow(file) {
    var li = document.createElement("li");
    li.innerHTML = '<b></b> <progress max="1" value="0"></progress> <span class="rate"></span> <span></span>';
    li.querySelector("b").textContent = file.name + "(" + size(file.size) + ")";
    list.appendChild(li);
    var rate = li.querySelector(".rate"), first = null;
    li.querySelector("span:last-child").textContent = "排队等待";
    return {
      // % done, speed over this session's bytes (a resumed upload starts counting where it resumed)
      // and the time left at that speed.
      progress: function (v) {
        var now = Date.now(), done = v * file.size;
        li.querySelector("progress").value = v;
        if (first === null) { first = {at: now, bytes: done}; }
        var seconds = (now - first.at) / 1000, speed = seconds > 0 ? (done - first.bytes) / seconds : 0;
        var text = Math.floor(v * 100) + "%";
        if (speed > 0 && v < 1) text += " · " + size(speed) + "/s · 剩余约 " + duration((file.size - done) / speed);
        rate.textContent = text;
      },
      note: function (t) { li.querySelector("span:last-child").textContent = t; },
      done: function (result) {
        var said = {already: "与已入库的原始文件相同(同一 SHA-256),未重复保存,也不会重复列入卷内目录",
                    linked: "该文件此前已入库(未关联案件),现已关联到本案,未重复保存",
                    duplicate: "已入库(相同内容此前已存储,只保存一份)"}[result.outcome] || "已入库";
        rate.textContent = "100%";
        li.dataset.outcome = result.outcome || "stored";
        li.querySelector("span:last-child").innerHTML = '<span class="said"></span> <a href="/evidence/' + encodeURIComponent(result.id) + '/">查看</a>';
        li.querySelector(".said").textContent = said;
      },
      fail: function (t) { li.querySelector("span:last-child").textContent = "失败:" + t; li.classList.add("failed"); }
    };
  }

  // The queue outlives the page: each file waiting or going up is noted in localStorage (name,
  // size, fingerprint). A browser cannot read a file again without the person choosing it, so after
  // leaving the page the queue is shown and choosing the same files resumes each where it stopped.
  var QUEUE = "lawtrail-upload-queue";
  function saved() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function keep(entries) {
    if (entries.length) localStorage.setItem(QUEUE, JSON.stringify(entries)); else localStorage.removeItem(QUEUE);
  }
  var active = {};  // the files of this page's own queue (shown in its list, not as left behind)
  function remember(file) {
    var key = fingerprint(file), entries = saved().filter(function (e) { return e.key !== key; });
    entries.push({key: key, name: file.name, size: file.size});
    keep(entries);
    active[key] = true;
  }
  function forget(file) {
    var key = fingerprint(file);
    delete active[key];
    keep(saved().filter(function (e) { return e.key !== key; }));
  }

  var resume = document.getElementById("upload-resume");
  function showSaved() {
    var entries = saved().filter(function (e) { return !active[e.key]; });
    if (!resume) return;
    resume.hidden = !entries.length;
    var ul = resume.querySelector("ul");
    ul.innerHTML = "";
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      li.dataset.key = entry.key;
      li.innerHTML = '<b></b> <span class="state">等待重新选择该文件</span> <button type="button" class="link-button">放弃</button>';
      li.querySelector("b").textContent = entry.name + "(" + size(entry.size) + ")";
      var url = localStorage.getItem(entry.key);
      if (url) offsetOf(url).then(function (s) {
        if (s) li.querySelector(".state").textContent = "已上传 " + Math.floor(100 * s.offset / entry.size) + "%,重新选择该文件即从断点继续";
      }, function () {});
      li.querySelector("button").addEventListener("click", function () {
        localStorage.removeItem(entry.key);
        keep(saved().filter(function (e) { return e.key !== entry.key; }));
        showSaved();
      });
      ul.appendChild(li);
    });
  }
  showSaved();
  var autoStart = false;
  if (resume) resume.querySelector("[data-pick]").addEventListener("click", function () {
    autoStart = true;
    document.getElementById("upload-files").click();
  });
  document.getElementById("upload-files").addEventListener("change", function () {
    if (!autoStart) return;
    autoStart = false;
    form.requestSubmit();
  });

  // Files queue one after another; more can be added while earlier ones are still going up.
  var queue = Promise.resolve(), pending = 0;
  window.addEventListener("beforeunload", function (ev) {
    if (!pending) return;
    // The browser cannot keep a file across pages: choosing the same file again resumes it.
    ev.preventDefault();
    ev.returnValue = "还有 " + pending + " 个文件未上传完成;离开后重新选择同一文件可从断点继续";
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var picker = document.getElementById("upload-files");
    var files = Array.prototype.slice.call(picker.files);
    if (!files.length) return;
    files.forEach(function (file) {
      var row = makeRow(file);
      if (file.size === 0) { row.fail("文件为空(0 字节),不能入库"); return; }
      pending += 1;
      remember(file);
      queue = queue.then(function () {
        row.note("上传中");
        return upload(file, row).then(function (result) { forget(file); row.done(result); },
                                      function (e) {
                                        if (e.fatal) forget(file); else delete active[fingerprint(file)];
                                        row.fail(e.message);
                                      });
      }).then(function () { pending -= 1; showSaved(); });
    });
    picker.value = "";
    showSaved();
  });
})();
