// The scorecard form, progressively enhanced: without this script every field
// shows and the server checks everything; with it, the veto details appear
// only when the veto box is ticked, and the submit button says what it does.
(function () {
  "use strict";
  var form = document.getElementById("scorecard-form");
  if (!form) return;
  var veto = document.getElementById("id_veto");
  var details = document.getElementById("veto-details");
  var submit = document.getElementById("submit-button");

  function sync() {
    var on = veto.checked;
    details.hidden = !on;
    // A reason typed and then un-vetoed is not sent: what is hidden is never submitted by surprise.
    details.querySelectorAll("textarea, input").forEach(function (field) {
      field.disabled = !on;
    });
    submit.textContent = on ? submit.dataset.vetoLabel : submit.dataset.label;
    submit.classList.toggle("danger", on);
    submit.classList.toggle("primary", !on);
  }
  if (veto && details && submit) {
    veto.addEventListener("change", sync);
    sync();
  }

  // One click, one request: a second press while the first is on its way does nothing.
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    form.setAttribute("aria-busy", "true");
  });
  // Coming back with the browser's Back button restores the page as it was; let it be sent again.
  window.addEventListener("pageshow", function () {
    sending = false;
    form.removeAttribute("aria-busy");
  });

  // After a refused submission, take keyboard and screen-reader users to the list of problems.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
