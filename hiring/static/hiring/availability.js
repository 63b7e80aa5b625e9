// Progressive enhancement for the candidate's availability page: a "whole day" button
// per day. The form works without it.
(function () {
  "use strict";
  var form = document.querySelector(".availability-form");
  if (!form) return;
  var label = form.getAttribute("data-whole-day") || "Whole day";
  form.querySelectorAll("fieldset.day").forEach(function (fieldset) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link day-all";
    button.textContent = label;
    button.addEventListener("click", function () {
      var boxes = fieldset.querySelectorAll("input[type=checkbox]");
      var all = Array.prototype.every.call(boxes, function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !all; });
    });
    fieldset.appendChild(button);
  });
})();
