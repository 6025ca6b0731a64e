// The remedy form shows the checklist of the remedy chosen (without JavaScript both show; only the chosen
// one's ticks are sent to the server's check).
(function () {
  var form = document.getElementById("remedy-form");
  if (!form) return;
  function show() {
    var chosen = form.querySelector("input[name=remedy]:checked");
    form.querySelectorAll(".checklist").forEach(function (f) {
      f.hidden = !!chosen && f.dataset.remedy !== chosen.value;
    });
  }
  form.addEventListener("change", show);
  show();
})();
