/*
 * A map on a phone: the figure the server sends keeps a column beside the shapes for the legend written
 * into it (for its PNG); on a phone the legend reads under the map, so the shapes take the whole width,
 * and the title goes on its own lines under the toolbar instead of running beneath it. Called by a
 * clientside callback each time a map's figure changes (`dashboards/phone.py`); anything else is left as
 * the server drew it.
 */
(function () {
  "use strict";

  const ruler = document.createElement("canvas").getContext("2d");
  const PLOTLY_FONT = '"Open Sans", verdana, arial, sans-serif';

  /* The title's words in lines no wider than `width` pixels at `size`, as the browser measures them. */
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

  function phoneFigure(figure, graphId, options) {
    const keep = window.dash_clientside.no_update;
    const layout = figure && figure.layout;
    const graph = document.getElementById(graphId);
    if (!layout || !layout.geo || !graph || !window.matchMedia("(max-width: " + options.width + "px)").matches) {
      return keep;
    }
    const title = layout.title || {};
    const family = (title.font && title.font.family) || (layout.font && layout.font.family) || PLOTLY_FONT;
    const words = String(title.text || "").replace(/<br>/g, " ");
    const room = graph.clientWidth - 2 * options.inset;
    let size = options.font;
    let lines = wrap(words, size, family, room);
    while (lines.length > options.lines && size > options.smallest) {
      size -= 1;
      lines = wrap(words, size, family, room);
    }
    const text = lines.join("<br>");
    const domain = layout.geo.domain || {};
    const done = domain.x && domain.x[0] === 0 && domain.x[1] === 1 && title.text === text &&
      layout.margin && layout.margin.t === options.band;
    if (done) return keep;
    return Object.assign({}, figure, {
      layout: Object.assign({}, layout, {
        geo: Object.assign({}, layout.geo, {domain: {x: [0, 1], y: [0, 1]}}),
        margin: Object.assign({}, layout.margin, {t: options.band}),
        title: Object.assign({}, title, {
          text: text,
          font: Object.assign({}, title.font, {size: size}),
          x: 0,
          xref: "paper",
          xanchor: "left",
          y: 1,
          yref: "paper",
          yanchor: "bottom",
          pad: {b: options.gap, l: options.inset},
        }),
      }),
    });
  }

  window.observatoryMaps = Object.assign({}, window.observatoryMaps, {phoneFigure: phoneFigure});
})();
