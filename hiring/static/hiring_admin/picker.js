// The schedule form's interviewer picker (issue 9): typing searches every active
// interviewer through a bounded JSON endpoint and shows who is qualified (pool) and
// free at the chosen time. Without this script the select lists the qualified people.
(function () {
  "use strict";
  var start = function () {
  document.querySelectorAll("input[data-picker-url]").forEach(function (search) {
    var select = document.getElementById(search.getAttribute("data-picker-for"));
    var status = document.getElementById(search.getAttribute("data-picker-for") + "_status");
    var label = function (name) { return search.getAttribute("data-label-" + name) || name; };
    var timer = null;
    var startsAt = function () {
      var day = document.getElementById("id_starts_at_0");
      var time = document.getElementById("id_starts_at_1");
      if (!day || !time || !day.value || !time.value) return "";
      return day.value.trim() + "T" + time.value.trim();
    };
    var refresh = function () {
      var url = new URL(search.getAttribute("data-picker-url"), window.location.href);
      url.searchParams.set("q", search.value);
      var when = startsAt();
      if (when) url.searchParams.set("starts_at", when);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          var chosen = select.value;
          var keep = Array.prototype.filter.call(select.options, function (o) { return o.value === chosen && chosen; });
          select.innerHTML = "";
          var blank = document.createElement("option");
          blank.value = "";
          blank.textContent = "---------";
          select.appendChild(blank);
          keep.forEach(function (o) { select.appendChild(o); });
          data.results.forEach(function (p) {
            if (String(p.id) === chosen) return;
            var option = document.createElement("option");
            option.value = p.id;
            var facts = [p.name, p.department, p.level, p.time_zone, label(p.qualified ? "qualified" : "not-qualified")];
            if (p.free !== null) facts.push(label(p.free ? "free" : "busy") + (p.local ? " (" + p.local + ")" : ""));
            option.textContent = facts.join(" · ");
            select.appendChild(option);
          });
          if (status) status.textContent = label("found") + " " + data.results.length;
        });
    };
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 250);
    });
    ["id_starts_at_0", "id_starts_at_1"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) input.addEventListener("change", refresh);
    });
  });
  };
  // The admin puts form media in <head>: wait for the form.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
