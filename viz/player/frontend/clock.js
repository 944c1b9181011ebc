/*
 * The player's clock: play, pause, seek and the requestAnimationFrame loop. The step s is
 * fractional while playing (the heads glide between iterates) and whole when paused.
 */
(function (global) {
  "use strict";

  var P = global.DescentPlayer.Player.prototype;

  P.toggle = function () { if (this.playing) this.pause(true); else this.play(); };

  P.play = function () {
    if (!this.data || this.hidden) return;
    if (this.s >= this.data.steps) this.s = 0;
    this.playing = true;
    this.playBtn.textContent = "❚❚ Pause";
    this.playBtn.classList.add("playing");
    this.s0 = this.s;
    this.t0 = performance.now();
    if (!this._raf) this._raf = global.requestAnimationFrame(this._tick);
  };

  // ``send``: tell the page the step it stopped at (not when another control paused it first).
  P.pause = function (send) {
    var was = this.playing;
    this.playing = false;
    this.playBtn.textContent = "▶ Play";
    this.playBtn.classList.remove("playing");
    if (this._raf) { global.cancelAnimationFrame(this._raf); this._raf = null; }
    if (was) { this.s = Math.floor(this.s); this.draw(true); }
    if (was && send) this._send();
  };

  P._tick = function (now) {
    this._raf = null;
    if (!this.playing) return;
    var steps = this.data.steps;
    this.s = this.s0 + (now - this.t0) / 1000 * this.speed;
    if (this.s >= steps) {
      this.s = steps;
      this.draw(false);
      this.pause(true);
      return;
    }
    this.draw(false);
    this._raf = global.requestAnimationFrame(this._tick);
  };

  P.seek = function (k) {
    if (!this.data || this.hidden) return;
    this.s = Math.max(0, Math.min(this.data.steps, k));
    this.draw(true);
  };

  // Steps per second; while playing, the new speed counts from now (no jump).
  P.setSpeed = function (v) {
    this.speed = v;
    if (this.playing) { this.s0 = this.s; this.t0 = performance.now(); }
  };
})(window);
