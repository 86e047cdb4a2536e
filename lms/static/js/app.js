// Progressive enhancements only: every page works without this file.
document.addEventListener("click", function (event) {
  var confirmBtn = event.target.closest("[data-confirm]");
  if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) {
    event.preventDefault();
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
