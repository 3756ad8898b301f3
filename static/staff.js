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

  // What a clerk typed survives the end of the session. When a form with data-keep-typing is
  // sent, its fields are kept in this tab (sessionStorage), under the page's path and the
  // account's name. If the server sent the person to sign in again (or gave the form back because
  // it was out of date), it sends them back with ?typed=kept: the same account landing on the
  // same empty form gets the numbers back, with a note. Any other signed-in staff page forgets
  // what was kept: the form was saved.
  var KEPT = "primaries:typed:";
  var staffNav = document.querySelector("[data-staff-user]");
  var who = staffNav ? staffNav.getAttribute("data-staff-user") : null;
  var keptForms = document.querySelectorAll("form[data-keep-typing]");
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && (el.tagName === "TEXTAREA" ||
        (el.tagName === "INPUT" && (el.type === "text" || el.type === "number" || el.type === "")));
    });
  }
  try {
    keptForms.forEach(function (form) {
      var key = KEPT + location.pathname;
      var kept = JSON.parse(window.sessionStorage.getItem(key) || "null");
      window.sessionStorage.removeItem(key);
      var fields = fieldsOf(form);
      var empty = fields.every(function (el) { return el.value === ""; });
      var back = new URLSearchParams(location.search).get("typed") === "kept";
      if (kept && back && who && kept.user === who && empty) {
        fields.forEach(function (el) {
          if (Object.prototype.hasOwnProperty.call(kept.values, el.name)) { el.value = kept.values[el.name]; }
        });
        var note = form.querySelector("[data-kept-note]");
        if (note) { note.hidden = false; }
        form.dispatchEvent(new Event("input"));
      }
      form.addEventListener("submit", function () {
        var values = {};
        fieldsOf(form).forEach(function (el) { values[el.name] = el.value; });
        window.sessionStorage.setItem(key, JSON.stringify({ user: who, values: values }));
      });
    });
    if (who && keptForms.length === 0) {
      for (var i = window.sessionStorage.length - 1; i >= 0; i--) {
        var name = window.sessionStorage.key(i);
        if (name && name.indexOf(KEPT) === 0) { window.sessionStorage.removeItem(name); }
      }
    }
  } catch (err) { /* no sessionStorage (a private mode): the form works as before */ }

  // Keys typed ahead (issue 14, finding 12). A clerk who knows the next sheet types without
  // waiting: the branch code, Enter, then the first number at once. Once a form of this page is
  // sent (and not stopped by a confirmation), printable keys typed while the next page loads are
  // kept in this tab for ten seconds instead of going to the page that is leaving; the next page
  // puts them into its first field (the one with autofocus) if that field is still empty.
  // Nothing else changes: on a page that stays, keys go where they always went.
  var AHEAD = "primaries:typeahead";
  var leaving = false;
  function aheadText() {
    try {
      var kept = JSON.parse(window.sessionStorage.getItem(AHEAD) || "null");
      return kept && Date.now() - kept.at < 10000 ? kept.text : "";
    } catch (err) { return ""; }
  }
  function keepAhead(text) {
    try {
      window.sessionStorage.setItem(AHEAD, JSON.stringify({ text: text, at: Date.now() }));
    } catch (err) { /* no sessionStorage: the keys are lost, as before */ }
  }
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.target && form.target !== "_self") { return; }
    leaving = true;
    setTimeout(function () {  // a confirmation declined (or a check) stopped it: not leaving
      if (event.defaultPrevented) { leaving = false; }
    }, 0);
    setTimeout(function () { leaving = false; }, 5000);
  });
  window.addEventListener("pageshow", function () { leaving = false; });
  document.addEventListener("keydown", function (event) {
    if (!leaving || !event.key || event.key.length !== 1 || event.ctrlKey || event.metaKey ||
        event.altKey) { return; }
    event.preventDefault();
    keepAhead(aheadText() + event.key);
  }, true);
  (function () {
    var text = aheadText();
    try { window.sessionStorage.removeItem(AHEAD); } catch (err) { /* nothing kept */ }
    var field = document.querySelector("input[autofocus], textarea[autofocus]");
    if (!text || !field || field.value !== "" || field.disabled || field.readOnly) { return; }
    field.focus();
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  })();

  // Typing a number from the paper chooses "the paper says".
  document.querySelectorAll("input[data-paper-for]").forEach(function (input) {
    input.addEventListener("input", function () {
      var radio = document.querySelector("input[name='" + input.getAttribute("data-paper-for") + "'][value=paper]");
      if (radio && input.value.trim() !== "") { radio.checked = true; }
    });
  });

  // The round's dashboard refreshes itself (every data-refresh-seconds) without a reload: each
  // data-refresh-region is replaced by the same region of the page fetched again, except one
  // holding the focus (nobody loses what they were doing). A new mismatch is announced in a
  // polite live region. The refresh does not count as activity: the idle time-out still ends
  // a session left open; then (the answer is the sign-in page) the refreshing stops.
  var live = document.querySelector("[data-refresh]");
  if (live && window.fetch && window.DOMParser) {
    var every = parseInt(live.getAttribute("data-refresh-seconds"), 10) || 15;
    var mismatches = parseInt(live.getAttribute("data-mismatches"), 10) || 0;
    var announce = live.querySelector("[data-refresh-announce]");
    var refreshNow = function () {
      if (document.hidden) { setTimeout(refreshNow, every * 1000); return; }
      window.fetch(location.href, { credentials: "same-origin", headers: { "X-Primaries-Refresh": "1" } })
        .then(function (answer) {
          if (!answer.ok || answer.redirected) { throw new Error("stop"); }
          return answer.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-refresh]");
          if (!fresh) { throw new Error("stop"); }
          live.querySelectorAll("[data-refresh-region]").forEach(function (region) {
            var name = region.getAttribute("data-refresh-region");
            var next = fresh.querySelector("[data-refresh-region='" + name + "']");
            if (next && !region.contains(document.activeElement) && region.innerHTML !== next.innerHTML) {
              region.innerHTML = next.innerHTML;
            }
          });
          var now = parseInt(fresh.getAttribute("data-mismatches"), 10) || 0;
          if (now > mismatches && announce) {
            announce.textContent = fill(live.getAttribute("data-new-mismatch") || "", { count: now });
            announce.hidden = false;
          }
          mismatches = now;
          setTimeout(refreshNow, every * 1000);
        })
        .catch(function () { /* signed out or offline: stop; a reload starts again */ });
    };
    setTimeout(refreshNow, every * 1000);
  }

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
