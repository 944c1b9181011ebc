/*
 * The bar above the maps (Play, Reset, scrubber, speed menu, arrows box, "Set start", the
 * arrow legend), the hint under them, and the keys that drive the player from anywhere on the
 * page: Space plays or pauses, ←/→ step, ? shows the keys. (Keys 1–4, which pick a "Predict
 * first" choice, belong to that box: ui/predict.py handles them on the page and inside this frame.)
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, el = NS.el, P = NS.Player.prototype;

  // The bar's elements; their words come with the data (_labelToolbar, on every payload), so a
  // language switch relabels the bar. The bar is built before the first payload arrives (in the
  // same tick, before any paint), so it is never seen without its words.
  P._buildToolbar = function () {
    var self = this;
    this.root.classList.add("descent-player");
    var bar = this.bar = el("div", { class: "bar" }, this.root);
    this.playBtn = el("button", { class: "play", type: "button" }, bar);
    this.resetBtn = el("button", { class: "reset", type: "button" }, bar);
    this.scrub = el("input", { class: "scrub", type: "range", min: "0", max: "1", step: "1", value: "0" }, bar);
    this.stepLabel = el("span", { class: "steplabel" }, bar);
    var sp = el("label", { class: "speed" }, bar);
    this.speedWord = el("span", {}, sp);
    this.speedSel = el("select", { class: "speedsel" }, sp);
    this.speedUnit = el("span", {}, sp);
    var ar = el("label", { class: "arrows" }, bar);
    this.arrowsBox = el("input", { type: "checkbox", class: "arrowsbox" }, ar);
    this.arrowsWord = el("span", {}, ar);
    this.startBtn = el("button", { class: "setstart", type: "button", "aria-pressed": "false" }, bar);
    this.startBtn.style.display = "none";
    this.helpBtn = el("button", { class: "helpbtn", type: "button", text: "?", "aria-expanded": "false" }, bar);
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

  // The bar's words in the payload's language (texts): buttons, titles, accessible names, the keys' panel.
  P._labelToolbar = function () {
    var data = this.data;
    function tr(key) { return NS.tr(data, key); }
    this.playBtn.textContent = tr(this.clock.playing ? "player.pause" : "player.play");
    this.playBtn.title = tr(this.hidden ? "player.locked_title" : "player.play_title");
    this.resetBtn.textContent = tr("player.reset");
    this.resetBtn.title = tr("player.reset_title");
    this.scrub.setAttribute("aria-label", tr("player.scrubber"));
    this.speedWord.textContent = tr("player.speed") + " ";
    this.speedUnit.textContent = " " + tr("player.speed_unit");
    this.speedSel.setAttribute("aria-label", tr("player.speed_menu"));
    this.arrowsWord.textContent = " " + tr("player.arrows");
    this.startBtn.textContent = tr("player.set_start");
    this.startBtn.title = tr("player.set_start_title");
    this.helpBtn.title = tr("player.help_button");
    this.helpBtn.setAttribute("aria-label", tr("player.help_label"));
    this._labelHelp();
  };

  // The bar for a new payload: its words, scrubber range, speed menu, what is enabled, the hint.
  P._updateToolbar = function () {
    var data = this.data, self = this;
    this._labelToolbar();
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
    this.startBtn.style.display = data.clickable && this.touch ? "" : "none";
    this.helpBtn.style.display = this.touch ? "none" : ""; // a phone has no keys to press
    var how = this.hidden ? "" : this.touch ? (data.clickable ? NS.tr(data, "player.hint.touch") : "") :
      NS.tr(data, data.clickable ? "player.hint.click" : "player.hint.keys");
    this.hint.textContent = (how + (data.note ? "  " + data.note : "")).trim();
    this._arrowLegend();
  };

  // The arrow legend: one entry per arrow kind, each with a drawn sample line, spaced apart.
  P._arrowLegend = function () {
    var box = this.arrowLegend;
    box.innerHTML = "";
    box.style.display = this.showArrows && this.data ? "" : "none";
    if (!this.data) return;
    var data = this.data, colors = data.colors;
    var entries = [["dashed", colors.gradient, NS.tr(data, "player.legend.gradient")],
      ["solid", "#262730", NS.tr(data, "player.legend.step")]];
    if (data.runs.some(function (run) { return run.momentum_arrows; })) {
      entries.push(["dotted", "#262730", NS.tr(data, "player.legend.momentum")]);
    }
    entries.forEach(function (e) {
      var item = el("span", { class: "arrowkey" }, box);
      el("span", { class: "arrowsample", style: "border-top: 3px " + e[0] + " " + e[1] }, item);
      el("span", { text: e[2] }, item);
    });
    el("span", { class: "arrowscale" }, box);
  };

  // The keys, in a panel over the maps, readable from the back of a room (it takes the player's
  // font size, larger in projector mode): [key, what it does], words by catalog key.
  var KEYS = [["player.keys.space", "player.keys.space_does"], ["← / →", "player.keys.arrows_does"],
    ["1 – 4", "player.keys.answers_does"], ["?", "player.keys.help_does"], ["player.keys.tab", "player.keys.tab_does"]];

  P._buildHelp = function () {
    this.helpShown = false;
    this.helpPanel = el("div", { class: "keyhelp", role: "dialog" }, this.root);
    this.helpPanel.style.display = "none";
  };

  // The panel's words in the payload's language (rebuilt on each payload; it keeps its shown state).
  P._labelHelp = function () {
    var self = this, data = this.data, panel = this.helpPanel;
    function tr(key) { return key.indexOf("player.") === 0 ? NS.tr(data, key) : key; }
    panel.innerHTML = "";
    panel.setAttribute("aria-label", tr("player.help_label"));
    el("div", { class: "keyhelp-title", text: tr("player.keys_title") }, panel);
    var table = el("table", {}, panel);
    // ↑/↓ nudge a live slider on a projector (live.js), so the panel lists them only there.
    var keys = data.live_offer && data.style.projector ? KEYS.concat([["↑ / ↓", "player.keys.nudge_does"]]) : KEYS;
    keys.forEach(function (k) {
      var row = el("tr", {}, table);
      el("kbd", { text: tr(k[0]) }, el("td", {}, row));
      el("td", { text: tr(k[1]) }, row);
    });
    var close = el("button", { class: "keyhelp-close", type: "button", text: tr("player.close") }, panel);
    close.addEventListener("click", function () { self.showHelp(false); });
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
