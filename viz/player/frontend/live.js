/*
 * The live slider: drag a hyperparameter and the optimizer's path, loss, readouts and stability
 * badge follow on every animation frame, with no round trip to the server.
 *
 * The page sends a family per optimizer (a run's Live object: one run per stop of the sidebar
 * slider, or per cell of a 2-D pad; viz/player/live.py). A native <input type=range> (keys and
 * screen readers work; its aria-label names the hyperparameter) picks a member; the member
 * replaces the run in the player's data, so every drawing module shows it unchanged. Releasing
 * sends the value to the page (one rerun), whose run at that value is the member bit for bit.
 * The bar's button asks the page for families (only then are they computed); a lesson can arm
 * them. In the offline export the families travel in the file and nothing is committed.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, el = NS.el, P = NS.Player.prototype;
  var NUDGE_MS = 700;   // ↑/↓ on a projector: commit once the keys stop

  // Little-endian float32 in base64 → Float32Array.
  function decode(text) {
    var bin = global.atob(text), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }

  // Latency records for the browser benchmark: input event → frame drawn (ms), frame times while dragging.
  NS.liveStats = { latency: [], frames: [] };

  function tr(data, key, values) { return NS.tr(data, "player_live." + key, values); }

  // Member j of a family as a run the drawing modules know: one point per step (a thinned
  // family is interpolated back), ending at its last finite point like the page's runs.
  function memberRun(run, live, arrays, j, floor) {
    var n = live.points, idx = live.step_index, off = live.loss_offset;
    var paths = arrays.paths, losses = arrays.losses;
    var d = live.diverged_at[j], last = d < 0 ? idx[idx.length - 1] : d - 1;
    var path = new Array(2 * (last + 1)), loss = new Array(last + 1), above = run.loss_above_minimum ? [] : null;
    var i = 0, base = j * n;
    for (var s = 0; s <= last; s++) {
      while (i + 1 < n && idx[i + 1] <= s) i++;
      var a = base + i, x = paths[2 * a], y = paths[2 * a + 1], v = losses[a];
      if (idx[i] !== s && i + 1 < n) {
        var f = (s - idx[i]) / (idx[i + 1] - idx[i]);
        x += (paths[2 * a + 2] - x) * f;
        y += (paths[2 * a + 3] - y) * f;
        v += (losses[a + 1] - v) * f;
      }
      path[2 * s] = x; path[2 * s + 1] = y;
      loss[s] = off + v;
      if (above) above.push(Math.max(v, floor));
    }
    var view = { key: run.key, label: run.label, color: run.color, points: last + 1, path: path, loss: loss,
      diverged_at: d < 0 ? null : d, liveMember: j };
    if (above) view.loss_above_minimum = above;
    return view;
  }

  // The value a member has on each liveAxis.
  function settingsOf(live, j) {
    var out = {}, rest = j;
    live.axes.forEach(function (liveAxis) {
      var n = liveAxis.values.length;
      out[liveAxis.name] = { value: liveAxis.values[rest % n], label: liveAxis.labels[rest % n], symbol: liveAxis.symbol, stop: rest % n };
      rest = Math.floor(rest / n);
    });
    return out;
  }

  function memberOf(live, stops) {
    var j = 0, stride = 1;
    live.axes.forEach(function (liveAxis, a) { j += stops[a] * stride; stride *= liveAxis.values.length; });
    return j;
  }

  P._liveState = function () {
    if (!this.liveCtl) this.liveCtl = { open: false, request: null, rows: {}, originals: {}, shown: {}, raf: null,
      pending: {}, dragging: false, lastFrame: 0, last: null, nudge: null };
    return this.liveCtl;
  };

  // Called by setData: the bar's button and one row per run that has a family.
  P._updateLive = function () {
    var data = this.data, ctl = this._liveState(), self = this;
    var runs = data.runs.filter(function (run) { return run.live; });
    if (!this.liveBtn) {
      var bar = this.playBtn.parentNode;
      this.liveBtn = el("button", { class: "livebtn", type: "button", "aria-pressed": "false" }, bar);
      this.liveBtn.addEventListener("click", function () { self._toggleLive(); });
      this.liveBox = el("div", { class: "livebox" });
      this.root.insertBefore(this.liveBox, this.legend);
      this._listenForNudges();
    }
    this.liveBtn.textContent = tr(data, "button");
    this.liveBtn.title = tr(data, "button_title");
    var offer = data.live_offer && data.clickable;  // the offline export has no page to ask
    this.liveBtn.style.display = !this.hidden && (offer || runs.length) ? "" : "none";
    if (runs.length && ctl.request === null) ctl.open = true;  // a lesson armed it, or it came back
    this.liveBtn.setAttribute("aria-pressed", String(ctl.open));
    ctl.originals = {};
    ctl.decoded = {};
    ctl.shown = {};
    data.runs.forEach(function (run) {
      var live = run.live;
      if (!live) return;
      ctl.decoded[run.key] = { paths: decode(live.paths), losses: decode(live.losses) };
      ctl.originals[run.key] = run;
    });
    this._buildLiveRows(runs);
    this.liveBox.style.display = ctl.open && !this.hidden ? "" : "none";
    this._height();
  };

  P._toggleLive = function () {
    var ctl = this._liveState(), data = this.data;
    ctl.open = !ctl.open;
    this.liveBtn.setAttribute("aria-pressed", String(ctl.open));
    if (!ctl.open) this._liveRestore();
    var has = Object.keys(ctl.originals).length > 0;
    this.liveBox.style.display = ctl.open ? "" : "none";
    if (ctl.open && !has && data.live_offer && data.clickable) {
      // Ask the page for every optimizer's learning-rate family (the one rerun of opening it).
      ctl.request = {};
      data.runs.forEach(function (run) { ctl.request[run.key] = ["lr"]; });
      this.liveBox.textContent = tr(data, "waiting");
      ctl.layout = null;
      this._send();
    } else if (data.live_offer) {
      ctl.request = ctl.open ? this._currentRequest() : {};
      if (!ctl.open) this._send();
    }
    this._height();
  };

  P._currentRequest = function () {
    var out = {}, originals = this._liveState().originals;  // a shown member is a run without its family
    this.data.runs.forEach(function (shown) {
      var run = originals[shown.key] || shown, live = run.live;
      if (live) out[run.key] = live.axes.map(function (liveAxis) { return liveAxis.name; });
    });
    return out;
  };

  // What the page gets with every value (player.js's _send): the live controls open, and a commit.
  P._liveValue = function () {
    var ctl = this._liveState(), out = {};
    if (ctl.request !== null) out.live = ctl.request;
    if (ctl.commit) { out.commit = ctl.commit; ctl.commit = null; }
    return out;
  };

  P._buildLiveRows = function (runs) {
    var self = this, data = this.data, ctl = this._liveState();
    var keyOf = function (run) { var live = run.live; return run.key + ":" + live.axes.map(function (liveAxis) { return liveAxis.name + liveAxis.values.length; }).join(","); };
    var layout = runs.map(keyOf).join("|");
    if (layout !== ctl.layout) {
      ctl.layout = layout;
      this.liveBox.innerHTML = "";
      ctl.rows = {};
      runs.forEach(function (run) { ctl.rows[run.key] = self._buildLiveRow(run); });
    }
    runs.forEach(function (run) {
      var live = run.live, row = ctl.rows[run.key];
      row.run = run;
      live.axes.forEach(function (liveAxis, a) { if (!ctl.dragging) row.ranges[a].value = String(live.index[a]); });
      self._liveRowText(row, run, memberOf(live, live.index));
      if (row.pad) self._drawPad(row, live.index);
    });
  };

  P._buildLiveRow = function (run) {
    var self = this, data = this.data, live = run.live, ctl = this._liveState();
    var row = { el: el("div", { class: "liverow" + (live.axes.length === 2 ? " padrow" : "") }, this.liveBox), ranges: [] };
    var name = el("span", { class: "livename", style: "color:" + run.color, title: run.label }, row.el);
    el("span", { class: "swatch", style: "background:" + run.color }, name);
    el("span", { text: run.label }, name);
    var pick = el("select", { class: "livepick", "aria-label": tr(data, "choose", { optimizer: run.label }) }, row.el);
    var current = live.axes.map(function (liveAxis) { return liveAxis.name; }).join(",");
    live.choices.forEach(function (name, i) {
      el("option", { value: name, text: live.choice_labels[i] }, pick);
    });
    live.choices.forEach(function (name, i) {
      if (name === "lr") return;
      el("option", { value: "lr," + name, text: tr(data, "pad_option", { x: live.choice_labels[0], y: live.choice_labels[i] }) }, pick);
    });
    pick.value = current;
    pick.addEventListener("change", function () {
      var request = self._currentRequest();
      request[run.key] = pick.value.split(",");
      ctl.request = request;
      row.el.classList.add("waiting");
      self._send();
    });
    var sliders = el("span", { class: "livesliders" }, row.el);
    if (live.axes.length === 2) {
      row.pad = el("canvas", { class: "livepad", role: "img", "aria-label": tr(data, "pad_label",
        { optimizer: run.label, x: live.axes[0].symbol, y: live.axes[1].symbol }) }, sliders);
      this._listenToPad(row);
    }
    live.axes.forEach(function (liveAxis, a) {
      var label = el("label", { class: "liveaxis" }, sliders);
      el("span", { class: "livesym", text: liveAxis.symbol }, label);
      // role="slider" (its implicit role, written out): the player's page-wide ←/→ leave a focused slider alone.
      var range = el("input", { type: "range", role: "slider", class: "liverange", min: "0", max: String(liveAxis.values.length - 1),
        step: "1", value: String(live.index[a]),
        "aria-label": tr(data, "slider_label", { optimizer: run.label, name: liveAxis.name, symbol: liveAxis.symbol }) }, label);
      row.ranges.push(range);
      range.addEventListener("input", function (ev) { self._liveInput(row, ev); });
      range.addEventListener("change", function () { self._liveCommit(row); });
      range.addEventListener("pointerup", function () { ctl.dragging = false; });
    });
    row.value = el("span", { class: "livevalue" }, row.el);
    row.outcome = el("span", { class: "liveoutcome" }, row.el);
    row.badge = el("span", { class: "livebadge" }, row.el);
    return row;
  };

  P._stopsOf = function (row) { return row.ranges.map(function (r) { return parseInt(r.value, 10); }); };

  // An input event: show that member on the next animation frame (several events, one frame).
  P._liveInput = function (row, ev) {
    var ctl = this._liveState(), self = this, clock = this.clock;
    if (!ctl.dragging) {
      ctl.dragging = true;
      // The path follows the slider: show the whole run (a paused race at step 0 shows nothing).
      if (!clock.playing && clock.step < clock.end) { clock.seek(clock.end); }
    }
    ctl.pending[row.run.key] = { row: row, stops: this._stopsOf(row), t: ev ? ev.timeStamp : global.performance.now() };
    if (!ctl.raf) ctl.raf = global.requestAnimationFrame(function (now) { self._liveFrame(now); });
  };

  P._liveFrame = function (now) {
    var ctl = this._liveState(), self = this, times = [], keys = Object.keys(ctl.pending);
    ctl.raf = null;
    keys.forEach(function (key) {
      var job = ctl.pending[key];
      self._liveShow(job.row, memberOf(job.row.run.live, job.stops));
      if (job.row.pad) self._drawPad(job.row, job.stops);
      times.push(job.t);
    });
    ctl.pending = {};
    this._updateHeads();
    this.draw(true);
    // The loss chart: the dragged runs' curves sketched over it in this frame (a Plotly redraw,
    // ~45 ms, would drop frames; the chart itself is redrawn once, on release).
    if (this.data.loss_chart) this.lossChart.sketch(this.data, keys);
    var done = global.performance.now();
    times.forEach(function (t) { NS.liveStats.latency.push(done - t); });
    if (ctl.lastFrame && now - ctl.lastFrame < 1000) NS.liveStats.frames.push(now - ctl.lastFrame);
    ctl.lastFrame = now;
    this.root.setAttribute("data-live-frames", String(NS.liveStats.latency.length));
  };

  // Put member j of row's family in place of its run (data.runs and the panels share the objects).
  P._liveShow = function (row, j) {
    var data = this.data, ctl = this._liveState(), original = ctl.originals[row.run.key];
    var live = row.run.live, chart = data.loss_chart;
    var view = j === memberOf(live, live.index) ? original : memberRun(original, live, ctl.decoded[original.key], j, chart ? chart.floor : 0);
    for (var i = 0; i < data.runs.length; i++) if (data.runs[i].key === original.key) data.runs[i] = view;
    ctl.shown[original.key] = j;
    this._liveRowText(row, original, j);
    var canvas = this.panels.length ? this.panels[0].canvas : null;
    this.panels.forEach(function (p) {
      if (p.runs.length === 1 && p.runs[0].key === original.key) { p.runs = [view]; canvas = p.canvas; }
    });
    if (canvas) canvas.setAttribute("data-live-member", original.key + ":" + j);
  };

  // The loss chart shows the runs on screen now (after a drag, or the live box closed).
  P._liveChart = function () {
    if (this.data.loss_chart) this.lossChart.update(this.data, Math.floor(this.clock.step));
  };

  // The value, what the run does with it, and the stability badge from the optimizer's declared limit.
  P._liveRowText = function (row, run, j) {
    var data = this.data, live = run.live, settings = settingsOf(live, j);
    row.value.textContent = live.axes.map(function (liveAxis) {
      var s = settings[liveAxis.name];
      return tr(data, "value", { symbol: s.symbol, value: s.label });
    }).join("  ");
    var d = live.diverged_at[j], hit = live.steps_to_tol[j];
    row.outcome.textContent = d >= 0 ? tr(data, "diverges_at", { step: d }) :
      hit >= 0 ? tr(data, "reached", { step: hit }) : tr(data, "never", { steps: live.step_index[live.step_index.length - 1] });
    row.outcome.classList.toggle("bad", d >= 0);
    var v = live.verdicts[j], limit = live.limits[j];
    var names = ["stable", "edge", "diverges"];
    row.badge.textContent = v < 0 ? tr(data, "adaptive") : tr(data, names[v], { limit: NS.fmt(limit) });
    row.badge.className = "livebadge" + (v < 0 ? " none" : " " + names[v]);
    [row.value, row.outcome, row.badge].forEach(function (node) { node.title = node.textContent; }); // the whole text when a column cuts it
    row.el.setAttribute("data-member", String(j));
  };

  // Release: the page takes the value (one rerun); its run will be this member, bit for bit.
  P._liveCommit = function (row) {
    var ctl = this._liveState(), live = row.run.live;
    ctl.dragging = false;
    this._liveChart();
    this.lossChart.clearSketch();  // the chart itself shows the member now
    if (!this.data.live_offer || !this.data.clickable) return;  // the offline export: nothing to commit to
    var settings = settingsOf(live, memberOf(live, this._stopsOf(row))), values = {};
    Object.keys(settings).forEach(function (name) { values[name] = settings[name].value; });
    ctl.commit = { key: row.run.key, values: values };
    ctl.request = this._currentRequest();
    this._send();
  };

  // Back to the payload's own runs (the live box closed).
  P._liveRestore = function () {
    var ctl = this._liveState(), data = this.data;
    data.runs = data.runs.map(function (run) { return ctl.originals[run.key] || run; });
    ctl.shown = {};
    this._updateHeads();
    this.draw(true);
    this._liveChart();
    this.lossChart.clearSketch();
  };

  // The pad: one cell per member, coloured by what the run does; a ring on the member shown.
  P._drawPad = function (row, stops) {
    var live = row.run.live, canvas = row.pad, dpr = global.devicePixelRatio || 1;
    var size = canvas.clientWidth || 132;
    if (canvas.width !== Math.round(size * dpr)) { canvas.width = Math.round(size * dpr); canvas.height = canvas.width; }
    var ctx = canvas.getContext("2d"), nx = live.axes[0].values.length, ny = live.axes[1].values.length;
    var cw = size / nx, ch = size / ny, steps = live.step_index[live.step_index.length - 1];
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    for (var b = 0; b < ny; b++) {
      for (var a = 0; a < nx; a++) {
        var j = a + nx * b, d = live.diverged_at[j], hit = live.steps_to_tol[j];
        ctx.fillStyle = d >= 0 ? "#f4b6b6" : hit >= 0 ? "rgba(0,114,178," + (1 - 0.8 * hit / Math.max(1, steps)).toFixed(3) + ")" : "#e3e5ea";
        ctx.fillRect(a * cw, size - (b + 1) * ch, cw - 0.5, ch - 0.5);
      }
    }
    ctx.strokeStyle = "#262730";
    ctx.lineWidth = 2;
    ctx.strokeRect(stops[0] * cw + 1, size - (stops[1] + 1) * ch + 1, cw - 2, ch - 2);
  };

  P._listenToPad = function (row) {
    var self = this, canvas = row.pad, down = false;
    function pick(ev) {
      var live = row.run.live, rect = canvas.getBoundingClientRect();
      var nx = live.axes[0].values.length, ny = live.axes[1].values.length;
      var a = Math.min(nx - 1, Math.max(0, Math.floor((ev.clientX - rect.left) / rect.width * nx)));
      var b = Math.min(ny - 1, Math.max(0, Math.floor((rect.bottom - ev.clientY) / rect.height * ny)));
      row.ranges[0].value = String(a);
      row.ranges[1].value = String(b);
      self._liveInput(row, ev);
    }
    canvas.addEventListener("pointerdown", function (ev) { down = true; canvas.setPointerCapture(ev.pointerId); pick(ev); ev.preventDefault(); });
    canvas.addEventListener("pointermove", function (ev) { if (down) pick(ev); });
    canvas.addEventListener("pointerup", function () { if (!down) return; down = false; self._liveCommit(row); });
  };

  // A projector: ↑/↓ anywhere on the page nudge the live slider used last (or the first), and
  // the value is committed once the keys stop.
  P._listenForNudges = function () {
    var self = this;
    var onKey = function (ev) {
      var ctl = self._liveState(), data = self.data;
      if (!data || !data.style.projector || !ctl.open || (ev.code !== "ArrowUp" && ev.code !== "ArrowDown")) return;
      var t = ev.target;
      if (NS.isTextField(t) || t && (t.tagName === "SELECT" || (t.getAttribute && t.getAttribute("role") === "slider")) ||
        t && t.classList && t.classList.contains("liverange")) return;
      var keys = Object.keys(ctl.rows);
      if (!keys.length) return;
      var row = ctl.rows[ctl.last && ctl.rows[ctl.last] ? ctl.last : keys[0]], range = row.ranges[0];
      ev.preventDefault();
      ev.stopPropagation();
      var v = Math.max(0, Math.min(parseInt(range.max, 10), parseInt(range.value, 10) + (ev.code === "ArrowUp" ? 1 : -1)));
      range.value = String(v);
      self._liveInput(row, ev);
      if (ctl.nudge) global.clearTimeout(ctl.nudge);
      ctl.nudge = global.setTimeout(function () { ctl.nudge = null; self._liveCommit(row); }, NUDGE_MS);
    };
    this._keyDocs.forEach(function (doc) { doc.addEventListener("keydown", onKey, true); });
    this.liveBox.addEventListener("focusin", function (ev) {
      var ctl = self._liveState();
      Object.keys(ctl.rows).forEach(function (key) { if (ctl.rows[key].el.contains(ev.target)) ctl.last = key; });
    });
  };
})(window);
