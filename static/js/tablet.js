/* The technician's closing form on a weak connection (no framework).
 *
 * - The draft (fields, shrunk photos, the signature, the submission id) is kept in localStorage while it
 *   is filled, and restored when the page is opened again: a lost connection or a closed tab loses nothing.
 * - Photos are shrunk on the tablet (longest side 1600 px, JPEG) before they are sent.
 * - The signature is drawn with a finger on a canvas and sent as a PNG.
 * - Submitting sends the form with fetch; without a connection the draft is marked "to send" and goes as
 *   soon as the browser is online again. The server closes once per submission id, so a retry is safe.
 */
(function () {
  "use strict";
  var form = document.getElementById("closing-form");
  if (!form) return;
  var key = form.dataset.draftKey;
  var statusBox = document.getElementById("t-status");
  var errorBox = document.getElementById("t-form-errors");
  var canvas = document.getElementById("signature-pad");
  var signatureInput = document.getElementById("signature-data");
  var clearButton = document.getElementById("signature-clear");
  var addPart = document.getElementById("add-part");
  var partRows = document.getElementById("part-rows");
  var photos = { before: [], after: [] };
  var sending = false;
  var MAX_SIDE = 1600;

  function say(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "t-status" + (kind ? " " + kind : "");
    statusBox.hidden = !text;
  }

  // The draft -------------------------------------------------------------------------------------------
  function readDraft() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function fields() {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken" || el.name === "signature_data") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      out.push([el.name, el.value]);
    });
    return out;
  }
  function saveDraft(pending) {
    var previous = readDraft() || {};
    var draft = {
      fields: fields(),
      rows: partRows ? partRows.querySelectorAll(".t-part").length : 0,
      allParts: allParts,
      photos: photos,
      signature: signatureInput.value || "",
      pending: pending === undefined ? !!previous.pending : pending,
      saved: Date.now()
    };
    try {
      localStorage.setItem(key, JSON.stringify(draft));
    } catch (e) {  // the tablet's storage is full: keep the fields, drop the photos from the draft
      draft.photos = { before: [], after: [] };
      try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e2) { /* nothing more to do */ }
    }
  }
  function restoreDraft() {
    var draft = readDraft();
    if (!draft) return null;
    if (draft.allParts || draft.fields.some(function (pair) { return pair[0] === "part" && isOtherPart(pair[1]); })) {
      expandParts();
    }
    while (partRows && partRows.querySelectorAll(".t-part").length < draft.rows) addRow();
    var seen = {};
    draft.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      var all = form.querySelectorAll('[name="' + name + '"]');
      var first = all.length && all[0];
      if (!first) return;
      if (first.type === "radio") {
        Array.prototype.forEach.call(all, function (r) { r.checked = r.value === value; });
        return;
      }
      var index = seen[name] || 0;
      seen[name] = index + 1;
      if (all[index]) all[index].value = value;
    });
    photos = draft.photos || { before: [], after: [] };
    ["before", "after"].forEach(drawThumbs);
    if (draft.signature) {
      signatureInput.value = draft.signature;
      var img = new Image();
      img.onload = function () { canvas.getContext("2d").drawImage(img, 0, 0); };
      img.src = draft.signature;
      clearButton.hidden = false;
    }
    say(form.dataset.msgDraft, "info");
    return draft;
  }

  // Part rows --------------------------------------------------------------------------------------------
  function addRow() {
    var rows = partRows.querySelectorAll(".t-part");
    var clone = rows[rows.length - 1].cloneNode(true);
    Array.prototype.forEach.call(clone.querySelectorAll("input, select"), function (el) {
      el.value = el.name === "part_quantity" ? "1" : "";
    });
    partRows.appendChild(clone);
    return clone;
  }
  if (addPart && partRows) {
    addPart.hidden = false;
    addPart.addEventListener("click", function () { addRow().querySelector("select").focus(); saveDraft(); });
  }

  // Parts of other categories ----------------------------------------------------------------------------
  // Each part picker lists the parts of the unit's category first; other categories' parts wait behind
  // "show all". Their group is taken out of the pickers (a hidden <option> still shows on some tablets) and
  // put back into every picker when asked: only options are added, so nothing picked is lost. A picker that
  // already holds such a part (a form sent back, a draft) shows them all from the start.
  var showAll = document.getElementById("parts-show-all");
  var otherGroup = null;
  var allParts = true;
  function pickers() { return partRows ? partRows.querySelectorAll("select[data-part-picker]") : []; }
  function isOtherPart(value) {
    return !!(otherGroup && value && otherGroup.querySelector('option[value="' + value + '"]'));
  }
  function expandParts() {
    if (allParts) return;
    allParts = true;
    Array.prototype.forEach.call(pickers(), function (select) {
      if (!select.querySelector("optgroup[data-other-parts]")) select.appendChild(otherGroup.cloneNode(true));
    });
    showAll.hidden = true;
  }
  if (showAll && partRows && partRows.querySelector("optgroup[data-other-parts]")) {
    otherGroup = partRows.querySelector("optgroup[data-other-parts]").cloneNode(true);
    Array.prototype.forEach.call(otherGroup.querySelectorAll("option"), function (o) {
      o.removeAttribute("selected");
      o.selected = false;
    });
    var holding = Array.prototype.some.call(pickers(), function (select) { return isOtherPart(select.value); });
    if (!holding && !showAll.hasAttribute("data-shown")) {
      allParts = false;
      Array.prototype.forEach.call(pickers(), function (select) {
        var group = select.querySelector("optgroup[data-other-parts]");
        if (group) group.remove();
      });
      showAll.hidden = false;
      showAll.addEventListener("click", function () {
        expandParts();
        var empty = Array.prototype.filter.call(pickers(), function (select) { return !select.value; })[0];
        if (empty) empty.focus();
        saveDraft();
      });
    }
  }

  // Photos -----------------------------------------------------------------------------------------------
  function shrink(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var c = document.createElement("canvas");
        c.width = Math.round(img.naturalWidth * scale);
        c.height = Math.round(img.naturalHeight * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        resolve(c.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error(file.name)); };
      img.src = url;
    });
  }
  function drawThumbs(kind) {
    var box = form.querySelector('[data-thumbs="' + kind + '"]');
    if (!box) return;
    box.textContent = "";
    photos[kind].forEach(function (data, i) {
      var fig = document.createElement("figure");
      var img = document.createElement("img");
      img.src = data;
      img.alt = kind + " " + (i + 1);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "t-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", "remove");
      remove.addEventListener("click", function () { photos[kind].splice(i, 1); drawThumbs(kind); saveDraft(); });
      fig.appendChild(img);
      fig.appendChild(remove);
      box.appendChild(fig);
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll("[data-photos]"), function (input) {
    input.addEventListener("change", function () {
      var kind = input.dataset.photos;
      var files = Array.prototype.slice.call(input.files);
      input.value = "";  // the shrunk copies are sent, not the camera's originals
      Promise.all(files.map(function (f) { return shrink(f).catch(function () { return null; }); })).then(function (list) {
        list.forEach(function (data) { if (data) photos[kind].push(data); });
        drawThumbs(kind);
        saveDraft();
      });
    });
  });

  // The signature pad -----------------------------------------------------------------------------------
  if (canvas) {
    var ctx = canvas.getContext("2d");
    var drawing = false, last = null;
    ctx.lineWidth = 3;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    var point = function (e) {
      var r = canvas.getBoundingClientRect();
      return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
    };
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
    var end = function () {
      if (!drawing) return;
      drawing = false;
      signatureInput.value = canvas.toDataURL("image/png");
      clearButton.hidden = false;
      saveDraft();
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    clearButton.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      signatureInput.value = "";
      clearButton.hidden = true;
      saveDraft();
    });
  }

  form.addEventListener("input", function () { saveDraft(); });
  form.addEventListener("change", function () { saveDraft(); });

  // Sending ----------------------------------------------------------------------------------------------
  function dataUrlToBlob(data) {
    var parts = data.split(","), mime = parts[0].match(/:(.*?);/)[1];
    var bin = atob(parts[1]), buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return new Blob([buf], { type: mime });
  }
  function showErrors(errors) {
    Array.prototype.forEach.call(form.querySelectorAll(".t-error.js"), function (el) { el.remove(); });
    errorBox.textContent = "";
    Object.keys(errors).forEach(function (field) {
      errors[field].forEach(function (message) {
        var p = document.createElement("p");
        p.textContent = message;
        errorBox.appendChild(p);
        var anchor = field === "signature" ? canvas.parentNode : form.querySelector('[name="' + (field === "parts" ? "part" : field) + '"]');
        if (anchor) {
          var near = document.createElement("p");
          near.className = "t-error js";
          near.textContent = message;
          (anchor.closest("label") || anchor).insertAdjacentElement("afterend", near);
        }
      });
    });
    errorBox.hidden = false;
    errorBox.scrollIntoView({ block: "start" });
  }
  function send() {
    if (sending) return;
    sending = true;
    saveDraft(true);
    var body = new FormData();
    fields().forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    ["before", "after"].forEach(function (kind) {
      photos[kind].forEach(function (data, i) { body.append("photos_" + kind, dataUrlToBlob(data), kind + "-" + (i + 1) + ".jpg"); });
    });
    if (signatureInput.value) body.append("signature", dataUrlToBlob(signatureInput.value), "signature.png");
    say(form.dataset.msgSending, "info");
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, errors: { __all__: [response.status + " " + response.statusText] } }; })
        .then(function (json) { return { status: response.status, json: json }; });
    }).then(function (result) {
      sending = false;
      if (result.json.ok) {
        localStorage.removeItem(key);
        window.location.assign(result.json.redirect);
        return;
      }
      saveDraft(false);
      say(form.dataset.msgFix, "error");
      showErrors(result.json.errors || {});
    }).catch(function () {  // no connection: keep it, send it when the connection is back
      sending = false;
      say(form.dataset.msgOffline, "warn");
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  window.addEventListener("online", function () { var d = readDraft(); if (d && d.pending) send(); });
  setInterval(function () { var d = readDraft(); if (d && d.pending && navigator.onLine) send(); }, 15000);

  var draft = restoreDraft();
  if (draft && draft.pending) {
    if (navigator.onLine) send(); else say(form.dataset.msgOffline, "warn");
  }
})();
