// The workspace shows each deliverable's accepted file and the one being checked: after a resumable upload
// finishes, reload so the new file appears with its live check (media.js then reloads again when it is done).
document.addEventListener("gongbang:uploaded", function (event) {
  "use strict";
  event.preventDefault();
  window.location.reload();
});
