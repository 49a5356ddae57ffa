/*
 * Names and roles that Dash's own components leave out, set once they render, so that screen readers
 * and keyboards meet proper radio groups, named sliders, step buttons named in the page's language and
 * no focusable element hidden from them.
 */
(function () {
  "use strict";

  function labelOf(element) {
    // The text that names a control: its <label for>, else the legend of its fieldset.
    if (element.id) {
      const label = document.querySelector('label[for="' + CSS.escape(element.id) + '"]');
      if (label) return label.textContent.trim();
    }
    const fieldset = element.closest("fieldset");
    const legend = fieldset && fieldset.querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  const searched = new WeakSet();

  function mend() {
    document.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
      const radio = list.querySelector("input[type=radio]");
      if (!radio && !list.querySelector("input[type=checkbox]")) return;
      list.setAttribute("role", radio ? "radiogroup" : "group");
      const name = labelOf(list);
      if (name) list.setAttribute("aria-label", name);
      list.querySelectorAll(".dash-options-list-option").forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    });
    document.querySelectorAll(".dash-dropdown-focus-target[aria-hidden=true]").forEach(function (target) {
      target.setAttribute("tabindex", "-1");
    });
    // A dropdown's button is reached with Tab; once open, typing filters its options: the search box takes
    // the focus Dash gives the chosen option (once per opening, so the arrow keys still reach the options).
    document.querySelectorAll("button.dash-dropdown[tabindex='-1']").forEach(function (button) {
      button.removeAttribute("tabindex");
    });
    document.querySelectorAll("input.dash-dropdown-search").forEach(function (search) {
      if (searched.has(search)) return;
      searched.add(search);
      const active = document.activeElement;
      if (!active || active === document.body || active.closest(".dash-options-list") || active.closest("button.dash-dropdown")) {
        search.focus();
      }
    });
    const main = document.getElementById("main");
    if (main) {
      [["increment", main.dataset.increase], ["decrement", main.dataset.decrease]].forEach(function (step) {
        if (!step[1]) return;
        document.querySelectorAll(".dash-stepper-" + step[0]).forEach(function (button) {
          if (button.getAttribute("aria-label") !== step[1]) button.setAttribute("aria-label", step[1]);
        });
      });
    }
    document.querySelectorAll(".dash-slider-container").forEach(function (slider) {
      const name = labelOf(slider);
      if (!name) return;
      slider.querySelectorAll("[role=slider], input").forEach(function (control) {
        if (!control.getAttribute("aria-label")) control.setAttribute("aria-label", name);
      });
    });
  }

  let pending = false;
  const observer = new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; mend(); });
  });
  function start() {
    mend();
    observer.observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
