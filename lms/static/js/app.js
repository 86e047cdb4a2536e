// Progressive enhancements only: every page works without this file.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var confirmBtn = event.target.closest("[data-confirm]");
  if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) {
    event.preventDefault();
    return;
  }
  var toggle = event.target.closest(".nav-toggle");
  if (toggle) {
    var links = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = links.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    return;
  }
  var copyBtn = event.target.closest("[data-copy]");
  if (copyBtn && navigator.clipboard) {
    var source = document.querySelector(copyBtn.getAttribute("data-copy"));
    if (source) {
      navigator.clipboard.writeText(source.textContent.trim());
    }
  }
});
