/* The dispatcher's intake page: pick a unit from the look-up, add a new one, keep the keyboard path short.
   The server renders every fragment (htmx); this file only wires picks, Enter and focus. */
(function () {
  "use strict";
  const form = document.getElementById("intake-form");
  if (!form) return;
  const lookup = document.getElementById("lookup");
  const newBox = document.getElementById("new-customer");
  let refreshTimer = null;

  function refreshPanel() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => htmx.trigger(form, "panel-refresh"), 150);
  }

  function pick(button) {
    form.elements.unit.value = button.dataset.unit;
    form.elements.new_customer.value = "";
    newBox.hidden = true;
    // The caller's number: completed from the customer's when what was typed is its start; a unit found
    // by its serial brings its owner's number when none was typed. A number typed in full stays.
    const phone = form.elements.caller_phone;
    if (button.dataset.phone && button.dataset.phone.startsWith(phone.value.replace(/\D/g, ""))) {
      phone.value = button.dataset.phone;
    }
    if (!form.elements.caller_name.value && button.dataset.caller) {
      form.elements.caller_name.value = button.dataset.caller;
    }
    lookup.querySelectorAll(".pick").forEach((b) => b.classList.toggle("picked", b === button));
    htmx.trigger(form, "panel-refresh");
  }

  lookup.addEventListener("click", (event) => {
    const button = event.target.closest("[data-unit]");
    if (button) pick(button);
  });

  // Enter in a look-up field: one unit found → pick it; several → focus the first; none → new customer.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches("[data-lookup]")) return;
    event.preventDefault();
    const field = event.target;
    const url = form.dataset.lookupUrl + "?q=" + encodeURIComponent(field.value);
    htmx.ajax("GET", url, { target: "#lookup", swap: "innerHTML" }).then(() => {
      const picks = lookup.querySelectorAll("[data-unit]");
      if (picks.length === 1) pick(picks[0]);
      else if (picks.length > 1) picks[0].focus();
      else if (field.value.replace(/\D/g, "").length >= 7) startNew();
    });
  });

  function startNew() {
    form.elements.unit.value = "";
    form.elements.new_customer.value = "1";
    newBox.hidden = false;
    const first = newBox.querySelector("input, select");
    if (first) first.focus();
    refreshPanel();
  }
  document.getElementById("new-customer-btn").addEventListener("click", startNew);

  // New unit facts (model, dates, district) change the 三包 position and the suggestion; so does the
  // faulty part picked in the panel (its period is its own).
  newBox.addEventListener("change", refreshPanel);
  form.addEventListener("change", (event) => {
    if (event.target.matches("#panel [data-refresh]")) refreshPanel();
  });

  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (event.detail.target.id !== "panel") return;
    const first = event.detail.target.querySelector("[data-first]");
    if (first && !newBox.contains(document.activeElement)) first.focus();
  });
})();
