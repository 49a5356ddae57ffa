/*
 * One history entry per view a person chose. The app writes the URL after every change so a view can be
 * shared; a URL it writes on its own (the defaults of a page just opened, a page redrawn after Back)
 * replaces the current entry instead of adding one, so Back leaves the app from its first page.
 */
(function () {
  "use strict";

  let chosen = false; // a person acted since the current entry was made
  ["pointerdown", "keydown", "change"].forEach(function (type) {
    window.addEventListener(type, function (event) { if (event.isTrusted) chosen = true; }, true);
  });
  window.addEventListener("popstate", function () { chosen = false; });

  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  window.history.pushState = function (state, title, url) {
    const same = url !== undefined && url !== null && new URL(url, window.location.href).href === window.location.href;
    if (chosen && !same) push(state, title, url);
    else replace(state, title, url);
    chosen = false;
  };
})();
