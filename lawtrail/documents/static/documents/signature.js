// Handwriting on a tablet: every canvas[data-signature] becomes a signing pad; on submit its
// drawing goes into the form's hidden "image" field as a PNG data URL.
(function () {
  function pad(canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false, inked = false, last = null;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; inked = true; e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      canvas.addEventListener(t, function () { drawing = false; });
    });
    var form = canvas.closest("form");
    var clear = form.querySelector("[data-clear]");
    if (clear) {
      clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); inked = false; });
    }
    form.addEventListener("submit", function () {
      var input = form.querySelector("input[name=image]");
      if (input) { input.value = inked ? canvas.toDataURL("image/png") : ""; }
    });
  }
  document.querySelectorAll("canvas[data-signature]").forEach(pad);
})();
