// Timecoded feedback: pausing a video fills in the moment; a comment's time button plays from there.
// The rubric's total follows the levels picked (liveTotal).
(function () {
  "use strict";
  function videoFor(mediaId) {
    return document.querySelector('[data-grading-video][data-media-id="' + mediaId + '"]') ||
      document.querySelector("[data-grading-video]");
  }
  // The rubric total as levels are picked: raw points (weight x level points; a range level counts the points
  // typed for it) scaled to the project's maximum grade, rounded half up to one decimal as the server does.
  // Only a preview: saving recomputes the grade on the server (with any late penalty).
  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : null;
  }

  function trim(n) {
    // 84.0 -> "84", 84.3 -> "84.3" (the pages' grade filter writes grades the same way).
    var text = (Math.round(n * 10 + 1e-9) / 10).toFixed(1);
    return text.slice(-2) === ".0" ? text.slice(0, -2) : text;
  }

  function liveTotal(box) {
    var form = box.closest("form");
    var criteria = form.querySelectorAll("fieldset.criterion[data-weight]");
    var raw = 0, maxRaw = 0, done = 0;
    criteria.forEach(function (fieldset) {
      var weight = number(fieldset.getAttribute("data-weight")) || 0;
      var top = 0;
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
        top = Math.max(top, number(radio.getAttribute("data-points")) || number(radio.getAttribute("data-max-points")) || 0);
      });
      maxRaw += weight * top;
      var picked = fieldset.querySelector("input[type=radio]:checked");
      if (!picked) { return; }
      var points = number(picked.getAttribute("data-points"));
      if (points === null) {
        var typed = fieldset.querySelector("[data-range-points]");
        var value = typed ? number(typed.value) : null;
        var low = number(picked.getAttribute("data-min-points"));
        var high = number(picked.getAttribute("data-max-points"));
        if (value === null || value < low || value > high) { return; }  // the server would refuse it too
        points = value;
      }
      raw += weight * points;
      done += 1;
    });
    var max = number(box.getAttribute("data-max-grade")) || 0;
    var total = maxRaw > 0 ? raw / maxRaw * max : 0;
    var template = box.getAttribute(done === criteria.length ? "data-text" : "data-text-partial");
    var values = {total: trim(total), max: box.getAttribute("data-max-grade"), done: done, all: criteria.length};
    box.querySelector("[data-rubric-total-text]").textContent = template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rubric-total]").forEach(function (box) {
      var form = box.closest("form");
      if (!form) { return; }
      var update = function (event) {
        if (event && !event.target.matches("input[type=radio], [data-range-points]")) { return; }
        liveTotal(box);
      };
      form.addEventListener("change", update);
      form.addEventListener("input", update);
      liveTotal(box);
    });
    var seconds = document.querySelector("[data-comment-seconds]");
    var media = document.querySelector("[data-comment-media]");
    document.querySelectorAll("[data-grading-video]").forEach(function (video) {
      var fill = function () {
        if (seconds) { seconds.value = video.currentTime.toFixed(1); }
        if (media) { media.value = video.getAttribute("data-media-id"); }
      };
      video.addEventListener("pause", fill);
      video.addEventListener("seeked", fill);
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-seek]");
      if (!button) { return; }
      var video = videoFor(button.getAttribute("data-media-id"));
      if (video) {
        video.currentTime = parseFloat(button.getAttribute("data-seek"));
        video.scrollIntoView({block: "center"});
        video.play().catch(function () {});
      }
    });
  });
})();
