/*
 * A map on a phone. The server sends one figure for every screen, with a column beside the shapes for the
 * legend written into it (its PNG needs it); on a phone the legend reads under the map instead. A figure
 * that says how it is drawn on a phone (`layout.meta.phone`, set by `figures.choropleth`) is drawn there
 * with the shapes across the whole width and the title wrapped on its own lines under the toolbar, rather
 * than running beneath it. Plotly draws it so at once, the figure being changed on its way to
 * `Plotly.react` (as `history.js` does for the URL), so the map is drawn once; the town names are placed
 * for that phone form, the smallest drawn (`figures.placed_towns`). Turning the phone redraws it.
 */
(function () {
  "use strict";

  const ruler = document.createElement("canvas").getContext("2d");
  const PLOTLY_FONT = '"Open Sans", verdana, arial, sans-serif';

  /* The words of `text` in lines no wider than `width` pixels at `size`, as the browser measures them. */
  function wrap(text, size, family, width) {
    ruler.font = size + "px " + family;
    const lines = [];
    let line = "";
    text.split(/\s+/).filter(Boolean).forEach(function (word) {
      const longer = line ? line + " " + word : word;
      if (line && ruler.measureText(longer).width > width) {
        lines.push(line);
        line = word;
      } else {
        line = longer;
      }
    });
    if (line) lines.push(line);
    return lines;
  }

  /* The layout as drawn in `gd`: its phone form on a phone's screen, else the server's. */
  function shown(layout, gd) {
    const phone = layout && layout.meta && layout.meta.phone;
    if (!phone || !layout.geo || !window.matchMedia("(max-width: " + phone.width + "px)").matches) {
      return layout;
    }
    const title = layout.title || {};
    const family = (title.font && title.font.family) || (layout.font && layout.font.family) || PLOTLY_FONT;
    const words = String(title.text || "").replace(/<br>/g, " ");
    const room = gd.clientWidth - 2 * phone.inset;
    let size = phone.font;
    let lines = wrap(words, size, family, room);
    // An Arabic page's title starts from the right, where its reader starts.
    const rtl = document.documentElement.dir === "rtl";
    while (lines.length > phone.lines && size > phone.smallest) {
      size -= 1;
      lines = wrap(words, size, family, room);
    }
    return Object.assign({}, layout, {
      geo: Object.assign({}, layout.geo, {domain: {x: [0, 1], y: [0, 1]}}),
      margin: Object.assign({}, layout.margin, {t: phone.band}),
      title: Object.assign({}, title, {
        text: lines.join("<br>"),
        font: Object.assign({}, title.font, {size: size}),
        x: rtl ? 1 : 0,
        xref: "paper",
        xanchor: rtl ? "right" : "left",
        y: 1,
        yref: "paper",
        yanchor: "bottom",
        pad: rtl ? {b: phone.gap, r: phone.inset} : {b: phone.gap, l: phone.inset},
      }),
    });
  }

  function hook(plotly) {
    if (!plotly || plotly.observatoryPhone) return;
    const react = plotly.react;
    // Dash's graph calls react(gd, figure); Plotly's own form is react(gd, data, layout, config).
    plotly.react = function (gd, figure, layout, config) {
      if (figure && !Array.isArray(figure) && figure.layout) {
        const drawn = shown(figure.layout, gd);
        gd.observatoryFigure = figure;
        gd.observatoryPhoneForm = drawn !== figure.layout;
        return react.call(this, gd, Object.assign({}, figure, {layout: drawn}));
      }
      return react.call(this, gd, figure, layout && shown(layout, gd), config);
    };
    plotly.observatoryPhone = true;
  }

  let plotly = window.Plotly;
  if (plotly) {
    hook(plotly);
  } else {
    // Dash loads plotly.js after the assets: catch it as it arrives.
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      enumerable: true,
      get: function () { return plotly; },
      set: function (value) { plotly = value; hook(value); },
    });
  }

  // A phone turned sideways (or a window resized) across a map's phone width: the map drawn again in its form.
  window.addEventListener("resize", function () {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      const figure = gd.observatoryFigure;
      const phone = figure && figure.layout.meta && figure.layout.meta.phone;
      if (!phone || !window.Plotly) return;
      const now = window.matchMedia("(max-width: " + phone.width + "px)").matches;
      if (now !== gd.observatoryPhoneForm) window.Plotly.react(gd, figure);
    });
  });
})();
