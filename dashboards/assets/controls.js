/*
 * The button that folds a page's control panel on a phone: it opens and closes the panel and says so to
 * screen readers. On a wide screen the stylesheet hides it and shows the panel beside the map.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest && event.target.closest(".controls-toggle");
    if (!toggle) return;
    const fold = toggle.closest(".foldable");
    const open = !fold.classList.contains("open");
    fold.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
})();
