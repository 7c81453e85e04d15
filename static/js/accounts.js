/* Accounts pages: live character counters for fields with data-limit (display name, bio).
   Counts code points, as the server's length limit does; past the limit the counter turns red. */
(function () {
  "use strict";
  function update(input) {
    const counter = document.querySelector('[data-counter-for="' + input.id + '"]');
    if (!counter) return;
    const max = parseInt(input.dataset.limit, 10);
    const used = Array.from(input.value).length;
    const left = max - used;
    counter.textContent = used + " / " + max;
    counter.classList.toggle("warn", left <= 10 && left >= 0);
    counter.classList.toggle("over", left < 0);
    counter.setAttribute("aria-label", left < 0 ? (-left) + " characters over the limit" : left + " characters left");
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-limit]")) update(event.target);
  });
  function init() { document.querySelectorAll("[data-limit]").forEach(update); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
