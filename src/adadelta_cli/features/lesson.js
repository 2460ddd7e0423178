(function () {
  "use strict";
  var root = document.documentElement, body = document.body;
  var first = parseInt(root.getAttribute("data-first"), 10), last = parseInt(root.getAttribute("data-last"), 10);
  var sections = document.querySelectorAll("section.step");
  var marked = document.querySelectorAll("tr[data-t], .chart [data-t]");
  var box = document.getElementById("step-box");
  var scroller = document.querySelector(".scroll");
  var current = first, revealed = {};
  function $(id) { return document.getElementById(id); }
  function clamp(n) {
    n = parseInt(n, 10);
    return isNaN(n) ? first : Math.min(Math.max(n, first), last);
  }
  function fromHash() {
    var m = /^#step=(-?\d+)$/.exec(location.hash);
    return m ? clamp(m[1]) : first;
  }
  function exercise() { return body.classList.contains("exercise"); }
  function show(n) {
    current = n;
    var hideNow = exercise() && !revealed[n];
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = parseInt(sections[i].getAttribute("data-t"), 10) !== n;
    }
    for (var j = 0; j < marked.length; j++) {
      var el = marked[j], t = parseInt(el.getAttribute("data-t"), 10);
      var drawn = el.classList.contains("mark");
      el.classList.toggle("later", t > n || (drawn && t === n && hideNow));
      el.classList.toggle("now", t === n);
    }
    box.value = n;
    $("first").disabled = $("back").disabled = n === first;
    $("next").disabled = $("end").disabled = n === last;
    if ($("reveal")) { $("reveal").hidden = !exercise(); }
    fits();
    var row = document.querySelector("tbody tr.now");
    if (row && scroller) {
      var top = row.offsetTop - scroller.querySelector("thead").offsetHeight;
      if (top < scroller.scrollTop || row.offsetTop + row.offsetHeight > scroller.scrollTop + scroller.clientHeight) {
        scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
      }
    }
  }
  function fits() {
    $("move").hidden = !root.classList.contains("large") ||
      window.scrollY + window.innerHeight >= root.scrollHeight - 4;
  }
  window.addEventListener("scroll", fits);
  window.addEventListener("resize", fits);
  function go(n) {
    n = clamp(n);
    var hash = "#step=" + n;
    if (location.hash !== hash) { location.replace(hash); } else { show(n); }
  }
  function values() {
    return document.querySelectorAll("#step-" + current + " .v, tr.now .v");
  }
  function checkRevealed() {
    var all = values();
    for (var i = 0; i < all.length; i++) { if (!all[i].classList.contains("shown")) { return; } }
    revealed[current] = true;
    show(current);
  }
  window.addEventListener("hashchange", function () { show(fromHash()); });
  $("first").addEventListener("click", function () { go(first); });
  $("back").addEventListener("click", function () { go(current - 1); });
  $("next").addEventListener("click", function () { go(current + 1); });
  $("end").addEventListener("click", function () { go(last); });
  box.addEventListener("change", function () { go(box.value); });
  if ($("exercise")) {
    $("exercise").addEventListener("click", function () {
      var on = body.classList.toggle("exercise");
      this.setAttribute("aria-pressed", on ? "true" : "false");
      show(current);
    });
    $("reveal").addEventListener("click", function () {
      var all = values();
      for (var i = 0; i < all.length; i++) { all[i].classList.add("shown"); }
      checkRevealed();
    });
  }
  $("large").addEventListener("click", function () {
    this.setAttribute("aria-pressed", root.classList.toggle("large") ? "true" : "false");
    fits();
  });
  $("theme").addEventListener("click", function () {
    var dark = root.classList.contains("dark") ||
      (!root.classList.contains("light") && window.matchMedia("(prefers-color-scheme: dark)").matches);
    root.classList.toggle("dark", !dark);
    root.classList.toggle("light", dark);
  });
  $("print").addEventListener("click", function () { window.print(); });
  document.addEventListener("click", function (e) {
    var v = e.target.closest ? e.target.closest(".v") : null;
    if (v && exercise()) { v.classList.add("shown"); checkRevealed(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === box && e.key === "Enter") { go(box.value); return; }
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === box) { return; }
    var keys = {ArrowRight: current + 1, PageDown: current + 1, ArrowLeft: current - 1, PageUp: current - 1,
                Home: first, End: last};
    if (!(e.key in keys)) { return; }
    e.preventDefault();
    go(keys[e.key]);
  });
  show(fromHash());
}());
