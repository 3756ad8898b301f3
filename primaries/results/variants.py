"""Variants of a page (the branches table searched, sorted, paged): kept, limited, one at a time.

A results page asked with arguments it reads (``?q=``, ``?sort=``, ``?per=``... of the branches
table) is a *variant*. At national scale an uncached variant with 500 rows of 39 candidates costs
a second of rendering, and a stream of distinct ones from anyone must not slow the other pages
down. Variants are read in their one normal form (:func:`.tables.parse_query`), so the same view
however it is typed is one variant, and for anonymous readers they are:

- **kept** rendered, per normal form and data versions (the page's ETag), in a store of their
  own bounded in size (``RESULTS_VARIANT_CACHE_CHARS``, default 32 million characters of HTML
  per process): no number of variants pushes the main pages or the computed results out of the
  results cache (:mod:`.cache`);
- **limited**: an address (IPv6: its /64) may have ``RESULTS_VARIANT_LIMIT`` (default 60 a
  minute, 600 an hour) variants rendered that were not kept; beyond that it is answered 429 with
  ``Retry-After``. Kept variants are served whatever the count. The counters are the sign-in
  limits' (``RATELIMIT_STORAGE_URI``: Redis in production), and off with ``RATELIMIT_ENABLED``;
- **rendered one at a time**: a process renders at most ``RESULTS_VARIANT_RENDERS`` (default 1)
  variants at once; a request that gets no turn within ``RESULTS_VARIANT_WAIT`` seconds (default
  1) is answered 503 with ``Retry-After``. A stream of distinct variants from many addresses thus
  holds at most one thread of each worker, and the kept pages answer meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from ..auth.limits import LIMITER_KEY, client_network
from .cache import ResultCache

STORE_KEY = "primaries.results_variants"
SLOTS_KEY = "primaries.results_variant_slots"
DEFAULT_CHARS = 32_000_000
DEFAULT_LIMIT = "60 per minute; 600 per hour"
DEFAULT_RENDERS = 1
DEFAULT_WAIT = 1.0
BUSY_RETRY_SECONDS = 2

log = logging.getLogger(__name__)
_setup_lock = threading.Lock()


class VariantRefused(Exception):
    """A variant that is not rendered now: 429 (this address asked too many) or 503 (busy)."""

    def __init__(self, error: TooManyRequests | ServiceUnavailable, seconds: int) -> None:
        super().__init__(error.description)
        self.error, self.seconds = error, seconds


def _kept_size(kept: Any) -> int:
    return len(kept[0])  # (html, rendered at)


def variant_store() -> ResultCache:
    """The current app's store of rendered variants (one per app and process)."""
    store: ResultCache | None = current_app.extensions.get(STORE_KEY)
    if store is None:
        with _setup_lock:
            store = current_app.extensions.get(STORE_KEY)
            if store is None:
                size = int(current_app.config.get("RESULTS_VARIANT_CACHE_CHARS", DEFAULT_CHARS))
                store = ResultCache(size, weigh=_kept_size)
                current_app.extensions[STORE_KEY] = store
    return store


def _slots() -> threading.BoundedSemaphore:
    slots: threading.BoundedSemaphore | None = current_app.extensions.get(SLOTS_KEY)
    if slots is None:
        with _setup_lock:
            slots = current_app.extensions.get(SLOTS_KEY)
            if slots is None:
                count = int(current_app.config.get("RESULTS_VARIANT_RENDERS", DEFAULT_RENDERS))
                slots = threading.BoundedSemaphore(max(1, count))
                current_app.extensions[SLOTS_KEY] = slots
    return slots


def seconds_over_limit() -> int | None:
    """Counts one rendering for this address; the seconds to wait if it is over its limit."""
    limiter: Limiter | None = current_app.extensions.get(LIMITER_KEY)
    if limiter is None or not limiter.enabled:
        return None
    items = parse_many(str(current_app.config.get("RESULTS_VARIANT_LIMIT", DEFAULT_LIMIT)))
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
    who = [
        part for part in (prefix, "results-variant", client_network(get_remote_address())) if part
    ]
    try:
        strategy = limiter.limiter
        over = [item for item in items if not strategy.test(item, *who)]
        if not over:
            for item in items:
                strategy.hit(item, *who)
            return None
        reset = max(strategy.get_window_stats(item, *who).reset_time for item in over)
    except Exception:  # the counters' storage does not answer: the turns still bound the cost
        log.warning("variant limit not counted: rate limit storage unavailable", exc_info=True)
        return None
    return max(1, int(reset - time.time()) + 1)


@contextlib.contextmanager
def turn_to_render() -> Iterator[None]:
    """Within the address's limit and a turn of this process; else :class:`VariantRefused`."""
    wait = seconds_over_limit()
    if wait is not None:
        message = _(
            "You asked for many different views of this table in a short time. Wait "
            "%(seconds)s seconds and try again; views asked for before, and the table as it "
            "first opens, are shown meanwhile.",
            seconds=wait,
        )
        raise VariantRefused(TooManyRequests(message), wait)
    slots = _slots()
    if not slots.acquire(
        timeout=float(current_app.config.get("RESULTS_VARIANT_WAIT", DEFAULT_WAIT))
    ):
        message = _(
            "The server is preparing other views of this table. Try again in a few seconds; "
            "the table as it first opens is shown meanwhile."
        )
        raise VariantRefused(ServiceUnavailable(message), BUSY_RETRY_SECONDS)
    try:
        yield
    finally:
        slots.release()
