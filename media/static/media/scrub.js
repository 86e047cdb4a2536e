// Scrub strip: the frames of a video's sprite sheet under the player, read from its WebVTT thumbnail track.
// Tapping a frame plays from there (phones have no hover previews). Progressive: without it the player works.
(function () {
  "use strict";
  if (window.GongbangScrub) { return; }

  function seconds(stamp) {
    var parts = stamp.trim().split(":").map(Number);
    return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  function parse(text, base) {
    var cues = [];
    text.split(/\r?\n\r?\n/).forEach(function (block) {
      var lines = block.trim().split(/\r?\n/);
      var timing = lines.findIndex(function (line) { return line.indexOf("-->") !== -1; });
      if (timing === -1 || !lines[timing + 1]) { return; }
      var span = lines[timing].split("-->");
      var target = new URL(lines[timing + 1].trim(), base);
      var box = /#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(target.href);
      if (!box) { return; }
      target.hash = "";
      cues.push({start: seconds(span[0]), image: target.href, x: +box[1], y: +box[2], w: +box[3], h: +box[4]});
    });
    return cues;
  }

  function build(video) {
    var track = video.querySelector("track[label=thumbnails]");
    if (!track || video.hasAttribute("data-scrub-built")) { return; }
    video.setAttribute("data-scrub-built", "");
    var url = new URL(track.getAttribute("src"), window.location.href);
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (text) {
        var cues = parse(text, url);
        if (!cues.length) { return; }
        var strip = document.createElement("div");
        strip.className = "scrub-strip";
        cues.forEach(function (cue) {
          var frame = document.createElement("button");
          frame.type = "button";
          frame.className = "scrub-frame";
          // Set through the CSSOM: the CSP allows no inline style attributes.
          frame.style.width = cue.w + "px";
          frame.style.height = cue.h + "px";
          frame.style.backgroundImage = "url(\"" + cue.image + "\")";
          frame.style.backgroundPosition = "-" + cue.x + "px -" + cue.y + "px";
          var minutes = Math.floor(cue.start / 60), rest = Math.floor(cue.start % 60);
          frame.setAttribute("aria-label", minutes + ":" + (rest < 10 ? "0" : "") + rest);
          frame.addEventListener("click", function () {
            video.currentTime = cue.start;
            video.play().catch(function () {});
          });
          strip.appendChild(frame);
        });
        video.insertAdjacentElement("afterend", strip);
      })
      .catch(function () {});  // no strip is better than a broken page
  }

  // media.js calls this for players that arrive later (the live status panel).
  window.GongbangScrub = {build: build};

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("video[data-scrub]").forEach(build);
  });
})();
