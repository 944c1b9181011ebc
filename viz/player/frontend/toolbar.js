/*
 * The bar above the maps (Play, Reset, scrubber, speed menu, arrows box, "Set start", the
 * arrow legend), the hint under them, and the keys that drive the player from anywhere on the
 * page: Space plays or pauses, ←/→ step, ? shows the keys. (Keys 1–4, which pick a "Predict
 * first" choice, belong to that box: ui/predict.py handles them on the page and inside this frame.)
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, el = NS.el, P = NS.Player.prototype;

  P._buildToolbar = function () {
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
    this.helpBtn = el("button", { class: "helpbtn", type: "button", text: "?", title: "Keys (?)",
      "aria-label": "Keyboard keys", "aria-expanded": "false" }, bar);
    this.arrowLegend = el("span", { class: "arrowlegend" }, bar);
    this.arrowLegend.style.display = "none";
    this._buildHelp();

    this.playBtn.addEventListener("click", function () { self.toggle(); });
    this.helpBtn.addEventListener("click", function () { self.showHelp(!self.helpShown); });
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
    this.speedSel.addEventListener("change", function () { self.clock.setSpeed(parseFloat(self.speedSel.value)); });
    this.arrowsBox.addEventListener("change", function () {
      self.showArrows = self.arrowsBox.checked;
      self._arrowLegend();
      self.draw(true);
      self._height();
      // The page records gradients only while arrows are shown: ask it for them.
      if (self.showArrows && !self.data.runs.some(function (run) { return run.gradients; })) self._send();
    });
  };

  // The bar for a new payload: scrubber range, speed menu, what is enabled, the hint.
  P._updateToolbar = function () {
    var data = this.data, self = this;
    this.scrub.max = String(data.steps);
    this.speedSel.innerHTML = "";
    data.speeds.forEach(function (v) {
      var o = el("option", { value: String(v), text: String(v) }, self.speedSel);
      if (v === self.clock.speed) o.selected = true;
    });
    this.root.classList.toggle("hidden-runs", this.hidden);
    this.playBtn.disabled = this.hidden;
    this.scrub.disabled = this.hidden;
    this.arrowsBox.disabled = this.hidden;
    this.playBtn.title = this.hidden ? "Lock in your prediction first" : "Play / pause (space)";
    this.startBtn.style.display = data.clickable && this.touch ? "" : "none";
    this.helpBtn.style.display = this.touch ? "none" : ""; // a phone has no keys to press
    var how = this.hidden ? "" : this.touch ? (data.clickable ? "Tap “Set start”, then a map, to start from there." : "") :
      (data.clickable ? "Click a map to start from there. Space: play/pause, ←/→: one step, ?: keys." :
        "Space: play/pause, ←/→: one step, ?: keys.");
    this.hint.textContent = (how + (data.note ? "  " + data.note : "")).trim();
    this._arrowLegend();
  };

  // The arrow legend: one entry per arrow kind, each with a drawn sample line, spaced apart.
  P._arrowLegend = function () {
    var box = this.arrowLegend;
    box.innerHTML = "";
    box.style.display = this.showArrows && this.data ? "" : "none";
    if (!this.data) return;
    var colors = this.data.colors;
    var entries = [["dashed", colors.gradient, "−η·∇f (gradient step)"], ["solid", "#262730", "the actual step"]];
    if (this.data.runs.some(function (run) { return run.momentum_arrows; })) {
      entries.push(["dotted", "#262730", "−η·velocity (momentum)"]);
    }
    entries.forEach(function (e) {
      var item = el("span", { class: "arrowkey" }, box);
      el("span", { class: "arrowsample", style: "border-top: 3px " + e[0] + " " + e[1] }, item);
      el("span", { text: e[2] }, item);
    });
    el("span", { class: "arrowscale" }, box);
  };

  // The keys, in a panel over the maps, readable from the back of a room (it takes the player's
  // font size, larger in projector mode).
  var KEYS = [["Space", "play / pause"], ["← / →", "one step back / forward"],
    ["1 – 4", "pick an answer in a “Predict first” box"], ["?", "show or hide these keys"],
    ["Tab, then Space or Enter", "press the button or switch the toggle that has the focus"]];

  P._buildHelp = function () {
    var self = this;
    this.helpShown = false;
    this.helpPanel = el("div", { class: "keyhelp", role: "dialog", "aria-label": "Keyboard keys" }, this.root);
    el("div", { class: "keyhelp-title", text: "Keys" }, this.helpPanel);
    var table = el("table", {}, this.helpPanel);
    KEYS.forEach(function (k) {
      var row = el("tr", {}, table);
      el("kbd", { text: k[0] }, el("td", {}, row));
      el("td", { text: k[1] }, row);
    });
    var close = el("button", { class: "keyhelp-close", type: "button", text: "Close" }, this.helpPanel);
    close.addEventListener("click", function () { self.showHelp(false); });
    this.helpPanel.style.display = "none";
  };

  P.showHelp = function (on) {
    this.helpShown = on;
    this.helpPanel.style.display = on ? "" : "none";
    this.helpBtn.setAttribute("aria-expanded", String(on));
  };

  // A button or a toggle the keyboard has focused (Tab): Space and Enter press it, as anywhere
  // else. One focused by a click does not keep Space from the player: the last-clicked button or
  // toggle must not be pressed again when the teacher means Play. (Chromium's :focus-visible
  // cannot tell: a click on a toggle's label counts as visible focus, so the player keeps track
  // of whether the last focus move was a key or a pointer.)
  function isControl(t) {
    if (!t || !t.getAttribute) return false;
    return t.tagName === "BUTTON" || t.getAttribute("role") === "button" || t.getAttribute("role") === "switch" ||
      (t.tagName === "INPUT" && (t.type === "checkbox" || t.type === "radio"));
  }

  // Space and ←/→ anywhere on the page: the component's frame is same-origin, so it listens on
  // the parent document too, in the capture phase, unless the user is typing in a text field.
  P._listenForKeys = function () {
    var self = this;
    this._onKey = function (ev) {
      var t = ev.target;
      if (ev.key === "Tab" && ev.type === "keydown") self._focusByKey = true;
      if (NS.isTextField(t) || t && t.tagName === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "?") {
        if (ev.type === "keydown" && !ev.repeat) self.showHelp(!self.helpShown);
        ev.preventDefault();
        return;
      }
      if (ev.key === "Escape" && self.helpShown) { self.showHelp(false); return; }
      if (self._focusByKey && isControl(t) && (ev.code === "Space" || ev.key === "Enter")) {
        // A check box ignores Enter by itself: a toggle switches on Enter like a button presses.
        if (ev.key === "Enter" && t.tagName === "INPUT" && ev.type === "keydown") { ev.preventDefault(); t.click(); }
        return;
      }
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
        self.seek(Math.floor(self.clock.step) + (ev.code === "ArrowRight" ? 1 : -1));
        self._send();
      }
    };
    this._keyDocs = [document];
    try { // the page around the component's iframe (same origin): keys work on the whole page
      if (global.parent !== global && global.parent.document) this._keyDocs.push(global.parent.document);
    } catch (e) { /* cross-origin host: keys work inside the player only */ }
    this._focusByKey = false;
    this._onPointer = function () { self._focusByKey = false; };
    this._keyDocs.forEach(function (doc) {
      doc.addEventListener("keydown", self._onKey, true);
      doc.addEventListener("keyup", self._onKey, true);
      doc.addEventListener("pointerdown", self._onPointer, true);
    });
    global.addEventListener("pagehide", function () { self.detachKeys(); });
  };

  P.detachKeys = function () {
    var self = this;
    this._keyDocs.forEach(function (doc) {
      try {
        doc.removeEventListener("keydown", self._onKey, true);
        doc.removeEventListener("keyup", self._onKey, true);
        doc.removeEventListener("pointerdown", self._onPointer, true);
      }
      catch (e) { /* the host page is gone */ }
    });
    this._keyDocs = [];
  };
})(window);
