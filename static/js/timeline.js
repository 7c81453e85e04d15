/* Home timeline: a WebSocket tells the page about new tweets; a banner loads them above. */
(function () {
  "use strict";

  function start() {
    const list = document.querySelector("[data-home-timeline]");
    const banner = document.querySelector("[data-new-banner]");
    if (!list || !banner || !window.WebSocket || !window.chirpSocketUrl) return;
    const button = banner.querySelector("button");
    const countEl = banner.querySelector("[data-new-count]");
    const nounEl = banner.querySelector("[data-new-noun]");
    const pending = new Set();
    let retry = 1000;

    function render() {
      countEl.textContent = String(pending.size);
      nounEl.textContent = pending.size === 1 ? "tweet" : "tweets";
      banner.hidden = pending.size === 0;
    }

    function since() {
      return list.dataset.topCursor || "";
    }

    button.addEventListener("htmx:configRequest", function (event) {
      event.detail.parameters.since = since();
    });
    button.addEventListener("htmx:beforeSwap", function (event) {
      // Drop cards already on the page (e.g. the viewer's own tweet the composer added).
      const holder = document.createElement("div");
      holder.innerHTML = event.detail.serverResponse;
      holder.querySelectorAll("[data-entry-id]").forEach(function (card) {
        const old = document.getElementById("entry-" + card.dataset.entryId);
        if (old) old.remove();
      });
    });
    button.addEventListener("htmx:afterRequest", function (event) {
      const top = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Top-Cursor");
      if (top) list.dataset.topCursor = top;
      const empty = document.querySelector("[data-testid=home-empty]");
      if (empty && list.querySelector("[data-entry-id]")) empty.remove();
      pending.clear();
      render();
      window.scrollTo({ top: 0, behavior: "smooth" });
    });

    function connect() {
      const socket = new WebSocket(window.chirpSocketUrl(list.dataset.wsPath || "/ws/timeline"));
      socket.addEventListener("open", function () { retry = 1000; list.dataset.live = "1"; });
      socket.addEventListener("message", function (event) {
        let data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "timeline.new_tweets" && data.tweet_id && !document.getElementById("entry-" + data.tweet_id)) {
          pending.add(data.tweet_id);
          render();
        }
      });
      socket.addEventListener("close", function (event) {
        list.dataset.live = "0";
        if (event.code === 4401) return; // not signed in: do not retry
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      });
    }
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
