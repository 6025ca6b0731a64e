// A page waiting for a document asks in the background every 5 seconds whether it is ready, and only then
// moves on: no reload while the person reads (a timed refresh is a change of context they did not ask for).
(function () {
  "use strict";
  const box = document.querySelector("[data-wait-url]");
  if (!box) return;
  const url = box.dataset.waitUrl;
  function check() {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then((response) => response.text())
      .then((html) => {
        if (html.includes('id="export-ready"')) window.location.replace(url);
        else setTimeout(check, 5000);
      })
      .catch(() => setTimeout(check, 5000));
  }
  setTimeout(check, 5000);
})();
