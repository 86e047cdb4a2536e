// "Select all" boxes: <input type="checkbox" data-select-all="NAME"> ticks or clears every box called NAME in
// its form (also boxes tied to the form by their form attribute), and shows "some" (indeterminate) when only
// some are ticked. The box sits in an element marked hidden, shown here: without scripts it would do nothing.
(function () {
  function boxes(master) {
    var name = master.getAttribute("data-select-all");
    return Array.prototype.filter.call(master.form ? master.form.elements : [], function (el) {
      return el.type === "checkbox" && el.name === name && !el.disabled;
    });
  }
  function sync(master) {
    var all = boxes(master);
    var on = all.filter(function (b) { return b.checked; }).length;
    master.checked = all.length > 0 && on === all.length;
    master.indeterminate = on > 0 && on < all.length;
  }
  function start() {
    var masters = document.querySelectorAll("input[data-select-all]");
    Array.prototype.forEach.call(masters, function (master) {
      var wrap = master.closest("[hidden]");
      if (wrap) wrap.hidden = false;
      sync(master);
      master.addEventListener("change", function () {
        boxes(master).forEach(function (b) { b.checked = master.checked; });
        master.indeterminate = false;
      });
      boxes(master).forEach(function (b) {
        b.addEventListener("change", function () { sync(master); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
