/*
 * The Player: one race on screen. It takes a payload (setData), keeps the state every module
 * shares (the current step, the panels, the arrows switch) and draws a frame (draw). The other
 * modules add their methods to Player.prototype, each for one job (see shared.js).
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer;

  function Player(root, hooks) {
    this.root = root;
    this.hooks = hooks || {};
    this.showArrows = false;
    this.panels = [];
    this.data = null;
    this.layoutKey = null;
    this.seq = 0;
    this.lastK = -1;
    this.pendingStart = null;
    this.touch = NS.isTouch();
    this.setStart = false;
    this.playback = null;
    this.presenting = false; // projector mode was on for the last payload
    var self = this;
    this.clock = new NS.Clock(function () { self.draw(false); }, function () { self.pause(true); });
    this.lossChart = new NS.LossChart(root);
    this._buildToolbar();
    this._buildPanelArea();
    this._listenForKeys();
    this._watchSize();
  }

  Player.prototype.setData = function (data) {
    var first = this.data === null;
    this.data = data;
    // The payload's language and font stack (viz.style.FONT_FAMILY: Latin, then CJK fonts).
    this.root.setAttribute("lang", data.lang);
    this.root.style.fontFamily = data.style.font_family;
    try { document.documentElement.lang = data.lang; } catch (e) { /* no document element */ }
    if (first) {
      this.showArrows = data.arrows;
      this.arrowsBox.checked = this.showArrows;
    }
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-label", data.title);
    // A new race (another lesson preset, another step count) starts at step 0 at its own
    // default speed; the same race with new numbers keeps the step and the chosen speed.
    var clock = this.clock, fresh = data.playback !== this.playback;
    this.playback = data.playback;
    if (fresh) {
      this.pause(false);
      clock.step = 0;
      clock.speed = null;
    }
    // Coming back to the page mounts a new player: it resumes at the step the page kept.
    if (first) clock.step = data.start_step;
    clock.end = data.steps;
    clock.step = Math.min(clock.step, data.steps);
    if (clock.speed === null) clock.speed = data.speed;
    this.root.classList.toggle("projector", data.style.projector);
    // Predict first: the runs are hidden (the payload holds only their start points), so there
    // is nothing to play until the student commits a prediction.
    this.hidden = data.hidden;
    if (this.hidden) {
      this.pause(false);
      clock.step = 0;
    }
    this.root.classList.toggle("touch", this.touch);
    this._updateToolbar();
    this.pendingStart = null;
    var key = JSON.stringify([data.grid_id, data.mode, data.runs.map(function (run) { return run.key; }),
      data.style, data.start, data.minima]);
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this._buildPanels();
    } else {
      this._updateHeads();
    }
    if (clock.playing) clock.restart();
    this.lastK = -1;
    this.draw(true);
    this.lossChart.update(data, Math.floor(clock.step));
    this._height();
    if (this._updateLive) this._updateLive(); // the live sliders' rows (live.js)
    // A new race, or projector mode just switched on: the host folds its sidebar (host.js).
    var presenting = data.style.projector && !this.presenting;
    this.presenting = data.style.projector;
    if ((fresh || presenting) && this.hooks.onNewRace) this.hooks.onNewRace(data.style.projector);
  };

  // Draw the current step on every panel's canvas; ``force`` also refreshes the readouts.
  Player.prototype.draw = function (force) {
    if (!this.data) return;
    var data = this.data, s = this.clock.step;
    var k = Math.floor(s);
    var self = this;
    this.panels.forEach(function (p) {
      var heads = self._drawPanel(p, s);
      p.drawnStep = k;
      p.canvas.setAttribute("data-step", String(k));
      if (force || k !== self.lastK) self._readout(p, heads, k);
    });
    if (force || k !== this.lastK) {
      this.scrub.value = String(Math.min(k, data.steps));
      this.stepLabel.textContent = NS.tr(data, "player.step_label", { step: k, steps: data.steps });
      this.root.setAttribute("data-step", String(k));
    }
    this.lossChart.showStep(k, !this.clock.playing);
    this.lastK = k;
  };

  // Tell the page: the step, a clicked start (or null), and whether arrows are shown (the page
  // records gradients and optimizer states only while they are drawn).
  Player.prototype._send = function (click) {
    if (!this.hooks.onValue) return;
    this.seq += 1;
    var value = { step: Math.floor(this.clock.step), click: click || null, seq: this.seq, arrows: this.showArrows };
    if (this._liveValue) Object.assign(value, this._liveValue()); // the live slider's request and commit (live.js)
    this.hooks.onValue(value);
  };

  NS.Player = Player;
  NS.mount = function (root, data, hooks) {
    var p = new Player(root, hooks);
    p.setData(data);
    return p;
  };
})(window);
