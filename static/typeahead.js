/* primaries: keys typed ahead are kept (issue 14, finding 12).
 *
 * A clerk who knows the next sheet types without waiting for it: the branch code, Enter, then
 * the first number at once. Those keys used to be lost: typed into the page that was going, or
 * into the new page before its first field had the focus. This script is loaded in the page's
 * head, before the body, so it hears every key:
 * - after a form of this page is sent, printable keys are kept in this tab (sessionStorage, for
 *   ten seconds) for the next page, and the page that is going does not take them;
 * - on the new page, keys typed before a field has the focus are kept too;
 * - once the page is ready, what was kept goes into its first field (the one with autofocus) if
 *   that field is empty. Nothing else changes: keys typed into a field go into that field.
 */
(function () {
  "use strict";
  var KEY = "primaries:typeahead";
  var FRESH_MS = 10000;
  var typed = "";
  var sent = false;

  function printable(event) {
    return event.key && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
  }
  function onField(event) {
    var target = event.target;
    return !!target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
  }
  function keptText() {
    try {
      var kept = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
      return kept && Date.now() - kept.at < FRESH_MS ? kept.text : "";
    } catch (err) { return ""; }
  }
  function keep(text) {
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify({ text: text, at: Date.now() }));
    } catch (err) { /* no sessionStorage: the keys are lost, as before */ }
  }

  // A form really sent (not stopped by a confirmation the person declined): the page is going.
  window.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) { sent = true; }
  });
  window.addEventListener("pageshow", function () { sent = false; });  // back to a kept page

  document.addEventListener("keydown", function (event) {
    if (!printable(event)) { return; }
    if (sent) {
      event.preventDefault();
      keep(keptText() + event.key);
    } else if (!onField(event)) {
      event.preventDefault();
      typed += event.key;
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    var text = keptText() + typed;
    typed = "";
    try { window.sessionStorage.removeItem(KEY); } catch (err) { /* nothing kept */ }
    var field = document.querySelector("input[autofocus], textarea[autofocus]");
    if (!text || !field || field.value !== "" || field.disabled || field.readOnly) { return; }
    field.focus();
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
