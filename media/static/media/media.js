// Live status of an upload's checks, and the poster picker. Progressive:
// without this file the page still shows the state when it was loaded.
(function () {
  "use strict";
  if (window.GongbangMedia) { return; }  // loaded by the page and by an uploader on it

  function poll(panel) {
    var url = panel.getAttribute("data-status-url");
    var delay = 1000;
    function tick() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          if (data.done && panel.hasAttribute("data-reload-when-done")) {
            // The page around the panel depends on the outcome (e.g. a draft's accepted file).
            window.location.reload();
            return;
          }
          // The server renders (and escapes) the panel; only its own HTML is inserted.
          if (panel.getAttribute("data-version") !== String(data.version) || data.done) {
            panel.innerHTML = data.html;
            panel.setAttribute("data-version", String(data.version));
            wire(panel);
          }
          if (!data.done) {
            delay = Math.min(delay * 1.5, 10000);
            setTimeout(tick, delay);
          }
        })
        .catch(function () { setTimeout(tick, 10000); });  // weak link: keep trying, slowly
    }
    setTimeout(tick, delay);
  }

  function wire(root) {
    var video = root.querySelector("[data-media-video]");
    if (video && video.hasAttribute("data-scrub") && window.GongbangScrub) {
      window.GongbangScrub.build(video);
    }
    var seconds = root.querySelector("[data-poster-seconds]");
    if (video && seconds) {
      var fill = function () { seconds.value = video.currentTime.toFixed(1); };
      video.addEventListener("pause", fill);
      video.addEventListener("seeked", fill);
    }
  }

  function watch(panel) {
    wire(panel);
    if (panel.hasAttribute("data-status-url")) { poll(panel); }
  }

  // Uploaders (upload.js) show the status of the file they have just sent in a panel of their own.
  window.GongbangMedia = {watch: watch};

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-media-panel]").forEach(watch);
  });
})();
