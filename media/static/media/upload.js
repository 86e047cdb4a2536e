// Resumable uploads (tus) for the forms made by templates/media/_uploader.html. Progressive: without this file,
// or in a browser tus-js-client does not support, the form posts the file as usual.
//
// The upload survives what phones do to it: a dropped connection is retried (retryDelays), going offline waits
// for the "online" event, and choosing the same file again after a reload continues the stored upload (the
// fingerprint includes what the file is for, so a file sent for another brief starts afresh). After a reload
// the form says an unfinished upload is waiting and offers to resume it (findUnfinished).
(function () {
  "use strict";
  if (window.GongbangUpload) { return; }  // the macro may be used more than once on a page
  window.GongbangUpload = {};

  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function formatBytes(n) {
    // Decimal units, as the server's messages write them.
    var units = ["bytes", "KB", "MB", "GB"];
    var i = 0;
    // Never "500.0 KB": at most one decimal, dropped when it is 0 (the pages' filesize filter does the same).
    while (Number(n.toFixed(1)) >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
    return i === 0 ? n + " " + units[0] : n.toFixed(1).replace(/\.0$/, "") + " " + units[i];
  }

  function serverMessage(err) {
    var response = err && err.originalResponse;
    if (!response) { return null; }
    try { return JSON.parse(response.getBody()).message || null; } catch (e) { return null; }
  }

  function setup(form) {
    var text = function (name) { return form.getAttribute("data-text-" + name) || ""; };
    var input = form.querySelector("input[type=file]");
    var submit = form.querySelector("[data-upload-submit]");
    var box = form.querySelector("[data-upload-progress]");
    var bar = form.querySelector("[data-upload-bar]");
    var percent = form.querySelector("[data-upload-percent]");
    var bytes = form.querySelector("[data-upload-bytes]");
    var message = form.querySelector("[data-upload-message]");
    var pause = form.querySelector("[data-upload-pause]");
    var resume = form.querySelector("[data-upload-resume]");
    var upload = null;
    var state = "idle";  // idle, running, paused, offline, done
    var notice = form.querySelector("[data-upload-unfinished]");
    var unfinished = null;  // the stored upload of this form that did not finish (tus-js-client's URL storage)
    var viaNotice = false;  // the file input was opened by the notice's "Choose the file and resume"

    function say(words) { message.textContent = words; }

    function setState(next) {
      state = next;
      var busy = next === "running" || next === "paused" || next === "offline";
      input.disabled = busy || next === "done";
      submit.disabled = busy || next === "done";
      pause.hidden = next !== "running";
      resume.hidden = next !== "paused";
    }

    function progress(sent, total) {
      var pct = total ? Math.floor(sent / total * 100) : 100;
      bar.value = pct;
      percent.textContent = pct + "%";
      bytes.textContent = fill(text("progress"), {done: formatBytes(sent), total: formatBytes(total)});
    }

    function context() {
      // "check:{preset}": a {name} stands for that field's value when the upload starts.
      return form.getAttribute("data-context").replace(/\{(\w+)\}/g, function (whole, name) {
        var field = form.elements.namedItem(name);
        return field && field.value ? field.value : whole;
      });
    }

    function finished(response) {
      setState("done");
      say(text("done"));
      var detail = {mediaId: response.getHeader("Gongbang-Media-Id"), mediaUrl: response.getHeader("Gongbang-Media-Url")};
      var proceed = form.dispatchEvent(new CustomEvent("gongbang:uploaded", {bubbles: true, cancelable: true,
                                                                              detail: detail}));
      if (!proceed || !detail.mediaUrl) { return; }
      if (form.getAttribute("data-follow") === "true") {
        window.location.assign(detail.mediaUrl);
        return;
      }
      var panel = document.getElementById(form.getAttribute("data-status-panel") || "");
      if (panel && window.GongbangMedia) {
        // media.status lives under the file's page.
        panel.setAttribute("data-status-url", detail.mediaUrl.replace(/\/$/, "") + "/status");
        panel.hidden = false;
        window.GongbangMedia.watch(panel);
      }
    }

    function storage() {
      var options = window.tus && window.tus.defaultOptions;
      return options && options.urlStorage && options.urlStorage.findAllUploads ? options.urlStorage : null;
    }

    // After a reload mid-upload the file itself is gone (a page may not reopen a file on its own), but
    // tus-js-client kept the upload's address under its fingerprint: say so, and offer to pick the file again,
    // which continues where it stopped (start() -> findPreviousUploads / resumeFromPreviousUpload).
    function findUnfinished() {
      var urls = storage();
      if (!notice || !urls) { return; }
      var what = context();
      urls.findAllUploads().then(function (entries) {
        var mine = entries.filter(function (entry) {
          return String(entry.urlStorageKey || "").indexOf("tus::gongbang|" + what + "|") === 0 &&
            entry.uploadUrl && entry.metadata && entry.metadata.context === what;
        }).sort(function (a, b) { return String(b.creationTime).localeCompare(String(a.creationTime)); });
        if (!mine.length || state !== "idle") { return; }
        unfinished = mine[0];
        var name = unfinished.metadata.filename || "";
        var words = notice.querySelector("[data-upload-unfinished-text]");
        words.textContent = fill(text("unfinished-unknown"), {name: name});
        notice.hidden = false;
        // How far it got: the server's offset (tus HEAD). A gone upload (404, 410) is forgotten quietly.
        fetch(unfinished.uploadUrl, {method: "HEAD", credentials: "same-origin", headers: {"Tus-Resumable": "1.0.0"}})
          .then(function (response) {
            if (response.status === 404 || response.status === 410) { forget(); return; }
            var offset = Number(response.headers.get("Upload-Offset"));
            // All of it arrived (the last part got through as the page went away): the file is registered.
            if (response.ok && unfinished && unfinished.size && offset >= unfinished.size) { forget(); return; }
            if (response.ok && isFinite(offset) && unfinished && unfinished.size) {
              words.textContent = fill(text("unfinished"), {name: name, done: formatBytes(offset),
                                                               total: formatBytes(unfinished.size)});
            }
          })
          .catch(function () {});
      }).catch(function () {});
    }

    function forget() {
      var urls = storage();
      if (unfinished && urls) { urls.removeUpload(unfinished.urlStorageKey); }
      unfinished = null;
      if (notice) { notice.hidden = true; }
    }

    if (notice) {
      notice.querySelector("[data-upload-unfinished-resume]").addEventListener("click", function () {
        viaNotice = true;  // the file chosen now continues at once, as the button says
        input.click();
      });
      notice.querySelector("[data-upload-unfinished-discard]").addEventListener("click", function () {
        var gone = unfinished;
        forget();
        // Tell the server too (tus termination), so the half-sent bytes do not wait for the clean-up.
        if (gone && gone.uploadUrl) {
          fetch(gone.uploadUrl, {method: "DELETE", credentials: "same-origin",
                                 headers: {"Tus-Resumable": "1.0.0", "X-CSRFToken": form.getAttribute("data-csrf-token")}})
            .catch(function () {});
        }
        input.focus();
      });
      form.addEventListener("change", function (event) {
        // Another choice in the form (the brief of /media/check) names another upload: look again.
        if (event.target === input || state !== "idle") { return; }
        unfinished = null;
        notice.hidden = true;
        findUnfinished();
      });
      input.addEventListener("cancel", function () { viaNotice = false; });
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!unfinished || !file) { viaNotice = false; return; }
        var chosenHere = viaNotice;
        viaNotice = false;
        if (file.name === unfinished.metadata.filename && file.size === unfinished.size) {
          // The same file: through the notice's button it resumes at once; else Upload continues it.
          if (!chosenHere) { return; }
          if (form.requestSubmit) { form.requestSubmit(submit); } else { submit.click(); }
        } else {
          notice.querySelector("[data-upload-unfinished-text]").textContent = text("other-file");
        }
      });
    }

    function start(file) {
      var what = context();
      if (notice) { notice.hidden = true; }
      upload = new window.tus.Upload(file, {
        endpoint: form.getAttribute("data-endpoint"),
        chunkSize: Number(form.getAttribute("data-chunk-size")),
        retryDelays: RETRY_DELAYS,
        headers: {"X-CSRFToken": form.getAttribute("data-csrf-token")},
        metadata: {filename: file.name, filetype: file.type || "application/octet-stream", context: what},
        removeFingerprintOnSuccess: true,
        fingerprint: function (f, options) {
          return Promise.resolve(["gongbang", what, f.name, f.type, f.size, f.lastModified, options.endpoint].join("|"));
        },
        onProgress: progress,
        onChunkComplete: function () {
          // Only the server's acknowledgement ends a "connection lost" (progress events come before it).
          if (state === "running") { say(text("uploading")); }
        },
        onShouldRetry: function (err) {
          var status = err.originalResponse ? err.originalResponse.getStatus() : 0;
          // No answer, a server error, or "ask again" (409 offset, 423 busy, 460 damaged part).
          var retry = status === 0 || status >= 500 || status === 409 || status === 423 || status === 460;
          if (retry && state === "running") { say(navigator.onLine === false ? text("offline") : text("retrying")); }
          return retry;
        },
        onError: function (err) {
          if (state !== "running") { return; }
          if (navigator.onLine === false) {
            setState("offline");
            say(text("offline"));
            return;
          }
          setState("idle");
          say(serverMessage(err) || text("failed"));
        },
        onSuccess: function (payload) { finished(payload.lastResponse); }
      });
      box.hidden = false;
      setState("running");
      progress(0, file.size);
      say(text("uploading"));
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          say(text("resuming"));
          upload.resumeFromPreviousUpload(previous[0]);
        }
        upload.start();
      });
    }

    form.addEventListener("submit", function (event) {
      if (!window.tus || !window.tus.isSupported) { return; }
      var file = input.files && input.files[0];
      if (!file) { return; }  // the server explains what is missing
      event.preventDefault();
      if (state === "running" || state === "paused" || state === "offline") { return; }
      var max = Number(form.getAttribute("data-max-bytes") || 0);
      if (max && file.size > max) {
        box.hidden = false;
        say(fill(text("too-large"), {measured: formatBytes(file.size), limit: formatBytes(max)}));
        return;
      }
      start(file);
    });

    pause.addEventListener("click", function () {
      if (state !== "running") { return; }
      setState("paused");
      say(text("paused"));
      upload.abort();
    });

    resume.addEventListener("click", function () {
      if (state !== "paused") { return; }
      setState("running");
      say(text("uploading"));
      upload.start();
    });

    window.addEventListener("online", function () {
      if (state !== "offline") { return; }
      setState("running");
      say(text("uploading"));
      upload.start();
    });

    findUnfinished();

    window.addEventListener("beforeunload", function (event) {
      if (state === "running" || state === "paused" || state === "offline") {
        event.preventDefault();
        event.returnValue = text("leave");
      }
    });
  }

  function init() {
    document.querySelectorAll("form[data-uploader]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
