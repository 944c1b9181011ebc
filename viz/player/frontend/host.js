/*
 * Where the player runs: a Streamlit components-v1 frame, or the offline HTML export.
 *
 * The components-v1 protocol, implemented by hand (no npm): announce readiness, receive
 * "streamlit:render" with the args, report the frame height and send values back as JSON.
 */
(function (global) {
  "use strict";

  var NS = global.DescentPlayer;

  function post(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    Object.keys(extra || {}).forEach(function (k) { msg[k] = extra[k]; });
    global.parent.postMessage(msg, "*");
  }

  // On a narrow screen (a phone) the sidebar covers most of the page, and on a projector it takes
  // a fifth of the class's view: fold it away whenever a new race arrives (page load, a lesson
  // preset picked in the sidebar) and when projector mode comes on. Streamlit has no API to
  // collapse the sidebar from Python after the first load, so the player presses its button.
  function foldSidebar(projector) {
    try {
      var win = global.parent, doc = win.document;
      if (!projector && win.innerWidth >= 768) return;
      var bar = doc.querySelector('[data-testid="stSidebar"]');
      if (!bar || bar.getAttribute("data-collapsed") === "true" || bar.getAttribute("aria-expanded") === "false" ||
        bar.getBoundingClientRect().right <= 0) return;
      var btn = doc.querySelector('[data-testid="stSidebarCollapseButton"] button') ||
        doc.querySelector('[data-testid="stSidebarCollapseButton"]');
      if (btn) btn.click();
    } catch (e) { /* cross-origin host: leave the sidebar alone */ }
  }

  function startStreamlit() {
    var root = document.getElementById("root");
    var player = null, lastId = null, lastHeight = -1;
    var hooks = {
      onValue: function (value) { post("streamlit:setComponentValue", { value: value, dataType: "json" }); },
      onHeight: function (h) {
        if (h !== lastHeight) { lastHeight = h; post("streamlit:setFrameHeight", { height: h }); }
      },
      onNewRace: foldSidebar
    };
    global.addEventListener("message", function (ev) {
      var msg = ev.data;
      if (!msg || msg.type !== "streamlit:render") return;
      var args = msg.args;
      // Identical data (a rerun for an unrelated widget): keep playing, do not reset.
      if (args.data_id === lastId) return;
      lastId = args.data_id;
      var payload;
      try {
        // The data arrives as bytes (a binary argument: see viz.player.component.player), JSON inside.
        payload = JSON.parse(new TextDecoder().decode(args.data));
      } catch (e) {
        // The words of the last good data (this language); none yet: the error alone.
        root.textContent = player ? NS.tr(player.data, "player.bad_data", { error: String(e) }) : "⚠ " + e;
        return;
      }
      if (!player) player = NS.mount(root, payload, hooks);
      else player.setData(payload);
      global.descentPlayer = player; // for the browser tests
    });
    post("streamlit:componentReady", { apiVersion: 1 });
  }

  function startStandalone() {
    var data = global.DESCENT_STANDALONE_DATA;
    data.clickable = false; // no server to re-run from a clicked start
    global.descentPlayer = NS.mount(document.getElementById("root"), data, {});
  }

  function boot() {
    if (global.DESCENT_STANDALONE_DATA) startStandalone();
    else if (global.parent !== global) startStreamlit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})(window);
