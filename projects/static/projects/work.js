// The workspace shows each deliverable's accepted file and the one being checked: after a resumable upload
// finishes, reload so the new file appears with its live check (media.js then reloads again when it is done).
document.addEventListener("gongbang:uploaded", function (event) {
  "use strict";
  event.preventDefault();
  window.location.reload();
});

// "Hand in" saves the declarations on the same form, so the checklist and the button follow the AI answer
// as it is chosen on the form, not only the saved one. The other missing parts (files, answers) come from
// the server: data-blocked counts them.
(function () {
  "use strict";
  function follow() {
    var form = document.querySelector("[data-work-form]");
    if (!form) return;
    var ai = form.elements.namedItem("ai_used");
    var item = form.querySelector("[data-ai-unanswered]");
    var button = form.querySelector("[data-hand-in]");
    var checklist = form.querySelector("[data-checklist]");
    if (!ai || !item || !button) return;
    var update = function () {
      var unanswered = !ai.value;
      var blocked = Number(button.getAttribute("data-blocked") || "0");
      item.hidden = !unanswered;
      button.disabled = unanswered || blocked > 0;
      if (checklist) checklist.hidden = !unanswered && blocked === 0;
    };
    ai.addEventListener("change", update);
    ai.addEventListener("input", update);
    // A draft put back into the form fires input/change; the browser refilling it on Back fires pageshow.
    window.addEventListener("pageshow", update);
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
})();
