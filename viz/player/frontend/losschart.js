/*
 * Loss versus step under the race, drawn with the plotly.js the player loads anyway, so the
 * Compare page needs no second Plotly bundle and the server builds no plotly figure per rerun.
 * Python decides the numbers and words (viz.paths.LossScale: axis type, title, the plotted
 * f − f*); this lays them out like viz.paths.loss_figure. It sits after the player's root,
 * outside what the fit-to-screen sizing of the maps measures: the race still fits one screen
 * above it. It is drawn only when it comes on screen (below the fold a slider change then costs
 * no Plotly redraw: about 45 ms in Chromium); its room is kept meanwhile.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer;

  function LossChart(playerRoot) {
    this.playerRoot = playerRoot;
    this.node = null;
    this.pending = null; // [traces, layout] waiting to come on screen
    this.onScreen = false;
  }

  // Height it adds under the player (0 when there is none).
  LossChart.prototype.height = function () {
    if (!this.node || this.node.style.display === "none") return 0;
    return Math.ceil(this.node.getBoundingClientRect().height) + 8;
  };

  LossChart.prototype.update = function (data) {
    var chart = data.loss_chart;
    if (!chart || data.hidden || !data.runs.length) {
      this.pending = null;
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
    this.pending = [traces(data, chart), layout(data.style, chart)];
    if (this.onScreen) this._draw();
  };

  function steps(n) {
    var x = new Array(n);
    for (var i = 0; i < n; i++) x[i] = i;
    return x;
  }

  // The traces: each noise cloud's band and median first (underneath), then the runs, then the
  // ghosts, each with a cross where it diverged.
  function traces(data, chart) {
    var style = data.style, lw = style.line_width, bands = [], lines = [];
    // Plotted values: f − f* when Python sent it, else the loss itself, floored on the log axis
    // (viz.paths.LossScale.shown with f* = 0).
    function values(aboveMinimum, loss) {
      if (aboveMinimum) return aboveMinimum;
      return !chart.log ? loss : loss.map(function (v) { return v === null ? null : Math.max(v, chart.floor); });
    }
    function curve(label, y, divergedAt, color, key, ghost) {
      var x = steps(y.length);
      lines.push({ type: "scatter", mode: "lines", x: x, y: y, name: label, legendgroup: key,
        line: { color: color, width: lw * (ghost ? 0.7 : 1.0), dash: ghost ? "dash" : "solid" },
        opacity: ghost ? 0.6 : 1.0, hovertemplate: label + "<br>step %{x}<br>%{y:.4g}<extra></extra>" });
      if (divergedAt !== null) {
        lines.push({ type: "scatter", mode: "markers", x: [x[x.length - 1]], y: [y[y.length - 1]],
          marker: { symbol: "x", size: style.marker_size * 1.6, color: data.diverged_color },
          name: label + ": diverged at step " + divergedAt, legendgroup: key, showlegend: false,
          hovertemplate: label + " diverged at step " + divergedAt + "<extra></extra>" });
      }
    }
    data.runs.forEach(function (run) {
      var cloud = run.cloud, band = cloud && cloud.loss_band;
      if (!band) return;
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.upper_quartile, line: { width: 0 },
        showlegend: false, hoverinfo: "skip", legendgroup: run.key });
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.lower_quartile, line: { width: 0 },
        fill: "tonexty", fillcolor: band.fill, name: band.name + ": middle 50% of runs", legendgroup: run.key,
        hoverinfo: "skip", showlegend: false });
      bands.push({ type: "scatter", mode: "lines", x: band.steps, y: band.median, name: band.name,
        legendgroup: run.key, line: { color: run.color, width: lw * 0.8, dash: "dot" },
        hovertemplate: band.name + " median<br>step %{x}<br>%{y:.4g}<extra></extra>" });
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

  function layout(style, chart) {
    var fs = style.font_size, grid = "#e6e9ef", font = { size: fs + 1 };
    return {
      height: chart.height, margin: { l: 60, r: 20, t: 20, b: 50 },
      font: { size: fs, color: "#262730", family: "\"Source Sans Pro\", \"Source Sans 3\", system-ui, sans-serif" },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      hovermode: chart.unified ? "x unified" : "closest",
      legend: { orientation: "h", yanchor: "bottom", y: 1.01, xanchor: "left", x: 0, font: { size: fs } },
      // automargin: the projector's 20-px ticks (10⁻¹⁰) need more room than the margins above.
      xaxis: { title: { text: "step", font: font }, tickfont: { size: fs }, gridcolor: grid, zeroline: false,
        automargin: true },
      yaxis: { type: chart.log ? "log" : "linear", title: { text: chart.title, font: font, standoff: 8 },
        tickfont: { size: fs }, exponentformat: chart.log ? "power" : "B", gridcolor: grid, zeroline: false,
        automargin: true }
    };
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
    var pending = this.pending;
    if (!pending) return;
    this.pending = null;
    global.Plotly.react(this.node, pending[0], pending[1], { displaylogo: false, responsive: true });
  };

  NS.LossChart = LossChart;
})(window);
