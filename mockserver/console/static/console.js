// autotask-mock console: the journal's live view (polling; no library, no build step).
// Polling rather than server-sent events: an open tab must not hold one of the server's few worker threads.
(function () {
  "use strict";
  function startLive() {
    var list = document.getElementById("journal");
    var toggle = document.getElementById("live");
    if (!list || !toggle) return;
    var status = document.getElementById("live-status");
    var empty = document.getElementById("journal-empty");
    var lastSeq = parseInt(list.getAttribute("data-last-seq") || "0", 10);
    var url = list.getAttribute("data-rows-url");
    var busy = false;
    function poll() {
      if (busy || !toggle.checked || document.hidden) return;
      busy = true;
      var sep = url.indexOf("?") >= 0 ? "&" : "?";
      fetch(url + sep + "since=" + lastSeq, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          var next = parseInt(r.headers.get("X-Last-Seq") || "0", 10);
          var rows = parseInt(r.headers.get("X-Rows") || "0", 10);
          return r.text().then(function (html) { return { next: next, rows: rows, html: html }; });
        })
        .then(function (res) {
          if (res.next < lastSeq) { window.location.reload(); return; }  // the journal was cleared
          lastSeq = res.next;
          if (res.rows > 0) {
            var tpl = document.createElement("template");
            tpl.innerHTML = res.html;
            var items = tpl.content.querySelectorAll("li.entry");
            for (var i = items.length - 1; i >= 0; i--) {
              items[i].classList.add("fresh");
              list.insertBefore(items[i], list.firstChild);
            }
            if (empty) { empty.remove(); empty = null; }
            if (status) status.textContent = res.rows + " new request" + (res.rows === 1 ? "" : "s");
          }
        })
        .catch(function (err) { if (status) status.textContent = "Live update failed: " + err.message; })
        .finally(function () { busy = false; });
    }
    setInterval(poll, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startLive);
  else startLive();
})();
