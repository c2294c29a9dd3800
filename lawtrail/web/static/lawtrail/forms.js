// Fields that belong to one choice of a form (see lawtrail/web/templatetags/web_tags.py) are shown
// only while that choice is made, and hidden fields are left out of what is sent.
(function () {
  "use strict";
  function chosen(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var select = form.querySelector('select[name="' + name + '"]');
    return select ? select.value : "";
  }
  function apply(form) {
    form.querySelectorAll("[data-when]").forEach(function (box) {
      var on = box.dataset.whenValues.split(" ").indexOf(chosen(form, box.dataset.when)) >= 0;
      box.hidden = !on;
      box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-when]")) return;
    form.addEventListener("change", function () { apply(form); });
    apply(form);
  });
})();

// Common opinions (the approval forms, templates/_approval_form.html): a picked one fills the
// opinion box, where it can still be changed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var chip = event.target.closest ? event.target.closest("[data-opinion]") : null;
    if (!chip || !chip.form) return;
    var box = chip.form.querySelector('textarea[name="opinion"]');
    if (!box) return;
    box.value = chip.dataset.opinion;
    box.focus();
  });
})();
