/*
 * Where the maps go and how big they are: one panel per run (or one overlay map) in a CSS grid
 * of columns that suits the width, each map sized so the whole race (the bar, every map, the
 * hint) fits the host window under Streamlit's header, for up to 6 optimizers in 3 columns and
 * for the overlay. A phone's single stacked column scrolls instead.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, el = NS.el, P = NS.Player.prototype;

  P._buildPanelArea = function () {
    this.legend = el("div", { class: "legend" }, this.root);
    this.panelsDiv = el("div", { class: "panels" }, this.root);
    this.hint = el("div", { class: "hint" }, this.root);
  };

  P._watchSize = function () {
    var self = this;
    if (global.ResizeObserver) {
      this._ro = new ResizeObserver(function () { self._resize(); });
      this._ro.observe(this.root);
    } else {
      global.addEventListener("resize", function () { self._resize(); });
    }
  };

  P._columns = function (n) {
    var width = this.root.clientWidth || 1000;
    if (this.data.mode === "overlay" || n <= 1) return 1;
    // Three runs (e.g. the mini-batch lesson's three batch sizes) stay in one row down to 860 px.
    var maxCols = width < 640 ? 1 : width < 980 ? (n === 3 && width >= 860 ? 3 : 2) : n === 4 ? 2 : n >= 7 ? 4 : 3;
    return Math.max(1, Math.min(n, maxCols));
  };

  // A least-squares surface brings its data: one more panel (grid mode) with each run's line.
  P._withSamples = function () {
    return !!this.data.samples && this.data.mode !== "overlay" && this.data.runs.length > 0;
  };

  // Cells of the panel grid: the runs' panels and the data panel.
  P._cells = function () {
    return this._panelGroups().length + (this._withSamples() ? 1 : 0);
  };

  // The runs of each panel: one run per panel, or every run on the one overlay map.
  P._panelGroups = function () {
    var runs = this.data.runs;
    if (this.data.mode === "overlay") return [runs];
    if (!runs.length) return [[]];
    return runs.map(function (run) { return [run]; });
  };

  P._buildPanels = function () {
    var self = this;
    this.panels.forEach(function (p) { try { global.Plotly.purge(p.gd); } catch (e) { /* ignore */ } });
    this.panels = [];
    this.panelsDiv.innerHTML = "";
    this.legend.innerHTML = "";
    var groups = this._panelGroups(), cells = this._cells();
    var cols = this._columns(cells);
    this.panelsDiv.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    var height = this._plotHeight(cells, cols);
    groups.forEach(function (runs, idx) {
      var panel = el("div", { class: "panel" }, self.panelsDiv);
      var p = { runs: runs, el: panel, badges: [] };
      self._buildHead(p);
      var wrap = el("div", { class: "plotwrap" }, panel);
      p.gd = el("div", { class: "plot", "data-panel": String(idx) }, wrap);
      p.canvas = el("canvas", { class: "overlay" }, wrap);
      p.ctx = p.canvas.getContext("2d");
      p.gd.style.height = height + "px";
      if (self.data.clickable) {
        p.gd.addEventListener("click", function (ev) { self._click(p, ev); });
        p.gd.style.cursor = self.touch && !self.setStart ? "" : "crosshair";
      }
      self.panels.push(p);
    });
    if (this._withSamples()) {
      var panel = el("div", { class: "panel datapanel" }, this.panelsDiv);
      var p = { runs: this.data.runs, el: panel, badges: [], isData: true };
      this._buildHead(p);
      var wrap = el("div", { class: "plotwrap" }, panel);
      p.gd = el("div", { class: "plot", "data-panel": "samples" }, wrap);
      p.canvas = el("canvas", { class: "overlay" }, wrap);
      p.ctx = p.canvas.getContext("2d");
      p.gd.style.height = height + "px";
      this.panels.push(p);
    }
    // Measure what is not map (bar, headers, hint) with every panel in place but no map drawn
    // yet, so each map is drawn once, at its final height: refitting after drawing re-rendered
    // every map (about 35 ms each in Chromium, on every first paint).
    this._updateHeads();
    if (this.panels.length) {
      this._chrome = this._chromeHeight(height, this._rows(cells, cols));
      height = this._plotHeight(cells, cols);
      this.panels.forEach(function (p) { p.gd.style.height = height + "px"; });
    }
    this.panels.forEach(function (p) { self._drawMap(p, height); });
    this._sizeCanvases();
    // Drawn at this width: the resize observer's first call must not draw every map again.
    this._lastWidth = this.root.clientWidth;
    this._chrome = undefined;
    this._refit();
  };

  P._plotHeight = function (n, cols) {
    var data = this.data, grid = data.grid;
    var width = (this.root.clientWidth || 1000) / cols;
    var aspect = (grid.y_max - grid.y_min) / Math.max(grid.x_max - grid.x_min, 1e-12);
    aspect = Math.min(Math.max(aspect, 0.55), 1.0);
    var h = width * aspect;
    var proj = data.style.projector ? 1.15 : 1.0;
    var single = data.mode === "overlay" || n <= 1;
    h = single ? Math.min(Math.max(h, 360), 620) * proj : Math.min(Math.max(h, 220), 440) * proj;
    // Fit the whole race (bar, every map, the hint) into one screen, so a class sees all maps
    // and the Play bar at once. Not for a phone's single stacked column: it scrolls anyway.
    if (single || cols > 1) {
      var rows = this._rows(n, cols);
      var chrome = this._chrome !== undefined ? this._chrome : 110 + rows * 40;
      var fit = Math.floor((this._viewportHeight() - chrome) / rows);
      h = Math.min(h, Math.max(fit, 160));
    }
    return Math.round(h);
  };

  // Height of the screen the race must fit: the host page's window below Streamlit's header.
  // On a projector, below what the page shows above the race too: a class cannot scroll the
  // teacher's screen, so every panel, the Play bar and the scrubber sit above the fold.
  P._viewportHeight = function () {
    try {
      if (global.parent !== global) {
        var doc = global.parent.document;
        var header = doc.querySelector('[data-testid="stHeader"]');
        var top = header ? header.getBoundingClientRect().height : 0;
        if (this.data && this.data.style.projector && global.frameElement) top = Math.max(top, pageTop(global.frameElement));
        return global.parent.innerHeight - top - 16;
      }
    } catch (e) { /* cross-origin host: fall back to our own frame */ }
    return (global.innerHeight || 800) - 16;
  };

  // Top of ``node`` in its page, however far the page is scrolled.
  function pageTop(node) {
    var top = node.getBoundingClientRect().top, up = node.parentElement;
    for (; up; up = up.parentElement) top += up.scrollTop;
    return top + (node.ownerDocument.defaultView.scrollY || 0);
  }

  // Rows of maps: n panels in cols columns (one for the overlay map).
  P._rows = function (n, cols) {
    return this.data.mode === "overlay" || n <= 1 ? 1 : Math.ceil(n / cols);
  };

  // Height of what is not map (bar, headers, hint) when ``rows`` rows of maps are ``mapHeight`` tall.
  P._chromeHeight = function (mapHeight, rows) {
    return Math.ceil(this.root.getBoundingClientRect().height) - rows * mapHeight;
  };

  // Re-measure what is not map (bar, legend, headers, hint) and resize the maps to fit.
  P._refit = function () {
    if (!this.data || !this.panels.length) return;
    var cells = this._cells();
    var cols = this._columns(cells);
    var current = this.panels[0].gd.clientHeight;
    var chrome = this._chromeHeight(current, this._rows(cells, cols));
    if (this._chrome !== undefined && Math.abs(chrome - this._chrome) <= 2) return;
    this._chrome = chrome;
    var h = this._plotHeight(cells, cols);
    if (h === current) return;
    this.panels.forEach(function (p) {
      p.gd.style.height = h + "px";
      global.Plotly.relayout(p.gd, { height: h });
    });
    this._sizeCanvases();
    this.draw(true);
  };

  P._sizeCanvases = function () {
    var dpr = global.devicePixelRatio || 1;
    this.panels.forEach(function (p) {
      var W = p.gd.clientWidth, H = p.gd.clientHeight;
      p.canvas.width = Math.max(1, Math.round(W * dpr));
      p.canvas.height = Math.max(1, Math.round(H * dpr));
      p.canvas.style.width = W + "px";
      p.canvas.style.height = H + "px";
      p.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    });
  };

  P._resize = function () {
    if (!this.data || !this.panels.length) return;
    var w = this.root.clientWidth;
    if (w === this._lastWidth) { this._height(); return; } // taller content (a wrapped readout): resize the frame
    this._lastWidth = w;
    var cells = this._cells();
    var cols = this._columns(cells);
    this.panelsDiv.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    var h = this._plotHeight(cells, cols);
    this.panels.forEach(function (p) {
      p.gd.style.height = h + "px";
      var w = p.gd.parentNode.clientWidth, fl = p.gd._fullLayout;
      if (fl && fl.width === w && fl.height === h) return; // this map already has that size
      global.Plotly.relayout(p.gd, { height: h, width: w });
    });
    this._sizeCanvases();
    this.draw(true);
    this._height();
  };

  // Refit the maps, then tell the host how tall the player is (the loss chart below included).
  P._height = function () {
    this._refit();
    var h = Math.ceil(this.root.getBoundingClientRect().height) + 12 + this.lossChart.height();
    if (this.hooks.onHeight) this.hooks.onHeight(h);
  };
})(window);
