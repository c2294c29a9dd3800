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
      return {offset: parseInt(r.headers.get("Upload-Offset"), 10), evidence: r.headers.get("Upload-Evidence-Id")};
    });
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
          if (r.headers.get("Upload-Evidence-Id")) return r.headers.get("Upload-Evidence-Id");
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
    return start().then(function (evidenceId) { localStorage.removeItem(key); return evidenceId; });
  }

  function makeRow(file) {
    var li = document.createElement("li");
    li.innerHTML = '<b></b> <progress max="1" value="0"></progress> <span></span>';
    li.querySelector("b").textContent = file.name;
    list.appendChild(li);
    return {
      progress: function (v) { li.querySelector("progress").value = v; },
      note: function (t) { li.querySelector("span").textContent = t; },
      done: function (id) { li.querySelector("span").innerHTML = '已入库 <a href="/evidence/' + encodeURIComponent(id) + '/">查看</a>'; },
      fail: function (t) { li.querySelector("span").textContent = "失败:" + t; li.classList.add("failed"); }
    };
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var files = Array.prototype.slice.call(document.getElementById("upload-files").files);
    if (!files.length) return;
    files.reduce(function (chain, file) {
      var row = makeRow(file);
      if (file.size === 0) { row.fail("文件为空(0 字节),不能入库"); return chain; }
      return chain.then(function () {
        return upload(file, row).then(row.done, function (e) { row.fail(e.message); });
      });
    }, Promise.resolve());
  });
})();
