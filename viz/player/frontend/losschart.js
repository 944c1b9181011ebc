/*
 * Loss versus step under the race, drawn with the plotly.js the player loads anyway, so the
 * Compare page needs no second Plotly bundle and the server builds no plotly figure per rerun.
 * Python decides the numbers and words (viz.paths.LossScale: axis type, title, the plotted
 * f − f*); this lays them out like viz.paths.loss_figure. It sits after the player's root,
 * outside what the fit-to-screen sizing of the maps measures: the race still fits one screen
 * above it. It is drawn only when it comes on screen (below the fold a slider change then costs
 * no Plotly redraw: about 45 ms in Chromium); its room is kept meanwhile.
 *
 * It shows the losses up to the player's step, like the maps show the paths: a full curve at
 * step 0 would tell the outcome before Play. While playing it is redrawn at most every
 * THROTTLE_MS (a Plotly redraw per animation frame would stutter the maps); paused or seeking
 * it is exact; at the last step every full curve is drawn. The step axis spans the whole race,
 * the loss axis only what is drawn (a range fitted to the full curves would give a divergence away).
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer;
  var THROTTLE_MS = 250;

  function LossChart(playerRoot) {
    this.playerRoot = playerRoot;
    this.node = null;
    this.full = null;    // [traces, layout] of the whole race
    this.step = 0;       // the step shown (or to show when it comes on screen)
    this.end = 0;        // the race's last step
    this.dirty = false;  // what is drawn is not this.full at this.step
    this.onScreen = false;
    this.lastDraw = 0;
    this.timer = null;
  }

  // Height it adds under the player (0 when there is none).
  LossChart.prototype.height = function () {
    if (!this.node || this.node.style.display === "none") return 0;
    return Math.ceil(this.node.getBoundingClientRect().height) + 8;
  };

  // New data, shown at ``step``.
  LossChart.prototype.update = function (data, step) {
    var chart = data.loss_chart;
    if (!chart || data.hidden || !data.runs.length) {
      this.full = null;
      this.dirty = false;
      if (this.node) {
        try { global.Plotly.purge(this.node); } catch (e) { /* ignore */ }
        this.node.style.display = "none";
      }
      return;
    }
    if (!this.node) {
      this.node = NS.el("div", { class: "losschart" });
      this.playerRoot.parentNode.insertBefore(this.node, this.playerRoot.nextSibling);
      this._watch();
    }
    this.node.style.display = "";
    this.node.style.minHeight = chart.height + "px"; // its room is kept while it waits to be drawn
    this.full = [traces(data, chart), layout(data, chart)];
    this.end = data.steps;
    this.step = step;
    this.dirty = true;
    if (this.onScreen) this._draw();
  };

  // Follow the player's step: ``exact`` (paused, seeking) draws now, else at most every THROTTLE_MS.
  LossChart.prototype.showStep = function (step, exact) {
    if (!this.full || step === this.step) return;
    this.step = step;
    this.dirty = true;
    if (!this.onScreen) return;
    var self = this, wait = THROTTLE_MS - (global.performance.now() - this.lastDraw);
    if (exact || wait <= 0) { this._draw(); return; }
    if (!this.timer) this.timer = global.setTimeout(function () { self.timer = null; self._draw(); }, wait);
  };

  // The traces cut at ``step`` (each trace's x is sorted): the whole race at its last step.
  function upTo(all, step, end) {
    if (step >= end) return all;
    return all.map(function (t) {
      var n = 0;
      while (n < t.x.length && t.x[n] <= step) n++;
      if (n === t.x.length) return t;
      var cut = Object.assign({}, t);
      cut.x = t.x.slice(0, n);
      cut.y = t.y.slice(0, n);
      return cut;
    });
  }

  function steps(n) {
    var x = new Array(n);
    for (var i = 0; i < n; i++) x[i] = i;
    return x;
  }

  // Plotted values: f − f* when Python sent it, else the loss itself, floored on the log axis
  // (viz.paths.LossScale.shown with f* = 0).
  function shownValues(chart, aboveMinimum, loss) {
    if (aboveMinimum) return aboveMinimum;
    return !chart.log ? loss : loss.map(function (v) { return v === null ? null : Math.max(v, chart.floor); });
  }

  // The traces: each noise cloud's band and median first (underneath), then the runs, then the
  // ghosts, each with a cross where it diverged.
  function traces(data, chart) {
    var style = data.style, lw = style.line_width, bands = [], lines = [];
    function values(aboveMinimum, loss) { return shownValues(chart, aboveMinimum, loss); }
    function tr(key, values) { return NS.tr(data, key, values); }
    // A hover line: the name, the step (Plotly's %{x}) and the value.
    function hover(name) { return name + "<br>" + tr("player.chart.hover_step", { step: "%{x}" }) + "<br>%{y:.4g}<extra></extra>"; }
    function curve(label, y, divergedAt, color, key, ghost) {
      var x = steps(y.length);
      lines.push({ type: "scatter", mode: "lines", x: x, y: y, name: label, legendgroup: key,
        line: { color: color, width: lw * (ghost ? 0.7 : 1.0), dash: ghost ? "dash" : "solid" },
        opacity: ghost ? 0.6 : 1.0, hovertemplate: hover(label) });
      if (divergedAt !== null) {
        lines.push({ type: "scatter", mode: "markers", x: [x[x.length - 1]], y: [y[y.length - 1]],
          marker: { symbol: "x", size: style.marker_size * 1.6, color: data.diverged_color },
          name: tr("player.chart.diverged", { name: label, step: divergedAt }), legendgroup: key, showlegend: false,
          hovertemplate: tr("player.chart.diverged_hover", { name: label, step: divergedAt }) + "<extra></extra>" });
      }
    }
    data.runs.forEach(function (run) {
      var cloud = run.cloud, band = cloud && cloud.loss_band;
      if (!band) return;
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.upper_quartile, line: { width: 0 },
        showlegend: false, hoverinfo: "skip", legendgroup: run.key });
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.lower_quartile, line: { width: 0 },
        fill: "tonexty", fillcolor: band.fill, name: tr("player.chart.band_fill", { name: band.name }), legendgroup: run.key,
        hoverinfo: "skip", showlegend: false });
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.median, name: band.name,
        legendgroup: run.key, line: { color: run.color, width: lw * 0.8, dash: "dot" },
        hovertemplate: hover(tr("player.chart.band_median_hover", { name: band.name })) });
    });
    data.runs.forEach(function (run) {
      curve(run.label, values(run.loss_above_minimum, run.loss), run.diverged_at, run.color, run.key, false);
    });
    data.runs.forEach(function (run) {
      var ghost = run.ghost;
      if (ghost && ghost.loss) {
        curve(ghost.label, values(ghost.loss_above_minimum, ghost.loss), ghost.diverged_at, run.color, run.key, true);
      }
    });
    return bands.concat(lines);
  }

  function layout(data, chart) {
    var style = data.style, steps = data.steps, fs = style.font_size, grid = "#e6e9ef", font = { size: fs + 1 };
    return {
      height: chart.height, margin: { l: 60, r: 20, t: 20, b: 50 },
      font: { size: fs, color: "#262730", family: style.font_family },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      hovermode: chart.unified ? "x unified" : "closest",
      legend: { orientation: "h", yanchor: "bottom", y: 1.01, xanchor: "left", x: 0, font: { size: fs } },
      // automargin: the projector's 20-px ticks (10⁻¹⁰) need more room than the margins above.
      xaxis: { title: { text: NS.tr(data, "player.chart.step"), font: font }, tickfont: { size: fs }, gridcolor: grid, zeroline: false,
        automargin: true, range: [0, Math.max(steps, 1)], autorange: false },
      yaxis: { type: chart.log ? "log" : "linear", title: { text: chart.title, font: font, standoff: 8 },
        tickfont: { size: fs }, exponentformat: chart.log ? "power" : "B", gridcolor: grid, zeroline: false,
        automargin: true }
    };
  }

  // A log axis over whole decades of what is drawn, labelled at decades only: fitted to a few
  // early points Plotly would label minor ticks at three quarters of the font size, unreadable
  // on a projector.
  function decades(axis, traces) {
    var lo = Infinity, hi = -Infinity;
    traces.forEach(function (t) {
      t.y.forEach(function (v) { if (v !== null && v > 0 && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    });
    if (!(lo <= hi)) return;
    var a = Math.floor(Math.log10(lo)), b = Math.max(Math.ceil(Math.log10(hi)), a + 1);
    axis.range = [a, b];
    axis.autorange = false;
    axis.dtick = Math.max(1, Math.ceil((b - a) / 8));
  }

  // Draw when on screen (or within 200 px of it), and only then. Without IntersectionObserver
  // it is drawn at once.
  LossChart.prototype._watch = function () {
    var self = this;
    if (!global.IntersectionObserver) { this.onScreen = true; return; }
    new global.IntersectionObserver(function (entries) {
      self.onScreen = entries[entries.length - 1].isIntersecting;
      if (self.onScreen) self._draw();
    }, { rootMargin: "200px" }).observe(this.node);
  };

  LossChart.prototype._draw = function () {
    if (this.timer) { global.clearTimeout(this.timer); this.timer = null; }
    if (!this.full || !this.dirty) return;
    this.dirty = false;
    this.lastDraw = global.performance.now();
    // Plotly.react keeps the figure's own layout object: a copy, so zooming never edits this.full.
    var shown = upTo(this.full[0], this.step, this.end), lay = JSON.parse(JSON.stringify(this.full[1]));
    if (lay.yaxis.type === "log") decades(lay.yaxis, shown);
    this.node.setAttribute("data-step", String(Math.min(this.step, this.end)));
    global.Plotly.react(this.node, shown, lay, { displaylogo: false, responsive: true });
  };

  // While a live slider is dragged, the dragged runs' curves are drawn on a canvas over the chart
  // on every animation frame, on the axes Plotly drew (a Plotly redraw takes ~45 ms: the chart
  // itself is redrawn once, on release, and the sketch cleared). Off the plot's range: clipped.
  LossChart.prototype.sketch = function (data, keys) {
    var gd = this.node, full = gd && gd._fullLayout, chart = data.loss_chart;
    if (!chart || !full || !full.xaxis || !full.yaxis || !full._size || !this.onScreen) return;
    var canvas = this.sketchCanvas;
    if (!canvas) {
      canvas = this.sketchCanvas = NS.el("canvas", { class: "losssketch", "aria-hidden": "true" }, gd);
    }
    var dpr = global.devicePixelRatio || 1, w = gd.clientWidth, h = gd.clientHeight, size = full._size;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px";
      canvas.style.height = h + "px";
    }
    var ctx = canvas.getContext("2d"), xa = full.xaxis, ya = full.yaxis, last = this.step;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.beginPath();
    ctx.rect(size.l, size.t, size.w, size.h);
    ctx.clip();
    ctx.lineWidth = data.style.line_width;
    ctx.lineJoin = "round";
    data.runs.forEach(function (run) {
      if (keys.indexOf(run.key) < 0 || !run.loss) return;
      var y = shownValues(chart, run.loss_above_minimum, run.loss), open = false;
      ctx.strokeStyle = run.color;
      ctx.beginPath();
      for (var i = 0; i < y.length && i <= last; i++) {
        var v = y[i];
        if (v === null || !isFinite(v) || (chart.log && v <= 0)) { open = false; continue; }
        var px = size.l + xa.c2p(i), py = size.t + ya.c2p(v);
        if (!isFinite(px) || !isFinite(py)) { open = false; continue; }
        if (open) ctx.lineTo(px, py); else ctx.moveTo(px, py);
        open = true;
      }
      ctx.stroke();
    });
    ctx.restore();
    gd.setAttribute("data-sketched", keys.join(","));
  };

  LossChart.prototype.clearSketch = function () {
    var canvas = this.sketchCanvas;
    if (!canvas) return;
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
    this.node.removeAttribute("data-sketched");
  };

  NS.LossChart = LossChart;
})(window);
