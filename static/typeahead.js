/* primaries: keys typed ahead are kept (issue 14, finding 12).
 *
 * A clerk who knows the next sheet types without waiting for it: the branch code, Enter, then
 * the first number at once. Those keys used to be lost: typed into the page that was going, or
 * into the new page before its first field had the focus. This script is loaded in the page's
 * head, before the body, so it hears every key:
 * - after a form of this page is sent, printable keys are kept in this tab (sessionStorage, for
 *   ten seconds) for the next page, and the page that is going does not take them;
 * - on the new page, keys typed before it is ready (while no element has the focus) are kept too;
 * - once the page is ready, what was kept goes into its first field (the one with autofocus) if
 *   that field is empty. Nothing else changes: keys typed into a field, a button or a link, or
 *   anywhere once the page is ready, go where they always went (Space still scrolls and presses).
 * A form sent to another window (target="_blank") does not count as the page going, and the page
 * stops keeping keys if it is still here five seconds after a form was sent.
 */
(function () {
  "use strict";
  var KEY = "primaries:typeahead";
  var FRESH_MS = 10000;
  var typed = "";
  var sent = false;
  var ready = false;

  function printable(event) {
    return event.key && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
  }
  function unfocused(event) {
    var target = event.target;
    return target === document || target === document.body || target === document.documentElement;
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
    var form = event.target;
    var elsewhere = form && form.target && form.target !== "_self";
    if (!event.defaultPrevented && !elsewhere) {
      sent = true;
      window.setTimeout(function () { sent = false; }, 5000);
    }
  });
  window.addEventListener("pageshow", function () { sent = false; });  // back to a kept page

  document.addEventListener("keydown", function (event) {
    if (!printable(event)) { return; }
    if (sent) {
      event.preventDefault();
      keep(keptText() + event.key);
    } else if (!ready && unfocused(event)) {
      event.preventDefault();
      typed += event.key;
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    ready = true;
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
