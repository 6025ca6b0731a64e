/* The customer's photo uploads (/my/report/, /my/units/new/), progressively enhanced: each photo chosen is
   shrunk in the browser to at most 1600 px on its longest side as a JPEG (a phone's 5 MB photo becomes a few
   hundred KB on a slow connection), shown as a thumbnail that can be removed, counted, and refused past the
   input's data-max. Without this script (or without canvas/DataTransfer) the plain file input still works and
   the server checks and resizes the same way. Also: the symptom list shows only the chosen unit's category,
   and the new-address fields only when "a new address" is chosen. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.85;

  function canEnhance() {
    try {
      new DataTransfer();
    } catch (e) {
      return false;
    }
    return !!(window.URL && HTMLCanvasElement.prototype.toBlob);
  }

  // The page's translated texts name their values as {n}, {max}.
  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_m, key) {
      return values[key];
    });
  }

  function jpegName(name) {
    return (name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  }

  // Resolves with a JPEG File at most MAX_SIDE px, or with the original file when the browser cannot decode it
  // (the server then says which file is not a photo).
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type)) {
        resolve(file);
        return;
      }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff"; // a transparent PNG becomes a JPEG on white
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(
          function (blob) {
            if (!blob || (scale === 1 && blob.size >= file.size && file.type === "image/jpeg")) {
              resolve(file); // already small: keep it as it was
              return;
            }
            resolve(new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() }));
          },
          "image/jpeg",
          QUALITY
        );
      };
      img.onerror = function () {
        URL.revokeObjectURL(url);
        resolve(file);
      };
      img.src = url;
    });
  }

  function enhance(input) {
    var max = parseInt(input.getAttribute("data-max") || "6", 10);
    var thumbs = document.getElementById(input.getAttribute("data-thumbs"));
    var count = document.getElementById(input.getAttribute("data-count"));
    var note = document.getElementById(input.getAttribute("data-note"));
    var form = input.form;
    var kept = [];
    var busy = 0;

    function sync() {
      var transfer = new DataTransfer();
      kept.forEach(function (file) {
        transfer.items.add(file);
      });
      input.files = transfer.files;
      thumbs.textContent = "";
      kept.forEach(function (file, index) {
        var item = document.createElement("li");
        var pic = document.createElement("img");
        pic.alt = file.name;
        pic.width = 88;
        pic.height = 88;
        pic.src = URL.createObjectURL(file);
        pic.onload = pic.onerror = function () {
          URL.revokeObjectURL(pic.src);
        };
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "r-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", input.getAttribute("data-msg-remove") + " " + file.name);
        remove.addEventListener("click", function () {
          kept.splice(index, 1);
          if (note) note.textContent = "";
          sync();
        });
        item.appendChild(pic);
        item.appendChild(remove);
        thumbs.appendChild(item);
      });
      if (count) {
        count.textContent = kept.length
          ? format(input.getAttribute("data-msg-count"), { n: kept.length, max: max })
          : "";
      }
    }

    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files);
      var room = max === 1 ? 1 : max - kept.length;
      if (max === 1) kept = []; // one photo: a new choice replaces it
      if (note) note.textContent = "";
      if (chosen.length > room) {
        if (note) note.textContent = format(input.getAttribute("data-msg-too-many"), { max: max });
        chosen = chosen.slice(0, Math.max(0, room));
      }
      sync(); // the input holds what was kept until the new ones are ready
      if (!chosen.length) return;
      busy += 1;
      form.setAttribute("aria-busy", "true");
      Promise.all(chosen.map(shrink)).then(function (files) {
        kept = kept.concat(files).slice(0, max);
        busy -= 1;
        if (!busy) form.removeAttribute("aria-busy");
        sync();
      });
    });

    form.addEventListener("submit", function (event) {
      if (busy) event.preventDefault(); // the photos are still being prepared
    });
  }

  function filterSymptoms() {
    var select = document.querySelector("select[data-by-unit]");
    var units = document.querySelectorAll("input[name=unit][data-category]");
    if (!select || !units.length) return;
    function apply() {
      var chosen = document.querySelector("input[name=unit][data-category]:checked");
      var category = chosen ? chosen.getAttribute("data-category") : null;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var show = !category || group.getAttribute("data-category") === category;
        group.hidden = !show;
        group.disabled = !show;
      });
      var option = select.options[select.selectedIndex];
      if (option && option.parentNode.disabled) select.value = "";
    }
    Array.prototype.forEach.call(units, function (radio) {
      radio.addEventListener("change", apply);
    });
    apply();
  }

  function toggleNewAddress() {
    var box = document.getElementById("r-new-address");
    var radios = document.querySelectorAll("input[name=address]");
    if (!box || radios.length < 2) return;
    function apply() {
      var chosen = document.querySelector("input[name=address]:checked");
      box.hidden = !(chosen && chosen.hasAttribute("data-new-address"));
    }
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", apply);
    });
    apply();
  }

  function focusErrors() {
    var box = document.getElementById("r-errors") || document.getElementById("r-duplicate");
    if (box) box.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (canEnhance()) {
      Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-photos]"), enhance);
    }
    filterSymptoms();
    toggleNewAddress();
    focusErrors();
  });
})();
