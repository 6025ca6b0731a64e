// A dispatch form's technician list follows the chosen centre: another centre's technicians are hidden and
// a technician of another centre is unselected. Works on every form with [data-dispatch-center], also in a
// panel htmx has just replaced.
(function () {
  "use strict";
  function follow(center) {
    const tech = center.form && center.form.querySelector("[data-dispatch-technician]");
    if (!tech) return;
    tech.querySelectorAll("option[data-center]").forEach((option) => {
      const other = option.dataset.center !== center.value;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) tech.value = "";
    });
  }
  function followAll() {
    document.querySelectorAll("[data-dispatch-center]").forEach(follow);
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-dispatch-center]")) follow(event.target);
  });
  document.addEventListener("htmx:afterSettle", followAll);
  followAll();
})();
