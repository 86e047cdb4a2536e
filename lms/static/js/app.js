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

// Messages after an action: each gets a close button, and after a redirect to a section of a long page
// (#anchor) the messages move beside that section, where the person is looking, instead of the top.
(function () {
  var flashes = document.querySelector(".flashes");
  if (!flashes) {
    return;
  }
  var label = flashes.getAttribute("data-flash-close");
  flashes.querySelectorAll(".flash").forEach(function (flash) {
    var close = document.createElement("button");
    close.type = "button";
    close.className = "flash-close";
    close.setAttribute("aria-label", label);
    close.title = label;
    // The "×" is drawn by the stylesheet (.flash-close::before): the message's text stays the message's.
    close.addEventListener("click", function () {
      var next = flash.nextElementSibling || document.querySelector("main h1");
      flash.remove();
      if (!flashes.querySelector(".flash")) {
        flashes.remove();
      }
      // Keyboard focus must not fall back to the top of the page.
      if (next) {
        if (!next.hasAttribute("tabindex")) {
          next.setAttribute("tabindex", "-1");
        }
        next.focus();
      }
    });
    flash.appendChild(close);
  });
  var target = location.hash.length > 1 && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  var movable = target && target.matches("section, article, form, fieldset, details, div, h2, h3");
  if (movable && target !== document.getElementById("main") && !flashes.contains(target)) {
    target.parentNode.insertBefore(flashes, target);
    // The browser scrolls to the #anchor itself once the page has loaded; the message is then just above
    // the window, so scroll to it after that.
    flashes.scrollIntoView();
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        flashes.scrollIntoView();
      }, 0);
    });
  }
})();

// A form sent back with errors: the first field in error takes the focus, so a screen reader reads its label
// and its error (linked by aria-describedby) at once, and a phone shows it.
(function () {
  var invalid = document.querySelector("main [aria-invalid=true]");
  if (invalid && !location.hash) {
    invalid.focus();
  }
})();

// A box that scrolls sideways (a wide table, a sample file, a chart) on this screen can be scrolled from the
// keyboard: it takes the focus (WCAG 2.1.1), and only while it does scroll.
(function () {
  function mark() {
    document.querySelectorAll(".table-wrap, pre, .chart-scroll, .scrub-strip").forEach(function (box) {
      if (box.hasAttribute("tabindex") && !box.hasAttribute("data-scroll-focus")) {
        return; // a template set its own tabindex: leave it
      }
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();

// The language list sends itself when a language is picked (its button stays for pages without scripts).
document.addEventListener("change", function (event) {
  var select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) {
    select.form.submit();
  }
});
