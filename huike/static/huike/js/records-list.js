/* Record lists: the bulk bar shows while rows are ticked, with their count, and the export
   link carries the ticked ids. Works after htmx swaps the table because it listens on the
   document. */
(function () {
  "use strict";

  function refresh() {
    var bar = document.querySelector("[data-bulk-bar]");
    if (!bar) return;
    var ticked = document.querySelectorAll("[data-list-select]:checked");
    bar.classList.toggle("d-none", ticked.length === 0);
    var count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = String(ticked.length);
    var exportLink = bar.querySelector("[data-bulk-export]");
    if (exportLink) {
      var query = new URLSearchParams(window.location.search);
      query.delete("cursor");
      ticked.forEach(function (box) { query.append("ids", box.value); });
      exportLink.setAttribute("href", "export/?" + query.toString());
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-list-select]")) refresh();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", refresh);

  // The columns form posts its ticked boxes in page order, so dragging a row reorders the
  // list's columns; without SortableJS the order is simply the one shown.
  document.addEventListener("DOMContentLoaded", function () {
    var order = document.querySelector("[data-column-order]");
    if (order && window.Sortable) {
      window.Sortable.create(order, { handle: ".records-column-handle", animation: 150 });
    }
  });
})();
