// Caption editor: each cue row gets buttons to play it, take its start or end from the player, split it
// at the player's time (or the text cursor), add a row after it and remove it; Alt+J, Alt+S and Alt+E do
// the first three for the row holding the focus. The row being played is marked. Text is only ever set
// as form values, never as HTML. Without this script the page is a plain form that saves the same way.
(function () {
  "use strict";

  var LOOSE = /^\s*(?:(?:(\d{1,2}):)?(\d{1,2}):)?(\d+(?:[.,]\d{1,3})?)\s*$/;

  function seconds(text) {
    var m = LOOSE.exec(text || "");
    if (!m) { return null; }
    var s = parseFloat(m[3].replace(",", "."));
    if ((m[1] || m[2]) && s >= 60) { return null; }
    return (parseInt(m[1] || "0", 10) * 3600) + (parseInt(m[2] || "0", 10) * 60) + s;
  }

  function clock(value) {
    var ms = Math.max(0, Math.round(value * 1000));
    var h = Math.floor(ms / 3600000), m = Math.floor(ms % 3600000 / 60000), s = (ms % 60000) / 1000;
    var sec = (s < 10 ? "0" : "") + s.toFixed(3);
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + sec : m + ":" + sec;
  }

  function setup(form) {
    var video = document.getElementById(form.getAttribute("data-player"));
    var list = form.querySelector("[data-cue-rows]");
    var buttons = form.querySelector("template[data-cue-buttons]");
    var made = 0;
    var field = function (row, name) { return row.querySelector("[data-cue-" + name + "]"); };

    function decorate(row) {
      var actions = row.querySelector("[data-cue-actions]");
      var box = field(row, "remove");
      if (box) { box.parentNode.hidden = true; }  // the Remove button takes the row away at once
      if (!actions.querySelector("button")) { actions.appendChild(buttons.content.cloneNode(true)); }
      if (!video) {
        ["play", "take-start", "take-end"].forEach(function (n) { field(row, n).hidden = true; });
      }
    }

    function newRow(after, start, end, text) {
      var row = after.cloneNode(true);
      made += 1;
      row.querySelector("input[name=row]").value = "new-" + made;
      row.querySelector("input[name=settings]").value = "";
      row.removeAttribute("aria-invalid");
      row.removeAttribute("aria-current");
      Array.prototype.forEach.call(row.querySelectorAll(".problems"), function (p) { p.remove(); });
      field(row, "start").value = start;
      field(row, "end").value = end;
      field(row, "text").value = text;
      var box = field(row, "remove");
      if (box) { box.checked = false; box.value = "new-" + made; }
      after.parentNode.insertBefore(row, after.nextSibling);
      decorate(row);
      number();
      return row;
    }

    function number() {
      var label = form.getAttribute("data-line-label");
      Array.prototype.forEach.call(list.children, function (row, i) {
        var legend = row.querySelector("legend");
        if (label && legend) { legend.textContent = label.replace("{n}", String(i + 1)); }
      });
    }

    function play(row) {
      var start = seconds(field(row, "start").value);
      if (!video || start === null) { return; }
      video.currentTime = start;
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () {}); }
    }

    function take(row, which) {
      if (video) { field(row, which).value = clock(video.currentTime); }
    }

    function split(row) {
      var start = seconds(field(row, "start").value), end = seconds(field(row, "end").value);
      if (start === null || end === null || end <= start) { return; }
      var at = video && video.currentTime > start && video.currentTime < end ? video.currentTime : (start + end) / 2;
      var box = field(row, "text"), text = box.value, cut = box.selectionStart;
      if (!(cut > 0 && cut < text.length)) {
        cut = text.indexOf(" ", Math.floor(text.length / 2));
        if (cut < 0) { cut = text.length; }
      }
      field(row, "end").value = clock(at);
      box.value = text.slice(0, cut).trim();
      field(newRow(row, clock(at), clock(end), text.slice(cut).trim()), "text").focus();
    }

    function add(row) {
      var end = seconds(field(row, "end").value) || 0;
      field(newRow(row, clock(end), clock(end + 2), ""), "text").focus();
    }

    function remove(row) {
      var next = row.nextElementSibling || row.previousElementSibling;
      if (list.children.length <= 1) { return; }
      row.remove();
      number();
      if (next) { field(next, "start").focus(); }
    }

    var actions = {
      "cue-play": play,
      "cue-take-start": function (row) { take(row, "start"); },
      "cue-take-end": function (row) { take(row, "end"); },
      "cue-split": split,
      "cue-add": add,
      "cue-delete": remove
    };

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[type=button]");
      var row = button && button.closest("[data-cue-row]");
      if (!row) { return; }
      Object.keys(actions).forEach(function (name) {
        if (button.hasAttribute("data-" + name)) { actions[name](row); }
      });
    });

    form.addEventListener("keydown", function (event) {
      var row = event.target.closest && event.target.closest("[data-cue-row]");
      if (!row || !event.altKey || event.ctrlKey || event.metaKey) { return; }
      var key = event.key.toLowerCase();
      // event.code too: Alt+letter types another character on some layouts (macOS).
      var byCode = { KeyJ: "j", KeyS: "s", KeyE: "e" }[event.code];
      var which = byCode || key;
      if (which === "j") { play(row); } else if (which === "s") { take(row, "start"); } else if (which === "e") { take(row, "end"); } else { return; }
      event.preventDefault();
    });

    if (video) {
      video.addEventListener("timeupdate", function () {
        var now = video.currentTime;
        Array.prototype.forEach.call(list.children, function (row) {
          var start = seconds(field(row, "start").value), end = seconds(field(row, "end").value);
          if (start !== null && end !== null && now >= start && now < end) {
            row.setAttribute("aria-current", "true");
          } else {
            row.removeAttribute("aria-current");
          }
        });
      });
    }

    Array.prototype.forEach.call(list.children, decorate);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-caption-editor]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
