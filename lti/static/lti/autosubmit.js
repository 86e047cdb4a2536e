// Posts the deep-linking answer back to the LMS at once (the button remains for browsers without script).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("lti-return");
  if (form) { form.submit(); }
});
