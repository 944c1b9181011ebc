/*
 * Play, pause and seek. The Clock keeps the time alone (the current step, the speed, the
 * requestAnimationFrame loop); the Player's play/pause/seek below tie it to the Play button,
 * the drawing and the page. The step is fractional while playing (the heads glide between
 * iterates) and whole when paused.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, P = NS.Player.prototype;

  function Clock(onFrame, onEnd) {
    this.step = 0;      // the current (fractional) step
    this.end = 0;       // the last step
    this.speed = null;  // steps per second
    this.playing = false;
    this._onFrame = onFrame;
    this._onEnd = onEnd;
    this._raf = null;
    this._frame = this._frame.bind(this);
  }

  Clock.prototype.start = function () {
    if (this.step >= this.end) this.step = 0;
    this.playing = true;
    this.restart();
    if (!this._raf) this._raf = global.requestAnimationFrame(this._frame);
  };

  // Stop; returns whether it was playing (the step is then rounded down to a whole step).
  Clock.prototype.stop = function () {
    var was = this.playing;
    this.playing = false;
    if (this._raf) { global.cancelAnimationFrame(this._raf); this._raf = null; }
    if (was) this.step = Math.floor(this.step);
    return was;
  };

  // Count time from the current step from now on (after a speed change or new data: no jump).
  Clock.prototype.restart = function () {
    this._from = this.step;
    this._since = performance.now();
  };

  Clock.prototype.seek = function (k) { this.step = Math.max(0, Math.min(this.end, k)); };

  Clock.prototype.setSpeed = function (v) {
    this.speed = v;
    if (this.playing) this.restart();
  };

  Clock.prototype._frame = function (now) {
    this._raf = null;
    if (!this.playing) return;
    this.step = this._from + (now - this._since) / 1000 * this.speed;
    if (this.step >= this.end) {
      this.step = this.end;
      this._onFrame();
      this._onEnd();
      return;
    }
    this._onFrame();
    this._raf = global.requestAnimationFrame(this._frame);
  };

  NS.Clock = Clock;

  P.toggle = function () { if (this.clock.playing) this.pause(true); else this.play(); };

  P.play = function () {
    if (!this.data || this.hidden) return;
    this.clock.start();
    this.playBtn.textContent = NS.tr(this.data, "player.pause");
    this.playBtn.classList.add("playing");
  };

  // ``send``: tell the page the step it stopped at (not when another control paused it first).
  P.pause = function (send) {
    var was = this.clock.stop();
    this.playBtn.textContent = NS.tr(this.data, "player.play");
    this.playBtn.classList.remove("playing");
    if (was) this.draw(true);
    if (was && send) this._send();
  };

  P.seek = function (k) {
    if (!this.data || this.hidden) return;
    this.clock.seek(k);
    this.draw(true);
  };
})(window);
