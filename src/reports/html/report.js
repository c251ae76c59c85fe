// chataudit HTML report: filters and search over findings and results, from data-* attributes; works offline from the file.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) return;
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-filter-item]"));
  var statusText = document.getElementById("filter-status-text");
  var fields = ["severity", "category", "snapshot", "status"];

  // The text each item is searched by, lower-cased once.
  var haystacks = items.map(function (el) {
    return (el.textContent || "").replace(/\s+/g, " ").toLowerCase();
  });

  function apply() {
    var wanted = {};
    fields.forEach(function (name) {
      wanted[name] = form.elements[name].value;
    });
    var terms = form.elements.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = { finding: 0, result: 0 };
    var total = { finding: 0, result: 0 };
    items.forEach(function (el, i) {
      var kind = el.getAttribute("data-filter-item");
      var match = fields.every(function (name) {
        return !wanted[name] || el.getAttribute("data-" + name) === wanted[name];
      }) && terms.every(function (t) {
        return haystacks[i].indexOf(t) !== -1;
      });
      el.classList.toggle("filtered-out", !match);
      total[kind] += 1;
      if (match) shown[kind] += 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-empty-for]"), function (p) {
      var kind = p.getAttribute("data-empty-for");
      p.hidden = !(total[kind] > 0 && shown[kind] === 0);
    });
    var active = terms.length > 0 || fields.some(function (name) { return wanted[name]; });
    statusText.textContent = active
      ? "Showing " + shown.finding + " of " + total.finding + " findings and " + shown.result + " of " + total.result + " results."
      : "";
  }

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  // "reset" fires before the fields are cleared.
  form.addEventListener("reset", function () { setTimeout(apply, 0); });

  // Printing shows every detail: open what is closed, close it again afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  apply();
})();
