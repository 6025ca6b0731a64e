/* The customer's signature under a quote, drawn with a finger on the tablet (no framework): the drawing goes
 * into the form's hidden field as a PNG when the finger lifts; "clear" starts again. Without script the form
 * still posts, and the server asks for the signature. */
(function () {
  "use strict";
  var canvas = document.getElementById("consent-pad");
  var input = document.getElementById("consent-signature");
  var clear = document.getElementById("consent-clear");
  if (!canvas || !input) return;
  var ctx = canvas.getContext("2d");
  var drawing = false, last = null;
  ctx.lineWidth = 3;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";
  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
    ctx.beginPath(); ctx.arc(last.x, last.y, 1.5, 0, Math.PI * 2); ctx.fillStyle = "#111"; ctx.fill();
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = point(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; e.preventDefault();
  });
  function end() {
    if (!drawing) return;
    drawing = false;
    input.value = canvas.toDataURL("image/png");
    if (clear) clear.hidden = false;
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  if (clear) {
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      clear.hidden = true;
    });
  }
})();
