/*
 * Descent player: optimizer paths racing on contour maps, animated in the browser.
 *
 * Why a browser player: re-sending a Plotly figure per animation frame (or one copy of every
 * path prefix as Plotly frames) grows quadratically with the number of steps, and
 * Plotly.animate with redraw:false drops contour traces. Here the data arrives once; Plotly.js
 * paints each static map once, and the moving parts (paths, heads, arrows) are drawn on a
 * <canvas> laid over the plot area, so the contour is never touched during playback.
 *
 * Plain scripts, no bundler: each file adds its part to one namespace object,
 * window.DescentPlayer, in the order index.html loads them (the same order
 * viz.player.export.standalone_html inlines them, viz.player.component.FRONTEND_SCRIPTS):
 *   shared.js     the namespace and small helpers;
 *   player.js     the Player: takes a payload, owns the state, draws a frame;
 *   toolbar.js    the bar (buttons, scrubber, speed menu, arrows box) and page-wide keys;
 *   layout.js     columns, map sizes, fit-to-screen;
 *   heads.js      panel heads: names, loss readouts, divergence badges, the overlay legend;
 *   maps.js       Plotly contour maps and the canvas drawing of paths, heads, arrows, clouds, ghosts;
 *   losschart.js  the loss-versus-step chart under the race;
 *   clock.js      play, pause, seek, the animation frame loop;
 *   live.js       the live sliders: a family of runs morphed while a hyperparameter is dragged;
 *   host.js       the Streamlit components-v1 protocol and the offline export's boot.
 *
 * The payload's fields are described once, in viz/player/schema.py. The JS reads them only
 * through variables named after their kind (data, style, colors, grid, chart, run, ghost,
 * cloud, band): tests/test_player_schema.py scans for "<kind>.<field>" to check both sides agree.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer = global.DescentPlayer || {};

  // A word of the player in the visitor's language: the payload's texts by full catalog key
  // ("player.play"), "{name}" placeholders filled from values (numbers written by the caller).
  // A missing key shows the key itself, never "undefined" (tests keep the catalogs complete).
  NS.tr = function (data, key, values) {
    var texts = (data && data.texts) || {};
    var text = Object.prototype.hasOwnProperty.call(texts, key) ? texts[key] : key;
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  };

  NS.el = function (tag, attrs, parent) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "class") node.className = attrs[k];
        else if (k === "style") node.style.cssText = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    if (parent) parent.appendChild(node);
    return node;
  };

  // A number for a readout: four significant digits, exponents for the very small or large.
  NS.fmt = function (v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    return Number(v.toPrecision(4)).toString();
  };

  // A touch screen (phone, tablet): no keyboard hints, and a tap on a map does not move the
  // start unless "Set start" is on (a tap to look or a scroll must not change the run).
  NS.isTouch = function () {
    return !!(global.matchMedia && global.matchMedia("(pointer: coarse)").matches) ||
      (global.navigator && global.navigator.maxTouchPoints > 0);
  };

  // Typing in a text field keeps its keys; everything else on the page drives the player.
  NS.isTextField = function (t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable || t.tagName === "TEXTAREA") return true;
    if (t.tagName !== "INPUT") return false;
    return ["text", "number", "search", "email", "password", "url", "tel", ""].indexOf((t.type || "").toLowerCase()) >= 0 ||
      t.getAttribute("role") === "combobox";
  };

  NS.linspace = function (a, b, n) {
    var out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = n === 1 ? a : a + (b - a) * i / (n - 1);
    return out;
  };

  // How many of the sorted sample steps are at or before step s.
  NS.upto = function (steps, s) {
    var lo = 0, hi = steps.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (steps[mid] <= s) lo = mid + 1; else hi = mid; }
    return lo;
  };

  NS.diverged = function (run) { return run.diverged_at !== null; };
})(window);
