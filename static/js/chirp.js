/* Chirp: the little JavaScript the pages need. No framework: htmx does the partial updates. */
(function () {
  "use strict";

  // Count user-perceived characters (grapheme clusters after NFC), the rule the server uses.
  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  function countChars(text) {
    const normal = text.normalize("NFC");
    if (!segmenter) return Array.from(normal).length;
    let n = 0;
    for (const _ of segmenter.segment(normal)) n++;
    return n;
  }
  window.chirpCountChars = countChars;

  function updateCounter(area) {
    const form = area.closest("form");
    if (!form) return;
    const counter = form.querySelector("[data-counter]");
    const submit = form.querySelector("[type=submit]");
    const max = parseInt(area.dataset.maxChars || "240", 10);
    const used = countChars(area.value);
    const left = max - used;
    if (counter) {
      counter.textContent = used + " / " + max;
      counter.classList.toggle("warn", left <= 20 && left >= 0);
      counter.classList.toggle("over", left < 0);
      counter.setAttribute("aria-label", left < 0 ? (-left) + " characters over the limit" : left + " characters left");
    }
    if (submit) submit.disabled = used === 0 || area.value.trim() === "" || left < 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("textarea[data-max-chars]")) updateCounter(event.target);
  });
  function initCounters(root) {
    root.querySelectorAll("textarea[data-max-chars]").forEach(updateCounter);
  }
  document.addEventListener("DOMContentLoaded", function () { initCounters(document); });
  document.addEventListener("htmx:load", function (event) { initCounters(event.target); });

  // Where the page's WebSocket lives: data-ws-origin on <body> ("" = this host, ":8001" = this host, other port).
  window.chirpSocketUrl = function (path) {
    const origin = document.body.dataset.wsOrigin || "";
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    if (origin === "") return scheme + "//" + location.host + path;
    if (origin.startsWith(":")) return scheme + "//" + location.hostname + origin + path;
    return origin.replace(/\/$/, "") + path;
  };
})();
