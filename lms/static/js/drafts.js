// The draft keeper: nothing a person types is lost to a reload, a redirect, an expired form or a sign-in.
//
// Every form's typed values are kept for this tab (sessionStorage), keyed by the page's path, the form
// (its id, or method + action + position) and the field (name, and value for check boxes). Passwords, files,
// hidden fields (the form token among them) and forms or fields marked data-no-draft are never kept.
//
// A field is kept only while it differs from what the server sent (its default value), together with that
// default. When the page loads again, a kept value is put back only where the server still sends the same
// default, so a stale draft never overwrites a value saved meanwhile. A note says the text was restored and
// offers to undo it.
//
// Submitting a form marks it; the next page load drops that form's draft when the submission went through
// (a page under 400, for the same person, with no error shown), and keeps it otherwise (an expired form, a
// refusal, a sign-in on the way). Progressive: without this file every form works as before.
(function () {
  "use strict";
  var STORE = "gongbang:drafts";
  var MARK = "gongbang:submitted";
  var body = document.body;
  if (!body || !window.sessionStorage) { return; }
  var user = body.getAttribute("data-user") || "";
  var path = window.location.pathname;

  function read(key, fallback) {
    try { return JSON.parse(window.sessionStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { window.sessionStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or refused */ }
  }

  function kept(field) {
    if (!field.name || field.disabled || field.hasAttribute("data-no-draft")) { return false; }
    if (field.tagName === "TEXTAREA" || field.tagName === "SELECT") { return true; }
    if (field.tagName !== "INPUT") { return false; }
    return ["password", "file", "hidden", "submit", "button", "reset", "image"].indexOf(field.type) < 0;
  }

  function formKey(form) {
    if (form.id) { return path + "|#" + form.id; }
    var what = (form.getAttribute("method") || "get").toLowerCase() + " " + (form.getAttribute("action") || "");
    var same = Array.prototype.filter.call(document.forms, function (f) {
      return !f.id && (f.getAttribute("method") || "get").toLowerCase() + " " + (f.getAttribute("action") || "") === what;
    });
    return path + "|" + what + "|" + same.indexOf(form);
  }

  // [{key, field, value, orig}] for each kept field of a form: value now and the server's default.
  function fieldsOf(form) {
    var out = [], seen = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) { return; }
      var type = field.type;
      if (type === "radio") {
        if (seen["r:" + field.name]) { return; }
        seen["r:" + field.name] = true;
        var group = Array.prototype.filter.call(form.elements, function (f) {
          return f.type === "radio" && f.name === field.name;
        });
        var now = group.filter(function (f) { return f.checked; })[0];
        var was = group.filter(function (f) { return f.defaultChecked; })[0];
        out.push({key: "r:" + field.name, group: group, value: now ? now.value : "", orig: was ? was.value : ""});
        return;
      }
      if (type === "checkbox") {
        out.push({key: "c:" + field.name + "=" + field.value, field: field,
                  value: field.checked ? "1" : "", orig: field.defaultChecked ? "1" : ""});
        return;
      }
      var n = seen["v:" + field.name] = (seen["v:" + field.name] || 0) + 1;
      var key = "v:" + field.name + "#" + n;
      if (field.tagName === "SELECT") {
        var chosen = function (attr) {
          return Array.prototype.filter.call(field.options, function (o) { return o[attr]; })
            .map(function (o) { return o.value; }).join("\n");
        };
        var orig = chosen("defaultSelected");
        if (!orig && !field.multiple && field.options.length) { orig = field.options[0].value; }
        out.push({key: key, field: field, value: chosen("selected"), orig: orig});
        return;
      }
      out.push({key: key, field: field, value: field.value, orig: field.defaultValue});
    });
    return out;
  }

  function set(entry, value) {
    if (entry.group) {
      entry.group.forEach(function (f) { f.checked = f.value === value && value !== ""; });
      return entry.group[0];
    }
    var field = entry.field;
    if (field.type === "checkbox") {
      field.checked = value === "1";
    } else if (field.tagName === "SELECT") {
      var values = value.split("\n");
      Array.prototype.forEach.call(field.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
    } else {
      field.value = value;
    }
    return field;
  }

  function announce(field) {
    field.dispatchEvent(new Event("input", {bubbles: true}));
    field.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function save(form) {
    if (form.hasAttribute("data-no-draft")) { return; }
    var drafts = read(STORE, {});
    var changed = {};
    var any = false;
    fieldsOf(form).forEach(function (e) {
      if (e.value !== e.orig) { changed[e.key] = {v: e.value, o: e.orig}; any = true; }
    });
    var key = formKey(form);
    if (any) { drafts[key] = {user: user, fields: changed}; } else { delete drafts[key]; }
    write(STORE, drafts);
  }

  function onEdit(event) {
    var field = event.target;
    if (field && field.form && kept(field)) { save(field.form); }
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  // Bubbling to the document comes after the form's own handlers: a submit they took over (a resumable
  // upload) is not a submission of the page.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }
    save(form);
    write(MARK, {key: formKey(form), user: user, path: path + window.location.search});
  });

  function status() {
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    return nav && nav.responseStatus ? nav.responseStatus : 0;
  }

  function refused() {
    return document.querySelector(".flash-error, .conflict, .error, [aria-invalid=true]") !== null;
  }

  // The submission this page answers: drop its draft if it went through; on an error page, offer the way
  // back to the form, where the draft waits.
  function settle(drafts) {
    var mark = read(MARK, null);
    window.sessionStorage.removeItem(MARK);
    if (!mark || !drafts[mark.key]) { return; }
    var code = status();
    if (code >= 400) {
      var back = body.getAttribute("data-draft-back");
      var main = document.getElementById("main");
      if (back && main && mark.path) {
        var p = document.createElement("p");
        var a = document.createElement("a");
        a.href = mark.path;
        a.textContent = back;
        a.setAttribute("data-draft-back", "");
        p.appendChild(a);
        main.appendChild(p);
      }
      return;
    }
    if (mark.user === user && !refused()) { delete drafts[mark.key]; }
  }

  function note(form, entries, drafts, key) {
    var box = document.createElement("p");
    box.className = "flash flash-info draft-note";
    box.setAttribute("role", "status");
    box.setAttribute("data-draft-note", "");
    box.appendChild(document.createTextNode(body.getAttribute("data-draft-restored") + " "));
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "secondary outline small";
    undo.textContent = body.getAttribute("data-draft-undo");
    undo.addEventListener("click", function () {
      entries.forEach(function (e) { announce(set(e, e.orig)); });
      var now = read(STORE, {});
      delete now[key];
      write(STORE, now);
      box.remove();
    });
    var close = document.createElement("button");
    close.type = "button";
    close.className = "secondary outline small";
    close.textContent = body.getAttribute("data-draft-dismiss");
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(undo);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(close);
    form.parentNode.insertBefore(box, form);
  }

  function restore(drafts) {
    Array.prototype.forEach.call(document.forms, function (form) {
      var key = formKey(form);
      var draft = drafts[key];
      if (!draft || form.hasAttribute("data-no-draft")) { return; }
      if (draft.user !== user) {
        if (user) { delete drafts[key]; }  // another person signed in on this tab
        return;
      }
      var back = [];
      fieldsOf(form).forEach(function (e) {
        var d = draft.fields[e.key];
        // Only where the server still sends what the person started from, and nothing was typed since.
        if (!d || d.o !== e.orig || e.value !== e.orig || d.v === e.orig) { return; }
        announce(set(e, d.v));
        back.push(e);
      });
      if (back.length) { note(form, back, drafts, key); }
    });
  }

  function start() {
    var drafts = read(STORE, {});
    settle(drafts);
    write(STORE, drafts);
    restore(drafts);
    write(STORE, drafts);
  }

  // After the page's own scripts set up (they listen for the fields' events a restore sends).
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
