// The staff workspace's small helpers. Every page works without them.
(function () {
  "use strict";

  // A sheet's sum, live: votes + invalid against ballots cast, as the clerk types.
  // The page gives the sentences in its language, with {votes}, {invalid}, {total}, {cast}.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function wholeNumber(input) {
    var text = input.value.trim();
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : null;
  }

  document.querySelectorAll("form[data-sheet-form]").forEach(function (form) {
    var out = form.querySelector("[data-sum-check]");
    var cast = form.querySelector("input[name=ballots_cast]");
    var invalid = form.querySelector("input[name=invalid]");
    var votes = Array.prototype.slice.call(form.querySelectorAll("input[name^=votes_]"));
    if (!out || !cast || !invalid) { return; }
    function update() {
      var numbers = votes.map(wholeNumber);
      var c = wholeNumber(cast), i = wholeNumber(invalid);
      if (c === null || i === null || numbers.indexOf(null) !== -1) { out.hidden = true; return; }
      var v = numbers.reduce(function (a, b) { return a + b; }, 0);
      var values = { votes: v, invalid: i, total: v + i, cast: c };
      var ok = v + i === c;
      out.hidden = false;
      out.textContent = fill(out.getAttribute(ok ? "data-sum-ok" : "data-sum-bad") || "", values);
      out.classList.toggle("bad", !ok);
    }
    form.addEventListener("input", update);
    update();
  });

  // Typing a number from the paper chooses "the paper says".
  document.querySelectorAll("input[data-paper-for]").forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = document.querySelector("input[name='" + input.getAttribute("data-paper-for") + "'][value=paper]");
      if (radio && input.value.trim() !== "") { radio.checked = true; }
    });
  });

  // Ask before actions that are hard to undo.
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    var form = button.form;
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      if (event.submitter === button && !window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
