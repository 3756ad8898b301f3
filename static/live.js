/* Live results while a round is counting (progressive enhancement: every page works without it).
 *
 * The page names the round's result JSON (data-live-api) and its current ETag (data-live-etag).
 * Every few seconds this asks the API with If-None-Match: a 304 costs the server two small
 * queries. When the result has changed, the page's own HTML is fetched again and each
 * [data-live-region] is replaced in place by its fresh copy (numbers, chart, outcome, all in the
 * reader's language), without a reload or a flicker. "Updated hh:mm:ss" shows the last check.
 * Polling pauses while the tab is hidden and stops for good once the fresh page is no longer
 * live (the round was certified, or a later round was opened).
 */
(function () {
  "use strict";
  var page = document.querySelector(".live-page[data-live-api]");
  if (!page || !window.fetch || !window.DOMParser) {
    return;
  }
  var api = page.getAttribute("data-live-api");
  var etag = page.getAttribute("data-live-etag");
  var seconds = Math.max(1, parseInt(page.getAttribute("data-live-interval"), 10) || 15);
  var lang = document.documentElement.lang || undefined;
  var timer = null;
  var busy = false;
  var stopped = false;

  function stamp() {
    var now = new Date();
    // The page's time zone (the committee's), never the reader's own clock: every time on the
    // site is in the same zone.
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false };
    var zone = document.body.getAttribute("data-time-zone");
    if (zone) { options.timeZone = zone; }
    var text;
    try { text = now.toLocaleTimeString(lang, options); } catch (err) {
      delete options.timeZone;
      text = now.toLocaleTimeString(lang, options);
    }
    document.querySelectorAll("[data-live-updated] time").forEach(function (el) {
      el.setAttribute("datetime", now.toISOString());
      el.textContent = text;
    });
  }

  function schedule() {
    if (!stopped) {
      clearTimeout(timer);
      timer = setTimeout(poll, seconds * 1000);
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    page.removeAttribute("data-live-api");
    page.setAttribute("data-live-stopped", "");
  }

  function refresh() {
    return fetch(window.location.href, {
      cache: "no-cache", credentials: "same-origin", headers: {"Accept": "text/html"}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("page answered " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-live-region][id]").forEach(function (old) {
        var replacement = fresh.getElementById(old.id);
        if (replacement) {
          old.replaceWith(document.importNode(replacement, true));
        }
      });
      var freshPage = fresh.querySelector(".live-page");
      if (freshPage && !freshPage.hasAttribute("data-live-api")) {
        stop();
      }
    });
  }

  function poll() {
    if (busy || stopped) {
      return;
    }
    if (document.hidden) {
      schedule();
      return;
    }
    busy = true;
    var headers = {"Accept": "application/json"};
    if (etag) {
      headers["If-None-Match"] = etag;
    }
    fetch(api, {cache: "no-store", credentials: "same-origin", headers: headers})
      .then(function (response) {
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error("result answered " + response.status);
        }
        var changed = response.headers.get("ETag");
        return refresh().then(function () {
          etag = changed || etag;
          page.setAttribute("data-live-etag", etag || "");
          page.setAttribute("data-live-changes", String(Number(page.getAttribute("data-live-changes") || 0) + 1));
        });
      })
      .then(stamp)
      .catch(function () { /* keep what is shown; the next check tries again */ })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) {
      poll();
    }
  });
  schedule();
}());
