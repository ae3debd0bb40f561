// Lector's review desk: keyboard navigation between findings, and a text layer over the page image so
// that a reviewer can select the words of a corrected quote. Plain JavaScript, no build step; the pages
// work without it (every action is a link or a form).
"use strict";

function typing(target) {
  return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
}

document.addEventListener("keydown", function (event) {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  var go = function (id) { var link = document.getElementById(id); if (link) { event.preventDefault(); window.location.href = link.href; } };
  var press = function (id) { var button = document.getElementById(id); if (button) { event.preventDefault(); button.click(); } };
  switch (event.key) {
    case "j": case "ArrowDown": go("next-finding"); break;
    case "k": case "ArrowUp": go("previous-finding"); break;
    case "c": press("confirm"); break;
    case "x": press("reject"); break;
  }
});

// The text layer: each word of the page as transparent text over its box, so a mouse selection picks
// the page's own words; a selection fills the correction's quote and page.
function buildTextLayer() {
  var page = document.getElementById("page");
  var layer = document.getElementById("text-layer");
  if (!page || !layer || !page.dataset.words) return;
  fetch(page.dataset.words, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) return;
      var height = page.getBoundingClientRect().height;
      data.words.forEach(function (word, index) {
        var span = document.createElement("span");
        span.textContent = word.text;
        span.dataset.index = String(index);
        span.style.left = (100 * word.x1 / data.width_pt) + "%";
        span.style.top = (100 * word.y1 / data.height_pt) + "%";
        span.style.width = (100 * (word.x2 - word.x1) / data.width_pt) + "%";
        span.style.height = (100 * (word.y2 - word.y1) / data.height_pt) + "%";
        span.style.fontSize = Math.max(4, 0.9 * height * (word.y2 - word.y1) / data.height_pt) + "px";
        layer.appendChild(span);
        layer.appendChild(document.createTextNode(" "));
      });
      layer.dataset.ready = "true";
    });
  // The words the selection touches, whole, joined by single spaces (the selection's own text has no
  // spaces between positioned words).
  layer.addEventListener("mouseup", function () {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    var text = Array.prototype.filter.call(layer.querySelectorAll("span"), function (span) {
      return range.intersectsNode(span.firstChild || span);
    }).map(function (span) { return span.textContent; }).join(" ");
    var quote = document.getElementById("quote-text");
    var number = document.getElementById("quote-page");
    if (!text || !quote) return;
    quote.value = text;
    if (number) number.value = page.dataset.page;
  });
}

// Brings the selected quote's first box to the middle of the page frame.
function showHighlight() {
  var frame = document.getElementById("page-frame");
  var mark = document.querySelector(".highlight");
  if (!frame || !mark) return;
  frame.scrollTop += mark.getBoundingClientRect().top - frame.getBoundingClientRect().top - frame.clientHeight / 3;
}

document.addEventListener("DOMContentLoaded", function () {
  buildTextLayer();
  showHighlight();
  var selected = document.querySelector(".finding.selected");
  if (selected && selected.scrollIntoView) selected.scrollIntoView({ block: "nearest" });
});
