/*
 * What is written above the maps: each panel's head (the run's name, its loss readout, a
 * "diverged · step N" badge, the arrows' magnification) and the overlay map's legend. A head
 * stays on one line (player.css) so the maps stay aligned.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer, el = NS.el, P = NS.Player.prototype;

  // Short, so that the run's name and the whole badge fit a phone's or a 3-column laptop's panel.
  function badgeText(data, run) { return NS.tr(data, "player.head.badge", { step: run.diverged_at }); }

  P._buildHead = function (p) {
    var head = p.head = el("div", { class: "phead" }, p.el);
    if (p.isData) {
      p.name = el("span", { class: "pname", text: NS.tr(this.data, "player.head.data") }, head);
      p.readout = el("span", { class: "readout", text: "y = w·x + b" }, head);
    } else if (this.data.mode !== "overlay" && p.runs.length === 1) {
      var run = p.runs[0];
      el("span", { class: "swatch", style: "background:" + run.color }, head);
      p.name = el("span", { class: "pname", text: run.label, title: run.label, style: "color:" + run.color }, head);
      p.readout = el("span", { class: "readout" }, head);
    } else {
      p.readout = el("span", { class: "readout" }, head);
      head.style.display = this.data.runs.length ? "" : "none";
    }
  };

  // The same runs and layout with new numbers (e.g. a learning-rate change): new badges.
  P._updateHeads = function () {
    var self = this;
    this.panels.forEach(function (p) {
      if (p.isData) {
        p.runs = self.data.runs;
        p.name.textContent = NS.tr(self.data, "player.head.data");  // a language switch keeps the panel
      } else if (p.runs.length === 1) {
        var run = p.runs[0], key = run.key;
        var fresh = self.data.runs.filter(function (run) { return run.key === key; })[0];
        if (fresh) p.runs = [run = fresh];
        p.badges.forEach(function (b) { b.el.remove(); });
        p.badges = [];
        if (NS.diverged(run)) {
          p.badges.push({ run: run, el: el("span", { class: "badge", text: badgeText(self.data, run) }, p.head) });
        }
      } else {
        p.runs = self.data.runs;
      }
    });
    if (this.data.mode === "overlay" && this.panels.length) {
      this.legend.innerHTML = "";
      this.data.runs.forEach(function (run) {
        var chip = el("span", { class: "chip" }, self.legend);
        el("span", { class: "swatch", style: "background:" + run.color }, chip);
        el("span", { class: "chipname", text: run.label }, chip);
        if (NS.diverged(run)) el("span", { class: "badge", text: badgeText(self.data, run) }, chip);
      });
    }
  };

  // The loss at step k (and the noise cloud's median), or the arrows' magnification alone.
  P._readout = function (p, heads, k) {
    if (p.isData) return; // its head says what it shows; the lines are the readout
    if (this.hidden) { p.readout.textContent = ""; return; }
    var run = p.runs.length === 1 ? p.runs[0] : null;
    if (run) {
      var cloud = run.cloud;
      // A diverged run's badge already says where it went: the readout keeps its room for the loss.
      var gone = NS.diverged(run) && k >= run.diverged_at;
      var data = this.data;
      var text = NS.tr(data, "player.head.loss", { loss: NS.fmt(run.loss[Math.min(k, run.points - 1)]) }) +
        (heads[0].off && !gone ? "  " + NS.tr(data, "player.head.off_map") : "");
      if (cloud && cloud.points) {
        text += "  ·  " + NS.tr(data, "player.head.median",
          { loss: NS.fmt(cloud.median_loss[Math.max(0, NS.upto(cloud.step_index, k) - 1)]) });
      }
      p.readout.textContent = text + this._scaleText(p);
    } else {
      p.readout.textContent = this._scaleText(p).trim();
    }
    // Badges exist for diverged runs only.
    p.badges.forEach(function (b) { var run = b.run; b.el.classList.toggle("reached", k >= run.diverged_at); });
    p.el.classList.toggle("diverged", !!run && NS.diverged(run) && k >= run.diverged_at);
    if (this.data.mode === "overlay") {
      var chips = this.legend.querySelectorAll(".chip");
      this.data.runs.forEach(function (run, i) {
        var b = chips[i] && chips[i].querySelector(".badge");
        if (b) b.classList.toggle("reached", k >= run.diverged_at);
      });
    }
  };

  P._scaleText = function (p) {
    var f = p.arrowScale || 1;
    if (!this.showArrows || Math.abs(f - 1) < 0.05) return "";
    return "  ·  " + NS.tr(this.data, "player.head.arrows", { factor: f >= 10 ? Math.round(f) : f.toPrecision(2) });
  };
})(window);
