/*
 * The maps: Plotly draws each contour map once (with the minima's stars and the start ring);
 * everything that moves (paths, heads, arrows, noise clouds, ghosts) is drawn on a canvas laid
 * over its plot area, so a frame costs a few canvas polylines and the contour is never touched.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, P = NS.Player.prototype;
  var DOTS_MAX = 80; // draw a dot on every iterate for runs this short (textbook figures)

  // Draw panel p's static map, once, at its final height.
  P._drawMap = function (p, height) {
    if (p.isData) { this._drawSamplesMap(p, height); return; }
    var data = this.data, grid = data.grid, style = data.style, colors = data.colors;
    var xs = NS.linspace(grid.x_min, grid.x_max, grid.columns), ys = NS.linspace(grid.y_min, grid.y_max, grid.rows);
    var z = new Array(grid.rows);
    for (var j = 0; j < grid.rows; j++) z[j] = grid.heights.slice(j * grid.columns, (j + 1) * grid.columns);
    var mx = [], my = [];
    for (var m = 0; m + 1 < data.minima.length; m += 2) { mx.push(data.minima[m]); my.push(data.minima[m + 1]); }
    var traces = [
      {
        type: "contour", x: xs, y: ys, z: z, colorscale: data.colorscale, showscale: false,
        contours: { coloring: "fill", showlines: true, start: grid.level_start, end: grid.level_end, size: grid.level_step },
        // No spline smoothing: on a 121 × 121 grid a segment is about 3 px, and smoothing every
        // level of every map took about a quarter of their first draw (profiled in Chromium).
        line: { color: data.line_color, width: style.projector ? 1.6 : 1.0, smoothing: 0 },
        hoverinfo: "skip"
      },
      {
        type: "scatter", mode: "markers", x: mx, y: my, hoverinfo: "skip",
        marker: { symbol: "star", size: style.marker_size * 2.2, color: colors.minimum,
          line: { color: colors.minimum_outline, width: 1.2 } }
      },
      {
        type: "scatter", mode: "markers", x: [data.start[0]], y: [data.start[1]], hoverinfo: "skip",
        marker: { symbol: "circle-open", size: style.marker_size * 1.8, color: colors.start, line: { width: style.line_width } }
      }
    ];
    var at = data.axis_titles, fs = style.font_size;
    var layout = {
      margin: { l: (style.projector ? 60 : 45) + (at[1] ? fs + 6 : 0), r: style.projector ? 22 : 14, t: 6,
        b: (style.projector ? 45 : 32) + (at[0] ? fs + 6 : 0) },
      xaxis: { range: [grid.x_min, grid.x_max], fixedrange: true, showgrid: false, zeroline: false, automargin: false,
        ticks: "outside", tickfont: { size: fs }, title: { text: at[0], font: { size: fs }, standoff: 4 } },
      yaxis: { range: [grid.y_min, grid.y_max], fixedrange: true, showgrid: false, zeroline: false, automargin: false,
        ticks: "outside", tickfont: { size: fs }, title: { text: at[1], font: { size: fs }, standoff: 4 } },
      dragmode: false, hovermode: false, showlegend: false,
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff", font: { family: style.font_family },
      height: height
    };
    global.Plotly.newPlot(p.gd, traces, layout, { displayModeBar: false, responsive: false,
      doubleClick: false, scrollZoom: false, showTips: false });
  };

  // Plot-area geometry in CSS pixels of the panel's plot div, and data ↔ pixel conversions.
  P._geom = function (p) {
    var fl = p.gd._fullLayout, size = fl && fl._size, grid = this.data.grid;
    var l, t, w, h;
    if (size) { l = size.l; t = size.t; w = size.w; h = size.h; }
    else { l = 45; t = 6; w = p.gd.clientWidth - 53; h = p.gd.clientHeight - 38; } // Plotly has not laid it out yet
    var x0 = grid.x_min, x1 = grid.x_max, y0 = grid.y_min, y1 = grid.y_max;
    return {
      l: l, t: t, w: w, h: h,
      X: function (x) { return l + (x - x0) / (x1 - x0) * w; },
      Y: function (y) { return t + (1 - (y - y0) / (y1 - y0)) * h; },
      x: function (px) { return x0 + (px - l) / w * (x1 - x0); },
      y: function (py) { return y0 + (1 - (py - t) / h) * (y1 - y0); }
    };
  };

  P._click = function (p, ev) {
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

  // Everything that moves on panel p at fractional step s; returns each run's head.
  P._drawPanel = function (p, s) {
    if (p.isData) { this._drawLines(p, s); return []; }
    var self = this, G = this._geom(p), ctx = p.ctx;
    ctx.clearRect(0, 0, p.canvas.width, p.canvas.height);
    ctx.save();
    ctx.beginPath(); ctx.rect(G.l, G.t, G.w, G.h); ctx.clip();
    var heads = [];
    if (!this.hidden) {
      p.runs.forEach(function (run) { if (run.cloud) self._drawCloud(ctx, G, run.cloud, run.color, s); });
      heads = p.runs.map(function (run) { return self._drawRun(ctx, G, run, s); });
    }
    p.arrowScale = this.showArrows && !this.hidden ? this._drawArrows(ctx, G, p, heads) : 1;
    if (this.pendingStart) {
      ctx.strokeStyle = "#333"; ctx.lineWidth = 2; ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.arc(G.X(this.pendingStart[0]), G.Y(this.pendingStart[1]), 10, 0, 2 * Math.PI); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
    return heads;
  };

  // Position of a run at fractional step s (the head glides between iterates): [x, y, step].
  function headAt(run, s) {
    var path = run.path, m = run.points - 1;
    var k = Math.min(Math.floor(s), m);
    var x = path[2 * k], y = path[2 * k + 1];
    if (k < m && s > k) {
      var f = Math.min(s - k, 1);
      x += (path[2 * k + 2] - x) * f;
      y += (path[2 * k + 3] - y) * f;
    }
    return [x, y, k];
  }

  // A comparison run (e.g. the same optimizer with a constant learning rate): faint, dashed.
  P._drawGhost = function (ctx, G, ghost, color, s) {
    var style = this.data.style, path = ghost.path;
    var k = Math.min(Math.floor(s), ghost.points - 1);
    ctx.save();
    ctx.globalAlpha = 0.45;
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(1, style.line_width * 0.7);
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(G.X(path[0]), G.Y(path[1]));
    for (var i = 1; i <= k; i++) ctx.lineTo(G.X(path[2 * i]), G.Y(path[2 * i + 1]));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.arc(G.X(path[2 * k]), G.Y(path[2 * k + 1]), Math.max(3, style.marker_size * 0.5), 0, 2 * Math.PI);
    ctx.fillStyle = color;
    ctx.fill();
    ctx.restore();
  };

  // A noise cloud: its seeded runs as faint lines (denser where more runs went), a small dot
  // where each one is now, and their median path, dotted with a white casing, on top.
  P._drawCloud = function (ctx, G, cloud, color, s) {
    var style = this.data.style;
    var n = cloud.points, m = NS.upto(cloud.step_index, s), paths = cloud.paths, median = cloud.median_path;
    if (m < 1 || !cloud.runs_drawn) return;
    var lw = style.line_width, i, j, o;
    ctx.save();
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.setLineDash([]);
    ctx.strokeStyle = color;
    ctx.globalAlpha = Math.min(0.35, Math.max(0.12, 1.6 / Math.sqrt(cloud.runs_drawn)));
    ctx.lineWidth = Math.max(1, lw * 0.5);
    for (j = 0; j < cloud.runs_drawn; j++) {
      o = 2 * j * n;
      ctx.beginPath();
      ctx.moveTo(G.X(paths[o]), G.Y(paths[o + 1]));
      for (i = 1; i < m; i++) ctx.lineTo(G.X(paths[o + 2 * i]), G.Y(paths[o + 2 * i + 1]));
      ctx.stroke();
    }
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = color;
    var rad = Math.max(1.5, style.marker_size * 0.28);
    for (j = 0; j < cloud.runs_drawn; j++) {
      o = 2 * (j * n + m - 1);
      ctx.beginPath();
      ctx.arc(G.X(paths[o]), G.Y(paths[o + 1]), rad, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(G.X(median[0]), G.Y(median[1]));
    for (i = 1; i < m; i++) ctx.lineTo(G.X(median[2 * i]), G.Y(median[2 * i + 1]));
    ctx.strokeStyle = "rgba(255,255,255,0.6)";
    ctx.lineWidth = lw * 1.6 + 2;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = lw * 1.6;
    ctx.setLineDash([0.1, lw * 2.4]);
    ctx.stroke();
    ctx.restore();
  };

  // A run's path up to step s, its head (a cross once it diverged), and a pointer at the map's
  // border when the head is off the map. Returns the head: {k, x, y, off}.
  P._drawRun = function (ctx, G, run, s) {
    var data = this.data, style = data.style, grid = data.grid, path = run.path;
    if (run.ghost) this._drawGhost(ctx, G, run.ghost, run.color, s);
    var m = run.points - 1;
    var head = headAt(run, s);
    var k = head[2];
    var lw = style.line_width;
    ctx.lineJoin = "round";
    ctx.lineCap = "round";
    ctx.strokeStyle = run.color;
    ctx.lineWidth = lw;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(G.X(path[0]), G.Y(path[1]));
    for (var i = 1; i <= k; i++) ctx.lineTo(G.X(path[2 * i]), G.Y(path[2 * i + 1]));
    ctx.lineTo(G.X(head[0]), G.Y(head[1]));
    ctx.stroke();
    var dot = Math.max(2, style.marker_size * 0.35);
    if (run.points <= DOTS_MAX) {
      ctx.fillStyle = run.color;
      for (var j = 0; j <= k; j++) {
        ctx.beginPath();
        ctx.arc(G.X(path[2 * j]), G.Y(path[2 * j + 1]), dot, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    var reached = NS.diverged(run) && Math.floor(s) >= run.diverged_at;
    if (reached && m >= 1) {
      // Red dashed last segment and a red cross: this is where the run left the finite world.
      ctx.strokeStyle = data.diverged_color;
      ctx.lineWidth = lw * 1.2;
      ctx.setLineDash([6, 5]);
      ctx.beginPath();
      ctx.moveTo(G.X(path[2 * m - 2]), G.Y(path[2 * m - 1]));
      ctx.lineTo(G.X(path[2 * m]), G.Y(path[2 * m + 1]));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    var hx = G.X(head[0]), hy = G.Y(head[1]);
    var rad = Math.max(4, style.marker_size * 0.75);
    if (!(hx >= G.l && hx <= G.l + G.w && hy >= G.t && hy <= G.t + G.h)) {
      offMap(ctx, G, hx, hy, reached ? data.diverged_color : run.color, rad);
    }
    if (reached) {
      ctx.strokeStyle = data.diverged_color;
      ctx.lineWidth = Math.max(2.5, lw);
      ctx.beginPath();
      ctx.moveTo(hx - rad * 1.3, hy - rad * 1.3); ctx.lineTo(hx + rad * 1.3, hy + rad * 1.3);
      ctx.moveTo(hx - rad * 1.3, hy + rad * 1.3); ctx.lineTo(hx + rad * 1.3, hy - rad * 1.3);
      ctx.stroke();
    } else {
      ctx.beginPath();
      ctx.arc(hx, hy, rad, 0, 2 * Math.PI);
      ctx.fillStyle = run.color;
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
    return { k: k, x: head[0], y: head[1], off: head[0] < grid.x_min || head[0] > grid.x_max ||
      head[1] < grid.y_min || head[1] > grid.y_max };
  };

  // The head left the map: a triangle on the border points to where it went.
  function offMap(ctx, G, hx, hy, color, rad) {
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
  }

  function arrow(ctx, x0, y0, x1, y1, color, width, dash) {
    var dx = x1 - x0, dy = y1 - y0;
    var len = Math.sqrt(dx * dx + dy * dy);
    if (!(len > 0.5)) return;
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

  // The arrows of a run for the update leaving step k, in pixels relative to its iterate:
  // −η∇f, the actual step and −η·velocity (runs whose optimizer declares a velocity).
  function arrowVectors(G, run, k) {
    if (!run.gradients || k >= run.points - 1) return null;
    var path = run.path, grads = run.gradients, mom = run.momentum_arrows, rate = run.learning_rate;
    var x = path[2 * k], y = path[2 * k + 1];
    var lr = Array.isArray(rate) ? rate[k] : rate;
    var X0 = G.X(x), Y0 = G.Y(y);
    function px(dx, dy) { return [G.X(x + dx) - X0, G.Y(y + dy) - Y0]; }
    var out = { atX: X0, atY: Y0, gradient: px(-lr * grads[2 * k], -lr * grads[2 * k + 1]),
      step: px(path[2 * k + 2] - x, path[2 * k + 3] - y), momentum: mom ? px(mom[2 * k], mom[2 * k + 1]) : null };
    if (![out.gradient, out.step, out.momentum].every(function (v) { return !v || isFinite(v[0]) && isFinite(v[1]); })) return null;
    return out;
  }

  function vlen(v) { return v ? Math.sqrt(v[0] * v[0] + v[1] * v[1]) : 0; }

  // Arrows for every run of a panel, all magnified by one factor (so they stay comparable) such
  // that the longest is at least style.arrow_min_px long: late in a run the steps are a pixel
  // or two and would hide under the head dot. Too long arrows shrink to fit the map. Returns the
  // factor (the readout says "arrows ×k") and records the drawn lengths for the tests.
  P._drawArrows = function (ctx, G, p, heads) {
    var style = this.data.style, colors = this.data.colors;
    var vecs = p.runs.map(function (run, i) { return arrowVectors(G, run, heads[i].k); });
    var longest = 0;
    vecs.forEach(function (v) { if (v) longest = Math.max(longest, vlen(v.gradient), vlen(v.step), vlen(v.momentum)); });
    if (!(longest > 0)) { p.canvas.removeAttribute("data-arrow-px"); return 1; }
    var minPx = style.arrow_min_px, maxPx = 0.45 * Math.min(G.w, G.h);
    var scale = longest < minPx ? minPx / longest : longest > maxPx ? maxPx / longest : 1;
    var w = style.arrow_width, drawn = [];
    vecs.forEach(function (v, i) {
      if (!v) return;
      var color = p.runs[i].color;
      function go(vec, c, width, dash) { arrow(ctx, v.atX, v.atY, v.atX + vec[0] * scale, v.atY + vec[1] * scale, c, width, dash); }
      go(v.gradient, colors.gradient, w, [5, 4]);
      if (v.momentum) go(v.momentum, color, w, [2, 4]);
      go(v.step, color, w * 1.3, null);
      drawn.push(scale * Math.max(vlen(v.gradient), vlen(v.step), vlen(v.momentum)));
    });
    p.canvas.setAttribute("data-arrow-px", drawn.length ? String(Math.round(Math.min.apply(null, drawn))) : "");
    return scale;
  };
  // The data panel of a least-squares surface: Plotly draws the points once; each frame the
  // canvas draws every run's line y = w·x + b, with (w, b) where the run is on its map.
  P._drawSamplesMap = function (p, height) {
    var samples = this.data.samples, style = this.data.style, fs = style.font_size;
    var xr = span(samples.x, 0.05), yr = span(samples.y, 0.12);
    p.range = [xr, yr];
    var traces = [{ type: "scatter", mode: "markers", x: samples.x, y: samples.y, hoverinfo: "skip",
      marker: { size: style.marker_size * 0.9, color: "#8a8f98" } }];
    var layout = {
      margin: { l: (style.projector ? 60 : 45) + fs + 6, r: style.projector ? 22 : 14, t: 6,
        b: (style.projector ? 45 : 32) + fs + 6 },
      xaxis: { range: xr, fixedrange: true, zeroline: false, automargin: false, ticks: "outside", tickfont: { size: fs },
        title: { text: "x", font: { size: fs }, standoff: 4 } },
      yaxis: { range: yr, fixedrange: true, zeroline: false, automargin: false, ticks: "outside", tickfont: { size: fs },
        title: { text: "y", font: { size: fs }, standoff: 4 } },
      dragmode: false, hovermode: false, showlegend: false, paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      font: { family: style.font_family }, height: height
    };
    global.Plotly.newPlot(p.gd, traces, layout, { displayModeBar: false, responsive: false,
      doubleClick: false, scrollZoom: false, showTips: false });
  };

  // [min, max] of values, widened by ``pad`` of their range on each side.
  function span(values, pad) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values), d = (hi - lo) || 1;
    return [lo - pad * d, hi + pad * d];
  }

  P._drawLines = function (p, s) {
    var ctx = p.ctx, fl = p.gd._fullLayout, size = fl && fl._size;
    ctx.clearRect(0, 0, p.canvas.width, p.canvas.height);
    p.lines = [];
    if (!size || !p.range || this.hidden) return;
    var xr = p.range[0], yr = p.range[1], l = size.l, t = size.t, w = size.w, h = size.h;
    function X(x) { return l + (x - xr[0]) / (xr[1] - xr[0]) * w; }
    function Y(y) { return t + (1 - (y - yr[0]) / (yr[1] - yr[0])) * h; }
    ctx.save();
    ctx.beginPath(); ctx.rect(l, t, w, h); ctx.clip();
    ctx.lineWidth = this.data.style.line_width;
    ctx.setLineDash([]);
    p.runs.forEach(function (run) {
      var head = headAt(run, s), slope = head[0], intercept = head[1];
      p.lines.push([slope, intercept]);
      if (!isFinite(slope) || !isFinite(intercept)) return;
      ctx.strokeStyle = run.color;
      ctx.beginPath();
      ctx.moveTo(X(xr[0]), Y(slope * xr[0] + intercept));
      ctx.lineTo(X(xr[1]), Y(slope * xr[1] + intercept));
      ctx.stroke();
    });
    ctx.restore();
  };
})(window);
