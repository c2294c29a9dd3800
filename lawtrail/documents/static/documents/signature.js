// Handwriting on a tablet or phone: every canvas[data-signature] becomes a signing pad; on submit
// its drawing goes into the form's hidden "image" field as a PNG data URL.
// "全屏签名" opens the signing step over the whole screen: the document's text read back to the
// signer first, the confirmation line a 笔录 needs, a pad as wide as the screen (turn a phone
// sideways for more room), undo and clear; confirming signs with that drawing.
(function () {
  "use strict";

  function pad(canvas) {
    var ctx = canvas.getContext("2d");
    var strokes = [], current = null;
    function style() { ctx.lineWidth = Math.max(3, canvas.width / 200); ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111"; }
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return {x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height};
    }
    function redraw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      style();
      strokes.forEach(function (s) {
        ctx.beginPath(); ctx.moveTo(s[0].x, s[0].y);
        s.forEach(function (p) { ctx.lineTo(p.x, p.y); });
        ctx.stroke();
      });
    }
    style();
    canvas.addEventListener("pointerdown", function (e) {
      current = [point(e)]; strokes.push(current); canvas.setPointerCapture(e.pointerId); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!current) { return; }
      var last = current[current.length - 1], p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      current.push(p); e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      canvas.addEventListener(t, function () { current = null; });
    });
    return {
      inked: function () { return strokes.some(function (s) { return s.length > 1; }); },
      clear: function () { strokes = []; redraw(); },
      undo: function () { strokes.pop(); redraw(); },
      image: function () { return canvas.toDataURL("image/png"); }
    };
  }

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = text; if (cls) { b.className = cls; }
    return b;
  }

  function fullScreen(form, small) {
    var source = document.getElementById("document-fields");
    var overlay = document.createElement("div");
    overlay.className = "sign-screen";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-label", "全屏签名");
    var head = document.createElement("h2");
    head.textContent = form.dataset.signer ? "请" + form.dataset.signer + "阅读后签名" : "请阅读后签名";
    var text = document.createElement("div");
    text.className = "sign-text";
    if (source) { text.appendChild(source.cloneNode(true)).removeAttribute("id"); }
    var confirm = document.createElement("p");
    confirm.className = "sign-confirm";
    confirm.textContent = form.dataset.confirm || "";
    var canvas = document.createElement("canvas");
    canvas.className = "sign-pad";
    var bar = document.createElement("div");
    bar.className = "sign-buttons";
    var undo = button("撤销一笔"), clear = button("清除"), cancel = button("取消"), ok = button("确认签名", "primary");
    [undo, clear, cancel, ok].forEach(function (b) { bar.appendChild(b); });
    [head, text, confirm, canvas, bar].forEach(function (el) { overlay.appendChild(el); });
    document.body.appendChild(overlay);
    document.body.classList.add("signing");
    // Drawing resolution follows the shown size (and the device's pixel ratio), so strokes stay sharp.
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * ratio);
    canvas.height = Math.round(canvas.clientHeight * ratio);
    var big = pad(canvas);
    canvas.addEventListener("pointerdown", function () {
      confirm.textContent = form.dataset.confirm || ""; confirm.classList.remove("error");
    });
    function close() { overlay.remove(); document.body.classList.remove("signing"); }
    undo.addEventListener("click", big.undo);
    clear.addEventListener("click", big.clear);
    cancel.addEventListener("click", close);
    ok.addEventListener("click", function () {
      if (!big.inked()) { confirm.textContent = "请先在框内签名"; confirm.classList.add("error"); return; }
      form.dataset.image = big.image();
      var input = form.querySelector("input[name=image]");
      if (input) { input.value = form.dataset.image; }
      close();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }

  document.querySelectorAll("canvas[data-signature]").forEach(function (canvas) {
    var form = canvas.closest("form");
    var small = pad(canvas);
    var clear = form.querySelector("[data-clear]");
    if (clear) { clear.addEventListener("click", small.clear); }
    var big = form.querySelector("[data-fullscreen]");
    if (big) { big.addEventListener("click", function () { fullScreen(form, small); }); }
    form.addEventListener("submit", function () {
      var input = form.querySelector("input[name=image]");
      if (input) { input.value = form.dataset.image || (small.inked() ? small.image() : ""); }
    });
  });
})();
