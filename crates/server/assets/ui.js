// hark web UI: sorting and filtering tables, the "/" shortcut, and drag-to-zoom on timelines.
// No inline script anywhere: this file is loaded with `defer` from the same origin.
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? 0 : "";
    if (numeric) return Number(cell.getAttribute("data-v") || cell.textContent) || 0;
    return cell.textContent.trim().toLowerCase();
  }
  function sortBy(button) {
    var th = button.closest("th");
    var table = button.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = button.getAttribute("data-sort") === "num";
    var ascending = button.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th button").forEach(function (b) { b.removeAttribute("aria-sort"); });
    button.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    table.querySelectorAll("tbody").forEach(function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  }
  function filter(input) {
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll(input.getAttribute("data-filter")).forEach(function (table) {
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
        });
      });
    });
  }
  function zoom(svg) {
    var from = Number(svg.getAttribute("data-from")), to = Number(svg.getAttribute("data-to"));
    var left = Number(svg.getAttribute("data-left")), width = Number(svg.getAttribute("data-width"));
    var base = svg.getAttribute("data-base");
    var selection = svg.querySelector("#selection");
    var start = null;
    function x(event) {
      var box = svg.getBoundingClientRect();
      return Math.max(left, Math.min(width, (event.clientX - box.left) * width / box.width));
    }
    function time(px) { return Math.round(from + (px - left) * (to - from) / (width - left)); }
    svg.addEventListener("mousedown", function (event) { start = x(event); event.preventDefault(); });
    svg.addEventListener("mousemove", function (event) {
      if (start === null) return;
      var now = x(event);
      selection.setAttribute("x", Math.min(start, now));
      selection.setAttribute("width", Math.abs(now - start));
    });
    svg.addEventListener("mouseup", function (event) {
      if (start === null) return;
      var end = x(event), a = Math.min(start, end), b = Math.max(start, end);
      start = null;
      if (b - a < 3) { selection.setAttribute("width", 0); return; }
      var t0 = time(a), t1 = time(b);
      window.location.href = base + "from=" + t0 + "&to=" + t1 + "&time_last_after=" + t0 + "&time_first_before=" + t1;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("th button[data-sort]");
    if (button) sortBy(button);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[data-filter]")) filter(event.target);
  });
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      document.getElementById("q").focus();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("svg[data-from]").forEach(zoom);
  });
})();
