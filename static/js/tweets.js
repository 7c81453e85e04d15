/* Tweets: composer errors and reset, clickable cards, closing menus. htmx does the requests. */
(function () {
  "use strict";
  if (window.chirpTweets) return; // the partials include this file; run it once
  window.chirpTweets = true;

  // A 400 from the composer carries the message: show it under the composer instead of a swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.matches || !form.matches("form[data-composer]")) return;
    const box = form.querySelector("[data-composer-error]");
    if (event.detail.xhr.status === 400 || event.detail.xhr.status === 429) {
      event.detail.shouldSwap = false;
      if (box) box.textContent = event.detail.xhr.responseText;
    } else if (event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = false;
      if (box) box.textContent = event.detail.xhr.status === 404 ? "That tweet is no longer available." : "Something went wrong. Please try again.";
    }
  });

  // After a successful post: clear the textarea and the error, drop the "nothing here" message.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-composer]") || !event.detail.successful) return;
    form.reset();
    const box = form.querySelector("[data-composer-error]");
    if (box) box.textContent = "";
    const area = form.querySelector("textarea");
    if (area) area.dispatchEvent(new Event("input", { bubbles: true }));
    const target = document.querySelector(form.getAttribute("hx-target"));
    const empty = target && target.parentElement && target.parentElement.querySelector(".empty");
    if (empty) empty.remove();
  });

  // A click on a card (not on a link, button or menu) opens the tweet page, as on Twitter.
  document.addEventListener("click", function (event) {
    const card = event.target.closest(".tweet-item[data-url]");
    if (!card || event.target.closest("a, button, details, summary, form, textarea")) return;
    if (window.getSelection && String(window.getSelection()).length > 0) return;
    window.location.href = card.dataset.url;
  });

  // Close an open ⋯ menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.tweet-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
