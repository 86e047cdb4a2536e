// Timecoded feedback: pausing a video fills in the moment; a comment's time button plays from there.
(function () {
  "use strict";
  function videoFor(mediaId) {
    return document.querySelector('[data-grading-video][data-media-id="' + mediaId + '"]') ||
      document.querySelector("[data-grading-video]");
  }
  document.addEventListener("DOMContentLoaded", function () {
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
