/*
 * Descent player: optimizer paths racing on contour maps, animated in the browser.
 *
 * Why this file exists: re-sending a Plotly figure per animation frame (or one copy of every
 * path prefix as Plotly frames) grows quadratically with the number of steps, and
 * Plotly.animate with redraw:false drops contour traces. Here the data arrives once; Plotly.js
 * paints each static map (contour, minima, start) once, and the moving parts (paths, heads,
 * arrows) are drawn on a <canvas> laid over the plot area, so a frame costs a few canvas
 * polylines instead of a Plotly re-render and the contour is never touched during playback.
 *
 * Used two ways, with the same code:
 *   - as a Streamlit components-v1 static component (index.html): the v1 postMessage protocol
 *     is implemented by hand at the bottom of this file (no npm, no build step);
 *   - inlined in a standalone HTML export (window.DESCENT_STANDALONE_DATA), playing offline.
 *
 * Data format (built by viz/player/__init__.py, see player_payload there).
 */
(function (global) {
  "use strict";

  // Speeds, colours and sizes come from Python in the payload (data.speeds, data.colors,
  // data.style); the numbers below are only fallbacks for an old payload.
  var DOTS_MAX = 80; // draw a dot on every iterate for runs this short (textbook figures)

  function el(tag, attrs, parent) {
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
  }

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    return Number(v.toPrecision(4)).toString();
  }

  // A touch screen (phone, tablet): no keyboard hints, and a tap on a map does not move the
  // start unless "Set start" is on (a tap to look or a scroll must not change the run).
  function isTouch() {
    return !!(global.matchMedia && global.matchMedia("(pointer: coarse)").matches) ||
      (global.navigator && global.navigator.maxTouchPoints > 0);
  }

  // Typing in a text field keeps its keys; everything else on the page drives the player.
  function isTextField(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable || t.tagName === "TEXTAREA") return true;
    if (t.tagName !== "INPUT") return false;
    return ["text", "number", "search", "email", "password", "url", "tel", ""].indexOf((t.type || "").toLowerCase()) >= 0 ||
      t.getAttribute("role") === "combobox";
  }

  function linspace(a, b, n) {
    var out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = n === 1 ? a : a + (b - a) * i / (n - 1);
    return out;
  }

  function Player(root, hooks) {
    this.root = root;
    this.hooks = hooks || {};
    this.s = 0; // current (fractional) step
    this.playing = false;
    this.speed = null;
    this.showArrows = false;
    this.panels = [];
    this.data = null;
    this.layoutKey = null;
    this.seq = 0;
    this.lastK = -1;
    this.pendingStart = null;
    this.touch = isTouch();
    this.setStart = false;
    this.playback = null;
    this._tick = this._tick.bind(this);
    this._buildChrome();
  }

  Player.prototype._buildChrome = function () {
    var self = this;
    this.root.classList.add("descent-player");
    var bar = el("div", { class: "bar" }, this.root);
    this.playBtn = el("button", { class: "play", type: "button", text: "▶ Play", title: "Play / pause (space)" }, bar);
    this.resetBtn = el("button", { class: "reset", type: "button", text: "↺ Reset", title: "Back to step 0" }, bar);
    this.scrub = el("input", { class: "scrub", type: "range", min: "0", max: "1", step: "1", value: "0",
      "aria-label": "step" }, bar);
    this.stepLabel = el("span", { class: "steplabel", text: "step 0" }, bar);
    var sp = el("label", { class: "speed" }, bar);
    el("span", { text: "speed " }, sp);
    this.speedSel = el("select", { class: "speedsel", "aria-label": "animation speed (steps per second)" }, sp);
    el("span", { text: " steps/s" }, sp);
    var ar = el("label", { class: "arrows" }, bar);
    this.arrowsBox = el("input", { type: "checkbox", class: "arrowsbox" }, ar);
    el("span", { text: " arrows" }, ar);
    this.startBtn = el("button", { class: "setstart", type: "button", text: "⊕ Set start",
      title: "Then tap a map to start the runs there", "aria-pressed": "false" }, bar);
    this.startBtn.style.display = "none";
    this.arrowLegend = el("span", { class: "arrowlegend" }, bar);
    this.arrowLegend.style.display = "none";
    this.legend = el("div", { class: "legend" }, this.root);
    this.panelsDiv = el("div", { class: "panels" }, this.root);
    this.hint = el("div", { class: "hint" }, this.root);

    this.playBtn.addEventListener("click", function () { self.toggle(); });
    this.startBtn.addEventListener("click", function () {
      self.setStart = !self.setStart;
      self.startBtn.setAttribute("aria-pressed", String(self.setStart));
      self.startBtn.classList.toggle("on", self.setStart);
      self.panels.forEach(function (p) { p.gd.style.cursor = self.setStart ? "crosshair" : ""; });
    });
    this.resetBtn.addEventListener("click", function () { self.pause(false); self.seek(0); self._send(); });
    this.scrub.addEventListener("input", function () {
      self.pause(false);
      self.seek(parseInt(self.scrub.value, 10));
    });
    this.scrub.addEventListener("change", function () { self._send(); });
    this.speedSel.addEventListener("change", function () {
      self.speed = parseFloat(self.speedSel.value);
      if (self.playing) { self.s0 = self.s; self.t0 = performance.now(); }
    });
    this.arrowsBox.addEventListener("change", function () {
      self.showArrows = self.arrowsBox.checked;
      self._arrowLegend();
      self.draw(true);
      self._height();
      if (self.showArrows && !self.data.runs.some(function (r) { return r.grad; })) self._send(); // fetch them
    });
    this._onKey = function (ev) {
      var t = ev.target;
      if (isTextField(t) || t && t.tagName === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.code === "Space") {
        // Capture phase, default prevented: Space neither scrolls the page nor presses the
        // button or toggle clicked last (a button fires on Space's keyup, blocked below too).
        ev.preventDefault();
        ev.stopPropagation();
        if (ev.type === "keydown" && !ev.repeat) self.toggle();
      } else if (ev.type === "keydown" && (ev.code === "ArrowRight" || ev.code === "ArrowLeft")) {
        if (t && t.getAttribute && t.getAttribute("role") === "slider" && t !== self.scrub) return; // a focused slider keeps its arrows
        ev.preventDefault();
        self.pause(false);
        self.seek(Math.floor(self.s) + (ev.code === "ArrowRight" ? 1 : -1));
        self._send();
      }
    };
    this._keyDocs = [document];
    try { // the page around the component's iframe (same origin): keys work on the whole page
      if (global.parent !== global && global.parent.document) this._keyDocs.push(global.parent.document);
    } catch (e) { /* cross-origin host: keys work inside the player only */ }
    this._keyDocs.forEach(function (doc) {
      doc.addEventListener("keydown", self._onKey, true);
      doc.addEventListener("keyup", self._onKey, true);
    });
    global.addEventListener("pagehide", function () { self.detachKeys(); });
    if (global.ResizeObserver) {
      this._ro = new ResizeObserver(function () { self._resize(); });
      this._ro.observe(this.root);
    } else {
      global.addEventListener("resize", function () { self._resize(); });
    }
  };

  Player.prototype.detachKeys = function () {
    var self = this;
    (this._keyDocs || []).forEach(function (doc) {
      try { doc.removeEventListener("keydown", self._onKey, true); doc.removeEventListener("keyup", self._onKey, true); }
      catch (e) { /* the host page is gone */ }
    });
    this._keyDocs = [];
  };

  Player.prototype.setData = function (data) {
    var first = this.data === null;
    this.data = data;
    var S = data.steps;
    this.scrub.max = String(S);
    if (first) {
      this.showArrows = !!data.arrows;
      this.arrowsBox.checked = this.showArrows;
    }
    // A new race (another lesson preset, another step count) starts at step 0 at its own
    // default speed; the same race with new numbers keeps the step and the chosen speed.
    var fresh = data.playback !== this.playback;
    this.playback = data.playback;
    if (fresh) {
      if (this.playing) this.pause(false);
      this.s = 0;
      this.speed = null;
    }
    this.s = Math.min(this.s, S);
    var speeds = (data.speeds || [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]).slice();
    var def = data.speed || 10;
    if (speeds.indexOf(def) < 0) { speeds.push(def); speeds.sort(function (a, b) { return a - b; }); }
    if (this.speed === null) this.speed = def;
    if (speeds.indexOf(this.speed) < 0) { speeds.push(this.speed); speeds.sort(function (a, b) { return a - b; }); }
    this.speedSel.innerHTML = "";
    var self = this;
    speeds.forEach(function (v) {
      var o = el("option", { value: String(v), text: String(v) }, self.speedSel);
      if (v === self.speed) o.selected = true;
    });
    this.root.classList.toggle("projector", !!(data.style && data.style.projector));
    // Predict first: the runs are hidden (the payload holds only their start points), so there
    // is nothing to play until the student commits a prediction.
    this.hidden = !!data.hidden;
    if (this.hidden && this.playing) this.pause(false);
    if (this.hidden) this.s = 0;
    this.root.classList.toggle("hidden-runs", this.hidden);
    this.playBtn.disabled = this.hidden;
    this.scrub.disabled = this.hidden;
    this.arrowsBox.disabled = this.hidden;
    this.playBtn.title = this.hidden ? "Lock in your prediction first" : "Play / pause (space)";
    this.root.classList.toggle("touch", this.touch);
    this.startBtn.style.display = data.clickable && this.touch ? "" : "none";
    var how = this.hidden ? "" : this.touch ? (data.clickable ? "Tap “Set start”, then a map, to start from there." : "") :
      (data.clickable ? "Click a map to start from there. Space: play/pause, ←/→: one step." :
        "Space: play/pause, ←/→: one step.");
    this.hint.textContent = (how + (data.note ? "  " + data.note : "")).trim();
    this._arrowLegend();
    this.pendingStart = null;
    var key = JSON.stringify([data.grid_id, data.mode, data.runs.map(function (r) { return r.key; }),
      data.style, data.start, data.minima]);
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this._buildPanels();
    } else {
      this._updateHeaders();
    }
    if (this.playing) { this.s0 = this.s; this.t0 = performance.now(); }
    this.lastK = -1;
    this.draw(true);
    this._lossChart();
    this._height();
    if (fresh && this.hooks.onNewRace) this.hooks.onNewRace();
  };

  Player.prototype._colors = function () {
    var c = this.data.colors || {};
    return { minimum: c.minimum || "#FFD700", minimum_line: c.minimum_line || "#000", start: c.start || "#333333",
      gradient: c.gradient || "#444444" };
  };

  // The arrow legend: one entry per arrow kind, each with a drawn sample line, spaced apart.
  Player.prototype._arrowLegend = function () {
    var box = this.arrowLegend;
    box.innerHTML = "";
    box.style.display = this.showArrows && this.data ? "" : "none";
    if (!this.data) return;
    var grey = this._colors().gradient;
    var entries = [["dashed", grey, "−η·∇f (gradient step)"], ["solid", "#262730", "the actual step"]];
    if (this.data.runs.some(function (r) { return r.mom; })) entries.push(["dotted", "#262730", "−η·velocity (momentum)"]);
    entries.forEach(function (e) {
      var item = el("span", { class: "arrowkey" }, box);
      el("span", { class: "arrowsample", style: "border-top: 3px " + e[0] + " " + e[1] }, item);
      el("span", { text: e[2] }, item);
    });
    el("span", { class: "arrowscale" }, box);
  };

  Player.prototype._columns = function (n) {
    var width = this.root.clientWidth || 1000;
    if (this.data.mode === "overlay" || n <= 1) return 1;
    // Three runs (e.g. the mini-batch lesson's three batch sizes) stay in one row down to 860 px.
    var maxCols = width < 640 ? 1 : width < 980 ? (n === 3 && width >= 860 ? 3 : 2) : n === 4 ? 2 : n >= 7 ? 4 : 3;
    return Math.max(1, Math.min(n, maxCols));
  };

  Player.prototype._panelGroups = function () {
    var runs = this.data.runs;
    if (this.data.mode === "overlay") return [runs];
    if (!runs.length) return [[]];
    return runs.map(function (r) { return [r]; });
  };

  Player.prototype._buildPanels = function () {
    var d = this.data;
    this.panels.forEach(function (p) { try { global.Plotly.purge(p.gd); } catch (e) { /* ignore */ } });
    this.panels = [];
    this.panelsDiv.innerHTML = "";
    this.legend.innerHTML = "";
    var groups = this._panelGroups();
    var cols = this._columns(groups.length);
    this.panelsDiv.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    var g = d.grid;
    var xs = linspace(g.x0, g.x1, g.nx), ys = linspace(g.y0, g.y1, g.ny);
    var z = new Array(g.ny);
    for (var j = 0; j < g.ny; j++) z[j] = g.z.slice(j * g.nx, (j + 1) * g.nx);
    var st = d.style || {};
    var self = this;
    var mx = [], my = [];
    for (var m = 0; m + 1 < (d.minima || []).length; m += 2) { mx.push(d.minima[m]); my.push(d.minima[m + 1]); }
    var plots = []; // [traces, layout] per panel, drawn once every panel is in place (below)
    groups.forEach(function (runs, idx) {
      var panel = el("div", { class: "panel" }, self.panelsDiv);
      var head = el("div", { class: "phead" }, panel);
      var p = { runs: runs, el: panel, head: head, badges: [] };
      if (d.mode !== "overlay" && runs.length === 1) {
        var r = runs[0];
        el("span", { class: "swatch", style: "background:" + r.color }, head);
        p.name = el("span", { class: "pname", text: r.label, title: r.label, style: "color:" + r.color }, head);
        p.readout = el("span", { class: "readout" }, head);
      } else {
        p.readout = el("span", { class: "readout" }, head);
        head.style.display = d.runs.length ? "" : "none";
      }
      var wrap = el("div", { class: "plotwrap" }, panel);
      p.gd = el("div", { class: "plot", "data-panel": String(idx) }, wrap);
      p.canvas = el("canvas", { class: "overlay" }, wrap);
      p.ctx = p.canvas.getContext("2d");
      var traces = [
        {
          type: "contour", x: xs, y: ys, z: z, colorscale: d.colorscale, showscale: false,
          contours: { coloring: "fill", showlines: true, start: g.start, end: g.end, size: g.size },
          // No spline smoothing: on a 121 × 121 grid a segment is about 3 px, and smoothing every
          // level of every map took about a quarter of their first draw (profiled in Chromium, issue 10).
          line: { color: d.line_color || "rgba(60,60,60,0.35)", width: st.projector ? 1.6 : 1.0, smoothing: 0 },
          hoverinfo: "skip"
        },
        {
          type: "scatter", mode: "markers", x: mx, y: my, hoverinfo: "skip",
          marker: { symbol: "star", size: (st.marker || 7) * 2.2, color: self._colors().minimum,
            line: { color: self._colors().minimum_line, width: 1.2 } }
        },
        {
          type: "scatter", mode: "markers", x: [d.start[0]], y: [d.start[1]], hoverinfo: "skip",
          marker: { symbol: "circle-open", size: (st.marker || 7) * 1.8, color: self._colors().start, line: { width: st.line || 2 } }
        }
      ];
      var at = d.axis_titles || ["", ""], fs = st.font || 13;
      var layout = {
        margin: { l: (st.projector ? 60 : 45) + (at[1] ? fs + 6 : 0), r: st.projector ? 22 : 14, t: 6,
          b: (st.projector ? 45 : 32) + (at[0] ? fs + 6 : 0) },
        xaxis: { range: [g.x0, g.x1], fixedrange: true, showgrid: false, zeroline: false, automargin: false,
          ticks: "outside", tickfont: { size: fs }, title: { text: at[0], font: { size: fs }, standoff: 4 } },
        yaxis: { range: [g.y0, g.y1], fixedrange: true, showgrid: false, zeroline: false, automargin: false,
          ticks: "outside", tickfont: { size: fs }, title: { text: at[1], font: { size: fs }, standoff: 4 } },
        dragmode: false, hovermode: false, showlegend: false,
        paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
        height: self._plotHeight(groups.length, cols)
      };
      p.gd.style.height = layout.height + "px";
      plots.push([traces, layout]);
      if (d.clickable) {
        p.gd.addEventListener("click", function (ev) { self._click(p, ev); });
        p.gd.style.cursor = self.touch && !self.setStart ? "" : "crosshair";
      }
      self.panels.push(p);
    });
    // Measure what is not map (bar, headers, hint) with every panel in place but no map drawn
    // yet, so each map is drawn once, at its final height: refitting after drawing re-rendered
    // every map (about 35 ms each in Chromium, on every first paint; issue 10).
    this._updateHeaders();
    if (plots.length) {
      this._chrome = this._chromeHeight(plots[0][1].height, this._rows(groups.length, cols));
      var h = this._plotHeight(groups.length, cols);
      plots.forEach(function (pl, k) { pl[1].height = h; self.panels[k].gd.style.height = h + "px"; });
    }
    plots.forEach(function (pl, k) {
      global.Plotly.newPlot(self.panels[k].gd, pl[0], pl[1], { displayModeBar: false, responsive: false,
        doubleClick: false, scrollZoom: false, showTips: false });
    });
    this._sizeCanvases();
    // Drawn at this width: the resize observer's first call must not draw every map again.
    this._lastWidth = this.root.clientWidth;
    this._chrome = undefined;
    this._refit();
  };

  Player.prototype._plotHeight = function (n, cols) {
    var d = this.data;
    var width = (this.root.clientWidth || 1000) / cols;
    var aspect = (d.grid.y1 - d.grid.y0) / Math.max(d.grid.x1 - d.grid.x0, 1e-12);
    aspect = Math.min(Math.max(aspect, 0.55), 1.0);
    var h = width * aspect;
    var proj = d.style && d.style.projector ? 1.15 : 1.0;
    var single = d.mode === "overlay" || n <= 1;
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
  Player.prototype._viewportHeight = function () {
    try {
      if (global.parent !== global) {
        var doc = global.parent.document;
        var header = doc.querySelector('[data-testid="stHeader"]');
        var top = header ? header.getBoundingClientRect().height : 0;
        return global.parent.innerHeight - top - 16;
      }
    } catch (e) { /* cross-origin host: fall back to our own frame */ }
    return (global.innerHeight || 800) - 16;
  };

  // Rows of maps: n panels in cols columns (one for the overlay map).
  Player.prototype._rows = function (n, cols) {
    return this.data.mode === "overlay" || n <= 1 ? 1 : Math.ceil(n / cols);
  };

  // Height of what is not map (bar, headers, hint) when ``rows`` rows of maps are ``mapHeight`` tall.
  Player.prototype._chromeHeight = function (mapHeight, rows) {
    return Math.ceil(this.root.getBoundingClientRect().height) - rows * mapHeight;
  };

  // Re-measure what is not map (bar, legend, headers, hint) and resize the maps to fit.
  Player.prototype._refit = function () {
    if (!this.data || !this.panels.length) return;
    var groups = this._panelGroups();
    var cols = this._columns(groups.length);
    var current = this.panels[0].gd.clientHeight;
    var chrome = this._chromeHeight(current, this._rows(groups.length, cols));
    if (this._chrome !== undefined && Math.abs(chrome - this._chrome) <= 2) return;
    this._chrome = chrome;
    var h = this._plotHeight(groups.length, cols);
    if (h === current) return;
    this.panels.forEach(function (p) {
      p.gd.style.height = h + "px";
      global.Plotly.relayout(p.gd, { height: h });
    });
    this._sizeCanvases();
    this.draw(true);
  };

  // Plot-area geometry in CSS pixels of the panel's plot div.
  Player.prototype._geom = function (p) {
    var fl = p.gd._fullLayout;
    var size = fl && fl._size;
    var W = p.gd.clientWidth, H = p.gd.clientHeight;
    var l, t, w, h;
    if (size) { l = size.l; t = size.t; w = size.w; h = size.h; }
    else { l = 45; t = 6; w = W - 53; h = H - 38; }
    var g = this.data.grid;
    return {
      l: l, t: t, w: w, h: h,
      X: function (x) { return l + (x - g.x0) / (g.x1 - g.x0) * w; },
      Y: function (y) { return t + (1 - (y - g.y0) / (g.y1 - g.y0)) * h; },
      x: function (px) { return g.x0 + (px - l) / w * (g.x1 - g.x0); },
      y: function (py) { return g.y0 + (1 - (py - t) / h) * (g.y1 - g.y0); }
    };
  };

  Player.prototype._sizeCanvases = function () {
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

  Player.prototype._resize = function () {
    if (!this.data || !this.panels.length) return;
    var w = this.root.clientWidth;
    if (w === this._lastWidth) { this._height(); return; } // taller content (a wrapped readout): resize the frame
    this._lastWidth = w;
    var groups = this._panelGroups();
    var cols = this._columns(groups.length);
    this.panelsDiv.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    var h = this._plotHeight(groups.length, cols);
    var self = this;
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

  Player.prototype._height = function () {
    this._refit();
    var h = Math.ceil(this.root.getBoundingClientRect().height) + 12;
    if (this.lossDiv && this.lossDiv.style.display !== "none") h += Math.ceil(this.lossDiv.getBoundingClientRect().height) + 8;
    if (this.hooks.onHeight) this.hooks.onHeight(h);
  };

  // ------------------------------------------------------------------ loss chart (issue 10)
  // Loss versus step under the race, drawn with the plotly.js the player loads anyway, so the
  // Compare page needs no second Plotly bundle and the server builds no plotly figure per rerun.
  // Python decides the numbers and words (viz.paths.LossScale: axis type, title, the plotted
  // f − f*); this lays them out like viz.paths.loss_figure. It sits after the root, outside what
  // the fit-to-screen sizing of the maps measures: the race still fits one screen above it.
  Player.prototype._lossChart = function () {
    var d = this.data, lc = d && d.loss_chart;
    if (!lc || d.hidden || !d.runs.length) {
      this.lossPending = null;
      if (this.lossDiv) {
        try { global.Plotly.purge(this.lossDiv); } catch (e) { /* ignore */ }
        this.lossDiv.style.display = "none";
      }
      return;
    }
    if (!this.lossDiv) {
      this.lossDiv = el("div", { class: "losschart" });
      this.root.parentNode.insertBefore(this.lossDiv, this.root.nextSibling);
      this._watchLossChart();
    }
    this.lossDiv.style.display = "";
    this.lossDiv.style.minHeight = lc.height + "px"; // its room is kept while it waits to be drawn
    var st = d.style || {}, fs = st.font || 13, lw = st.line || 2, mk = st.marker || 7;
    var traces = [], tail = [];
    function steps(c, n) {
      if (c.x) return c.x;
      var x = new Array(n);
      for (var i = 0; i < n; i++) x[i] = i;
      return x;
    }
    // A run's plotted values: sent when f* ≠ 0 (f − f* from Python), else its own loss, floored on
    // the log axis (viz.paths.LossScale.shown with f* = 0).
    function values(c, loss) {
      if (c.y) return c.y;
      return !lc.log ? loss : loss.map(function (v) { return v === null ? null : Math.max(v, lc.floor || 1e-16); });
    }
    function curve(r, c, loss, label, div, ghost) {
      var y = values(c, loss), x = steps(c, y.length);
      tail.push({ type: "scatter", mode: "lines", x: x, y: y, name: label, legendgroup: r.key,
        line: { color: r.color, width: lw * (ghost ? 0.7 : 1.0), dash: ghost ? "dash" : "solid" },
        opacity: ghost ? 0.6 : 1.0, hovertemplate: label + "<br>step %{x}<br>%{y:.4g}<extra></extra>" });
      if (div !== null && div !== undefined) {
        tail.push({ type: "scatter", mode: "markers", x: [x[x.length - 1]], y: [y[y.length - 1]],
          marker: { symbol: "x", size: mk * 1.6, color: d.diverged_color || "#D62728" },
          name: label + ": diverged at step " + div, legendgroup: r.key, showlegend: false,
          hovertemplate: label + " diverged at step " + div + "<extra></extra>" });
      }
    }
    d.runs.forEach(function (r) {
      var c = r.cloud && r.cloud.lc;
      if (!c) return;
      traces.push({ type: "scatter", mode: "lines", x: c.x, y: c.q75, line: { width: 0 }, showlegend: false,
        hoverinfo: "skip", legendgroup: r.key });
      traces.push({ type: "scatter", mode: "lines", x: c.x, y: c.q25, line: { width: 0 }, fill: "tonexty",
        fillcolor: c.fill, name: c.name + ": middle 50% of runs", legendgroup: r.key, hoverinfo: "skip",
        showlegend: false });
      traces.push({ type: "scatter", mode: "lines", x: c.x, y: c.med, name: c.name, legendgroup: r.key,
        line: { color: r.color, width: lw * 0.8, dash: "dot" },
        hovertemplate: c.name + " median<br>step %{x}<br>%{y:.4g}<extra></extra>" });
    });
    d.runs.forEach(function (r) { if (r.lc) curve(r, r.lc, r.loss, r.label, r.div, false); });
    d.runs.forEach(function (r) {
      if (r.ghost && r.ghost.lc) curve(r, r.ghost.lc, r.ghost.loss, r.ghost.label, r.ghost.div, true);
    });
    var grid = "#e6e9ef", font = { size: fs + 1 };
    var layout = {
      height: lc.height, margin: { l: 60, r: 20, t: 20, b: 50 },
      font: { size: fs, color: "#262730", family: "\"Source Sans Pro\", \"Source Sans 3\", system-ui, sans-serif" },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      hovermode: lc.unified ? "x unified" : "closest",
      legend: { orientation: "h", yanchor: "bottom", y: 1.01, xanchor: "left", x: 0, font: { size: fs } },
      // automargin: the projector's 20-px ticks (10⁻¹⁰) need more room than the margins above.
      xaxis: { title: { text: "step", font: font }, tickfont: { size: fs }, gridcolor: grid, zeroline: false,
        automargin: true },
      yaxis: { type: lc.log ? "log" : "linear", title: { text: lc.title, font: font, standoff: 8 },
        tickfont: { size: fs }, exponentformat: lc.log ? "power" : "B", gridcolor: grid, zeroline: false,
        automargin: true }
    };
    this.lossPending = [traces.concat(tail), layout];
    if (this.lossOnScreen) this._drawLossChart();
  };

  // The chart is drawn when it is on screen (or about to be), and only then: under the maps it is
  // usually below the fold, and redrawing it was about 45 ms of every slider change in Chromium
  // (issue 10). Without IntersectionObserver it is drawn at once.
  Player.prototype._watchLossChart = function () {
    var self = this;
    if (!global.IntersectionObserver) { this.lossOnScreen = true; return; }
    this.lossOnScreen = false;
    new global.IntersectionObserver(function (entries) {
      self.lossOnScreen = entries[entries.length - 1].isIntersecting;
      if (self.lossOnScreen) self._drawLossChart();
    }, { rootMargin: "200px" }).observe(this.lossDiv);
  };

  Player.prototype._drawLossChart = function () {
    var pending = this.lossPending;
    if (!pending) return;
    this.lossPending = null;
    global.Plotly.react(this.lossDiv, pending[0], pending[1], { displaylogo: false, responsive: true });
  };

  Player.prototype._click = function (p, ev) {
    if (this.touch && !this.setStart) return; // a tap to look, or the end of a scroll: not a new start
    var rect = p.gd.getBoundingClientRect();
    var G = this._geom(p);
    var px = ev.clientX - rect.left, py = ev.clientY - rect.top;
    if (px < G.l || px > G.l + G.w || py < G.t || py > G.t + G.h) return;
    var x = Number(G.x(px).toPrecision(3)), y = Number(G.y(py).toPrecision(3));
    this.pendingStart = [x, y];
    if (this.setStart) this.startBtn.click(); // one start per "Set start"
    this.draw(true);
    this._send([x, y]);
  };

  Player.prototype._send = function (click) {
    if (!this.hooks.onValue) return;
    this.seq += 1;
    // "arrows": the page records gradients and optimizer states only while they are drawn.
    this.hooks.onValue({ step: Math.floor(this.s), click: click || null, seq: this.seq, arrows: this.showArrows });
  };

  Player.prototype.toggle = function () { if (this.playing) this.pause(true); else this.play(); };

  Player.prototype.play = function () {
    if (!this.data || this.hidden) return;
    if (this.s >= this.data.steps) this.s = 0;
    this.playing = true;
    this.playBtn.textContent = "❚❚ Pause";
    this.playBtn.classList.add("playing");
    this.s0 = this.s;
    this.t0 = performance.now();
    if (!this._raf) this._raf = global.requestAnimationFrame(this._tick);
  };

  Player.prototype.pause = function (send) {
    var was = this.playing;
    this.playing = false;
    this.playBtn.textContent = "▶ Play";
    this.playBtn.classList.remove("playing");
    if (this._raf) { global.cancelAnimationFrame(this._raf); this._raf = null; }
    if (was) { this.s = Math.floor(this.s); this.draw(true); }
    if (was && send) this._send();
  };

  Player.prototype._tick = function (now) {
    this._raf = null;
    if (!this.playing) return;
    var S = this.data.steps;
    this.s = this.s0 + (now - this.t0) / 1000 * this.speed;
    if (this.s >= S) {
      this.s = S;
      this.draw(false);
      this.pause(true);
      return;
    }
    this.draw(false);
    this._raf = global.requestAnimationFrame(this._tick);
  };

  Player.prototype.seek = function (k) {
    if (!this.data || this.hidden) return;
    this.s = Math.max(0, Math.min(this.data.steps, k));
    this.draw(true);
  };

  // Position of run r at fractional step s (the head glides between iterates).
  function headAt(r, s) {
    var m = r.n - 1;
    var k = Math.min(Math.floor(s), m);
    var x = r.xy[2 * k], y = r.xy[2 * k + 1];
    if (k < m && s > k) {
      var f = Math.min(s - k, 1);
      x += (r.xy[2 * k + 2] - x) * f;
      y += (r.xy[2 * k + 3] - y) * f;
    }
    return [x, y, k];
  }

  // A comparison run (e.g. the same optimizer with a constant learning rate): faint, dashed.
  Player.prototype._drawGhost = function (ctx, G, gh, color, s, st) {
    var k = Math.min(Math.floor(s), gh.n - 1);
    ctx.save();
    ctx.globalAlpha = 0.45;
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(1, (st.line || 2) * 0.7);
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(G.X(gh.xy[0]), G.Y(gh.xy[1]));
    for (var i = 1; i <= k; i++) ctx.lineTo(G.X(gh.xy[2 * i]), G.Y(gh.xy[2 * i + 1]));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.arc(G.X(gh.xy[2 * k]), G.Y(gh.xy[2 * k + 1]), Math.max(3, (st.marker || 7) * 0.5), 0, 2 * Math.PI);
    ctx.fillStyle = color;
    ctx.fill();
    ctx.restore();
  };

  // How many of the sorted sample steps idx are at or before step s.
  function upto(idx, s) {
    var lo = 0, hi = idx.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (idx[mid] <= s) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // A noise cloud: k seeded runs as faint lines (denser where more runs went), a small dot
  // where each one is now, and their median path, dotted with a white casing, on top.
  Player.prototype._drawCloud = function (ctx, G, c, color, s, st) {
    var n = c.n, m = upto(c.idx, s);
    if (m < 1 || !c.k) return;
    var lw = st.line || 2, i, j, o;
    ctx.save();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.setLineDash([]);
    ctx.strokeStyle = color;
    ctx.globalAlpha = Math.min(0.35, Math.max(0.12, 1.6 / Math.sqrt(c.k)));
    ctx.lineWidth = Math.max(1, lw * 0.5);
    for (j = 0; j < c.k; j++) {
      o = 2 * j * n;
      ctx.beginPath();
      ctx.moveTo(G.X(c.xy[o]), G.Y(c.xy[o + 1]));
      for (i = 1; i < m; i++) ctx.lineTo(G.X(c.xy[o + 2 * i]), G.Y(c.xy[o + 2 * i + 1]));
      ctx.stroke();
    }
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = color;
    var rad = Math.max(1.5, (st.marker || 7) * 0.28);
    for (j = 0; j < c.k; j++) {
      o = 2 * (j * n + m - 1);
      ctx.beginPath();
      ctx.arc(G.X(c.xy[o]), G.Y(c.xy[o + 1]), rad, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(G.X(c.med[0]), G.Y(c.med[1]));
    for (i = 1; i < m; i++) ctx.lineTo(G.X(c.med[2 * i]), G.Y(c.med[2 * i + 1]));
    ctx.strokeStyle = "rgba(255,255,255,0.6)";
    ctx.lineWidth = lw * 1.6 + 2;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = lw * 1.6;
    ctx.setLineDash([0.1, lw * 2.4]);
    ctx.stroke();
    ctx.restore();
  };

  Player.prototype._drawRun = function (ctx, G, r, s, st) {
    if (r.ghost) this._drawGhost(ctx, G, r.ghost, r.color, s, st);
    var m = r.n - 1;
    var head = headAt(r, s);
    var k = head[2];
    var lw = st.line || 2;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.strokeStyle = r.color;
    ctx.lineWidth = lw;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(G.X(r.xy[0]), G.Y(r.xy[1]));
    for (var i = 1; i <= k; i++) ctx.lineTo(G.X(r.xy[2 * i]), G.Y(r.xy[2 * i + 1]));
    ctx.lineTo(G.X(head[0]), G.Y(head[1]));
    ctx.stroke();
    var dot = Math.max(2, (st.marker || 7) * 0.35);
    if (r.n <= DOTS_MAX) {
      ctx.fillStyle = r.color;
      for (var j = 0; j <= k; j++) {
        ctx.beginPath();
        ctx.arc(G.X(r.xy[2 * j]), G.Y(r.xy[2 * j + 1]), dot, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    var diverged = r.div !== null && r.div !== undefined;
    var reached = diverged && Math.floor(s) >= r.div;
    if (reached && m >= 1) {
      // Red dashed last segment and a red cross: this is where the run left the finite world.
      ctx.strokeStyle = this.data.diverged_color;
      ctx.lineWidth = lw * 1.2;
      ctx.setLineDash([6, 5]);
      ctx.beginPath();
      ctx.moveTo(G.X(r.xy[2 * m - 2]), G.Y(r.xy[2 * m - 1]));
      ctx.lineTo(G.X(r.xy[2 * m]), G.Y(r.xy[2 * m + 1]));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    var hx = G.X(head[0]), hy = G.Y(head[1]);
    var rad = Math.max(4, (st.marker || 7) * 0.75);
    if (!(hx >= G.l && hx <= G.l + G.w && hy >= G.t && hy <= G.t + G.h)) {
      this._offMap(ctx, G, hx, hy, reached ? this.data.diverged_color : r.color, rad);
    }
    if (reached) {
      ctx.strokeStyle = this.data.diverged_color;
      ctx.lineWidth = Math.max(2.5, lw);
      ctx.beginPath();
      ctx.moveTo(hx - rad * 1.3, hy - rad * 1.3); ctx.lineTo(hx + rad * 1.3, hy + rad * 1.3);
      ctx.moveTo(hx - rad * 1.3, hy + rad * 1.3); ctx.lineTo(hx + rad * 1.3, hy - rad * 1.3);
      ctx.stroke();
    } else {
      ctx.beginPath();
      ctx.arc(hx, hy, rad, 0, 2 * Math.PI);
      ctx.fillStyle = r.color;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
    return { k: k, x: head[0], y: head[1], off: head[0] < this.data.grid.x0 || head[0] > this.data.grid.x1 ||
      head[1] < this.data.grid.y0 || head[1] > this.data.grid.y1 };
  };

  // The head left the map: a triangle on the border points to where it went.
  Player.prototype._offMap = function (ctx, G, hx, hy, color, rad) {
    if (!isFinite(hx) || !isFinite(hy)) return;
    var m = rad * 1.6;
    var cx = Math.min(Math.max(hx, G.l + m), G.l + G.w - m);
    var cy = Math.min(Math.max(hy, G.t + m), G.t + G.h - m);
    var a = Math.atan2(hy - cy, hx - cx), s = rad * 1.6;
    ctx.beginPath();
    ctx.moveTo(cx + s * Math.cos(a), cy + s * Math.sin(a));
    ctx.lineTo(cx + s * Math.cos(a + 2.4), cy + s * Math.sin(a + 2.4));
    ctx.lineTo(cx + s * Math.cos(a - 2.4), cy + s * Math.sin(a - 2.4));
    ctx.closePath();
    ctx.fillStyle = color;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
  };

  function arrow(ctx, x0, y0, x1, y1, color, width, dash, maxLen) {
    var dx = x1 - x0, dy = y1 - y0;
    var len = Math.sqrt(dx * dx + dy * dy);
    if (!(len > 0.5)) return;
    if (len > maxLen) { dx *= maxLen / len; dy *= maxLen / len; len = maxLen; }
    x1 = x0 + dx; y1 = y0 + dy;
    ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width;
    ctx.setLineDash(dash || []);
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
    ctx.setLineDash([]);
    var hl = Math.min(6 + width * 2, len * 0.5), a = Math.atan2(dy, dx);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - hl * Math.cos(a - 0.4), y1 - hl * Math.sin(a - 0.4));
    ctx.lineTo(x1 - hl * Math.cos(a + 0.4), y1 - hl * Math.sin(a + 0.4));
    ctx.closePath(); ctx.fill();
  }

  // The arrows of run r for the update leaving step k, in pixels relative to its iterate:
  // −η∇f, the actual step and −η·velocity (runs whose optimizer declares a velocity).
  Player.prototype._arrowVectors = function (G, r, k) {
    if (!r.grad || k >= r.n - 1) return null;
    var x = r.xy[2 * k], y = r.xy[2 * k + 1];
    var lr = Array.isArray(r.lr) ? r.lr[k] : r.lr;
    var X0 = G.X(x), Y0 = G.Y(y);
    function px(dx, dy) { return [G.X(x + dx) - X0, G.Y(y + dy) - Y0]; }
    var out = { x0: X0, y0: Y0, grad: px(-lr * r.grad[2 * k], -lr * r.grad[2 * k + 1]),
      step: px(r.xy[2 * k + 2] - x, r.xy[2 * k + 3] - y), mom: r.mom ? px(r.mom[2 * k], r.mom[2 * k + 1]) : null };
    if (![out.grad, out.step, out.mom].every(function (v) { return !v || isFinite(v[0]) && isFinite(v[1]); })) return null;
    return out;
  };

  function vlen(v) { return v ? Math.sqrt(v[0] * v[0] + v[1] * v[1]) : 0; }

  // Arrows for every run of a panel, all magnified by one factor (so they stay comparable) such
  // that the longest is at least style.arrow_min_px long: late in a run the steps are a pixel
  // or two and would hide under the head dot. Too long arrows shrink to fit the map. Returns the
  // factor (the readout says "arrows ×k") and records the drawn lengths for the tests.
  Player.prototype._drawArrows = function (ctx, G, p, heads, st) {
    var self = this;
    var vecs = p.runs.map(function (r, i) { return self._arrowVectors(G, r, heads[i].k); });
    var longest = 0;
    vecs.forEach(function (v) { if (v) longest = Math.max(longest, vlen(v.grad), vlen(v.step), vlen(v.mom)); });
    if (!(longest > 0)) { p.canvas.removeAttribute("data-arrow-px"); return 1; }
    var minPx = st.arrow_min_px || 40, maxPx = 0.45 * Math.min(G.w, G.h);
    var scale = longest < minPx ? minPx / longest : longest > maxPx ? maxPx / longest : 1;
    var w = st.arrow_width || 2, grey = this._colors().gradient, drawn = [];
    vecs.forEach(function (v, i) {
      if (!v) return;
      var r = p.runs[i];
      function go(vec, color, width, dash) {
        arrow(ctx, v.x0, v.y0, v.x0 + vec[0] * scale, v.y0 + vec[1] * scale, color, width, dash, Infinity);
      }
      go(v.grad, grey, w, [5, 4]);
      if (v.mom) go(v.mom, r.color, w, [2, 4]);
      go(v.step, r.color, w * 1.3, null);
      drawn.push(scale * Math.max(vlen(v.grad), vlen(v.step), vlen(v.mom)));
    });
    p.canvas.setAttribute("data-arrow-px", drawn.length ? String(Math.round(Math.min.apply(null, drawn))) : "");
    return scale;
  };

  Player.prototype.draw = function (force) {
    if (!this.data) return;
    var s = this.s, st = this.data.style || {};
    var k = Math.floor(s);
    var self = this;
    this.panels.forEach(function (p) {
      var G = self._geom(p);
      var ctx = p.ctx;
      ctx.clearRect(0, 0, p.canvas.width, p.canvas.height);
      ctx.save();
      ctx.beginPath(); ctx.rect(G.l, G.t, G.w, G.h); ctx.clip();
      var heads = [];
      if (!self.hidden) {
        p.runs.forEach(function (r) { if (r.cloud) self._drawCloud(ctx, G, r.cloud, r.color, s, st); });
        heads = p.runs.map(function (r) { return self._drawRun(ctx, G, r, s, st); });
      }
      p.arrowScale = self.showArrows && !self.hidden ? self._drawArrows(ctx, G, p, heads, st) : 1;
      if (self.pendingStart) {
        ctx.strokeStyle = "#333"; ctx.lineWidth = 2; ctx.setLineDash([3, 3]);
        ctx.beginPath(); ctx.arc(G.X(self.pendingStart[0]), G.Y(self.pendingStart[1]), 10, 0, 2 * Math.PI); ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.restore();
      p.drawnStep = k;
      p.canvas.setAttribute("data-step", String(k));
      if (force || k !== self.lastK) self._readout(p, heads, k);
    });
    if (force || k !== this.lastK) {
      this.scrub.value = String(Math.min(k, this.data.steps));
      this.stepLabel.textContent = "step " + k + " / " + this.data.steps;
      this.root.setAttribute("data-step", String(k));
    }
    this.lastK = k;
  };

  Player.prototype._readout = function (p, heads, k) {
    if (!p.readout) return;
    var self = this;
    if (this.hidden) { p.readout.textContent = ""; return; }
    if (p.runs.length === 1) {
      var r = p.runs[0], h = heads[0];
      var kk = Math.min(k, r.n - 1);
      var text = "f = " + fmt(r.loss[kk]) + (h.off ? "  (off the map)" : "");
      if (r.cloud && r.cloud.n) {
        var mi = Math.max(0, upto(r.cloud.idx, k) - 1);
        text += "  ·  median " + fmt(r.cloud.mloss[mi]);
      }
      p.readout.textContent = text + self._scaleText(p);
    } else {
      p.readout.textContent = self._scaleText(p).trim();
    }
    p.badges.forEach(function (b) { b.el.classList.toggle("reached", k >= b.run.div); });
    p.el.classList.toggle("diverged", p.runs.length === 1 && p.runs[0].div !== null &&
      p.runs[0].div !== undefined && k >= p.runs[0].div);
    if (this.data.mode === "overlay") {
      var chips = this.legend.querySelectorAll(".chip");
      this.data.runs.forEach(function (r, i) {
        var b = chips[i] && chips[i].querySelector(".badge");
        if (b) b.classList.toggle("reached", k >= r.div);
      });
    }
    void self;
  };

  Player.prototype._scaleText = function (p) {
    var f = p.arrowScale || 1;
    if (!this.showArrows || Math.abs(f - 1) < 0.05) return "";
    return "  ·  arrows ×" + (f >= 10 ? Math.round(f) : f.toPrecision(2));
  };

  Player.prototype._updateHeaders = function () {
    var self = this;
    this.panels.forEach(function (p) {
      // Same runs and layout, new numbers (e.g. a learning-rate change): refresh badges.
      if (p.runs.length === 1) {
        var key = p.runs[0].key;
        var fresh = self.data.runs.filter(function (r) { return r.key === key; })[0];
        if (fresh) p.runs = [fresh];
        p.badges.forEach(function (b) { b.el.remove(); });
        p.badges = [];
        var r = p.runs[0];
        if (r.div !== null && r.div !== undefined) {
          p.badges.push({ run: r, el: el("span", { class: "badge", text: "diverged at step " + r.div }, p.head) });
        }
      } else {
        p.runs = self.data.runs;
      }
    });
    if (this.data.mode === "overlay" && this.panels.length) {
      this.legend.innerHTML = "";
      this.data.runs.forEach(function (r) {
        var chip = el("span", { class: "chip" }, self.legend);
        el("span", { class: "swatch", style: "background:" + r.color }, chip);
        el("span", { class: "chipname", text: r.label }, chip);
        if (r.div !== null && r.div !== undefined) el("span", { class: "badge", text: "diverged at step " + r.div }, chip);
      });
    }
  };

  global.DescentPlayer = {
    Player: Player,
    mount: function (root, data, hooks) {
      var p = new Player(root, hooks);
      p.setData(data);
      return p;
    }
  };

  // ---------------------------------------------------------------- Streamlit (components v1)
  // The protocol, implemented by hand: announce readiness, receive "streamlit:render" with the
  // args, report the frame height and send values back as JSON.
  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    Object.keys(extra || {}).forEach(function (k) { msg[k] = extra[k]; });
    global.parent.postMessage(msg, "*");
  }

  // On a narrow screen (a phone) the sidebar covers most of the page: fold it away whenever a
  // new race arrives (page load, a lesson preset picked in the sidebar). Streamlit has no API
  // to collapse the sidebar from Python after the first load, so the player presses its button.
  function collapseSidebarIfNarrow() {
    try {
      var win = global.parent, doc = win.document;
      if (win.innerWidth >= 768) return;
      var bar = doc.querySelector('[data-testid="stSidebar"]');
      if (!bar || bar.getAttribute("data-collapsed") === "true" || bar.getAttribute("aria-expanded") === "false" ||
        bar.getBoundingClientRect().right <= 0) return;
      var btn = doc.querySelector('[data-testid="stSidebarCollapseButton"] button') ||
        doc.querySelector('[data-testid="stSidebarCollapseButton"]');
      if (btn) btn.click();
    } catch (e) { /* cross-origin host: leave the sidebar alone */ }
  }

  function startStreamlit() {
    var root = document.getElementById("root");
    var player = null, lastId = null, lastHeight = -1;
    var hooks = {
      onValue: function (value) { post("streamlit:setComponentValue", { value: value, dataType: "json" }); },
      onHeight: function (h) {
        if (h !== lastHeight) { lastHeight = h; post("streamlit:setFrameHeight", { height: h }); }
      },
      onNewRace: collapseSidebarIfNarrow
    };
    global.addEventListener("message", function (ev) {
      var msg = ev.data;
      if (!msg || msg.type !== "streamlit:render") return;
      var args = msg.args || {};
      // Identical data (a rerun for an unrelated widget): keep playing, do not reset.
      if (args.data_id !== undefined && args.data_id === lastId) return;
      lastId = args.data_id;
      var data;
      try {
        // The data arrives as bytes (a binary argument: see viz.player.player), JSON inside.
        data = JSON.parse(typeof args.data === "string" ? args.data : new TextDecoder().decode(args.data));
      } catch (e) { root.textContent = "Player: bad data (" + e + ")"; return; }
      if (!player) player = global.DescentPlayer.mount(root, data, hooks);
      else player.setData(data);
      global.descentPlayer = player;
    });
    post("streamlit:componentReady", { apiVersion: 1 });
  }

  function startStandalone() {
    var root = document.getElementById("root");
    var data = global.DESCENT_STANDALONE_DATA;
    data.clickable = false; // no server to re-run from a clicked start
    global.descentPlayer = global.DescentPlayer.mount(root, data, {});
  }

  function boot() {
    if (global.DESCENT_STANDALONE_DATA) startStandalone();
    else if (global.parent !== global) startStreamlit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})(window);
