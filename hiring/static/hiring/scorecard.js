// The scorecard form, progressively enhanced: without this script every field
// shows and the server checks everything; with it, the veto details appear
// only when the veto box is ticked, the submit button says what it does, and
// nothing typed is lost: a draft is saved to the server as the person types, a
// copy is kept in this browser until the server has it, and the session is kept
// alive while the page is in use.
(function () {
  "use strict";

  var storage = null;
  try {
    storage = window.localStorage;
  } catch (error) {
    storage = null; // private mode or storage disabled: the server-side draft still works
  }

  function readCopy(key) {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function dropCopy(key) {
    if (storage) storage.removeItem(key);
  }

  // On the packet after a submission: a copy kept from before that revision has done its job.
  var done = document.getElementById("scorecard-done");
  if (done) {
    var kept = readCopy(done.dataset.localKey);
    if (kept && kept.base < Number(done.dataset.revision)) dropCopy(done.dataset.localKey);
  }

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

  // --- what the person typed: read and write the form's state -------------------------
  var key = form.dataset.localKey;
  var base = Number(form.dataset.baseRevision || 0);

  function fieldsOf() {
    var state = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "submit" || field.type === "button") return;
      if (field.type === "radio") {
        if (field.checked) state[field.name] = field.value;
      } else if (field.type === "checkbox") {
        state[field.name] = field.checked;
      } else {
        state[field.name] = field.value;
      }
    });
    return state;
  }

  function apply(state) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !(field.name in state)) return;
      if (field.type === "radio") field.checked = field.value === state[field.name];
      else if (field.type === "checkbox") field.checked = Boolean(state[field.name]);
      else if (field.type !== "hidden" && field.type !== "submit") field.value = state[field.name];
    });
    if (veto && details && submit) sync();
  }

  function same(a, b) {
    return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
  }

  function keepCopy() {
    if (!storage) return;
    try {
      storage.setItem(key, JSON.stringify({ savedAt: Date.now(), base: base, fields: fieldsOf() }));
    } catch (error) {
      // Storage full: the server-side draft is still being saved.
    }
  }

  // --- a copy this browser kept, offered back (e.g. after signing in again) -----------
  var offer = document.getElementById("local-copy");
  var kept = readCopy(key);
  if (kept && kept.base < base) {
    dropCopy(key); // a revision was submitted since: the copy is out of date
    kept = null;
  }
  if (kept && offer && !same(kept.fields, fieldsOf())) {
    document.getElementById("local-copy-time").textContent = new Date(kept.savedAt).toLocaleString();
    offer.hidden = false;
    document.getElementById("local-copy-restore").addEventListener("click", function () {
      apply(kept.fields);
      offer.hidden = true;
      changed();
      form.querySelector("textarea").focus();
    });
    document.getElementById("local-copy-discard").addEventListener("click", function () {
      dropCopy(key);
      offer.hidden = true;
    });
  } else if (kept) {
    dropCopy(key); // the page already shows exactly that text
  }

  // --- autosave: a draft on the server a moment after the person stops typing ---------
  var status = document.getElementById("autosave-status");
  var signInAgain = document.getElementById("sign-in-again");
  var timer = null;
  var inFlight = false;
  var again = false;
  var lastActivity = 0;
  var DEBOUNCE_MS = 1500;

  function say(text) {
    if (status) status.textContent = text;
  }

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
  }

  function autosave() {
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    var sent = fieldsOf();
    say(status.dataset.saving);
    post(form.dataset.autosaveUrl, new FormData(form))
      .then(function (response) {
        if (response.status === 401) {
          say(status.dataset.signedOut);
          if (signInAgain) signInAgain.hidden = false;
          return;
        }
        return response.json().then(function (data) {
          if (response.ok) {
            say(data.message);
            if (signInAgain) signInAgain.hidden = true;
            // The server has exactly this text now; the browser copy is no longer needed.
            if (same(sent, fieldsOf())) dropCopy(key);
          } else {
            say(data.message || status.dataset.failed);
          }
        });
      })
      .catch(function () {
        say(status.dataset.failed);
      })
      .then(function () {
        inFlight = false;
        if (waitingSubmitter) {
          var submitter = waitingSubmitter;
          waitingSubmitter = null;
          form.requestSubmit(submitter);
          return;
        }
        if (again) {
          again = false;
          autosave();
        }
      });
  }

  function changed() {
    lastActivity = Date.now();
    keepCopy();
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(autosave, DEBOUNCE_MS);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  // --- keep the session alive while the page is in use --------------------------------
  var KEEPALIVE_MS = 5 * 60 * 1000;
  var IDLE_MS = 30 * 60 * 1000;
  window.setInterval(function () {
    if (document.visibilityState !== "visible" || Date.now() - lastActivity > IDLE_MS) return;
    post(form.dataset.keepaliveUrl, null).then(function (response) {
      if (response.status === 401) {
        say(status.dataset.signedOut);
        if (signInAgain) signInAgain.hidden = false;
      }
    }).catch(function () {});
  }, KEEPALIVE_MS);

  // --- sending ---------------------------------------------------------------------------
  // One click, one request: a second press while the first is on its way does nothing.
  var sending = false;
  var waitingSubmitter = null;
  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    if (inFlight) {
      // An autosave is on its way: let it land first, or it could arrive after the submission
      // and leave a stale draft behind it.
      event.preventDefault();
      waitingSubmitter = event.submitter || submit;
      return;
    }
    sending = true;
    if (timer) window.clearTimeout(timer); // the form's own request carries the latest text
    keepCopy(); // if the session has ended, this copy (and the server's) brings the text back
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
