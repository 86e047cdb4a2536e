// Transcript beside a player: the lines of one caption track, each a button that plays from its start;
// a search box narrows the list. Lines are built from the browser's parsed cues and set as text
// (textContent), never as HTML. Progressive: without it the player and its tracks still work.
(function () {
  "use strict";

  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (r < 10 ? "0" : "") + r;
  }

  function cueText(cue) {
    // getCueAsHTML builds a DOM fragment from WebVTT's own tags only; its text is plain.
    return cue.getCueAsHTML ? cue.getCueAsHTML().textContent : String(cue.text || "");
  }

  function build(panel) {
    // The script may be on a page twice (one tag per player partial): each panel is built once.
    if (panel.hasAttribute("data-transcript-built")) { return; }
    panel.setAttribute("data-transcript-built", "");
    var video = document.getElementById(panel.getAttribute("data-transcript-for"));
    if (!video || !video.textTracks) { return; }
    // Only the caption tracks, in the panel's order: a grading player also carries the scrub strip's
    // thumbnails as a metadata track, which is no transcript.
    var elements = Array.prototype.filter.call(video.querySelectorAll("track"), function (el) {
      return el.kind === "subtitles" || el.kind === "captions";
    });
    if (!elements.length) { return; }
    var select = panel.querySelector("[data-transcript-track]");
    var search = panel.querySelector("[data-transcript-search]");
    var list = panel.querySelector("[data-transcript-lines]");
    var status = panel.querySelector("[data-transcript-status]");
    var current = null;

    function filter() {
      var query = search.value.trim().toLocaleLowerCase().normalize("NFC");
      var shown = 0;
      Array.prototype.forEach.call(list.children, function (item) {
        var match = !query || item.getAttribute("data-text").indexOf(query) !== -1;
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      status.hidden = shown > 0 || !list.children.length;
      status.textContent = panel.getAttribute("data-transcript-empty");
    }

    function fill(track) {
      list.textContent = "";
      Array.prototype.forEach.call(track.cues || [], function (cue) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        var time = document.createElement("span");
        var text = cueText(cue);
        button.type = "button";
        button.className = "transcript-line secondary outline";
        time.className = "transcript-time";
        time.textContent = clock(cue.startTime);
        button.appendChild(time);
        button.appendChild(document.createTextNode(" " + text));
        button.addEventListener("click", function () {
          video.currentTime = cue.startTime;
          video.play().catch(function () {});
        });
        item.setAttribute("data-start", cue.startTime);
        item.setAttribute("data-text", text.toLocaleLowerCase().normalize("NFC"));
        item.appendChild(button);
        list.appendChild(item);
      });
      filter();
    }

    function mark() {
      var cues = current && current.activeCues;
      var start = cues && cues.length ? String(cues[0].startTime) : null;
      Array.prototype.forEach.call(list.children, function (item) {
        var active = item.getAttribute("data-start") === start;
        if (active && !item.hasAttribute("aria-current")) {
          item.setAttribute("aria-current", "true");
          if (!item.hidden) { item.scrollIntoView({block: "nearest"}); }
        } else if (!active) {
          item.removeAttribute("aria-current");
        }
      });
    }

    function choose(index) {
      if (current) { current.removeEventListener("cuechange", mark); }
      current = elements[index].track;
      // "hidden" loads the cues without drawing them; a track the viewer switched on stays shown.
      if (current.mode === "disabled") { current.mode = "hidden"; }
      current.addEventListener("cuechange", mark);
      var element = elements[index];
      if (element && element.readyState === 2) { fill(current); }
      else if (element) { element.addEventListener("load", function () { fill(current); }, {once: true}); }
    }

    var first = elements.findIndex(function (el) { return el.default; });
    select.value = String(first < 0 ? 0 : first);
    select.addEventListener("change", function () { choose(Number(select.value)); });
    search.addEventListener("input", filter);
    panel.hidden = false;
    choose(Number(select.value));
  }

  function start() { document.querySelectorAll("[data-transcript]").forEach(build); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());
