"""An in-process cache of what the results pages and the API compute, keyed by data version.

Every change that can change a round's result bumps ``Round.data_version`` in the same
transaction, so ``(kind, round id, data_version)`` names one result for good: while nothing
changes, a page or an API answer is served from here and the database is not summed again.
Old versions simply age out of the LRU. Each app server process keeps its own cache (several
gunicorn workers each compute a version once); nothing has to be invalidated across them because
the key itself changes.

Values are shared between requests: treat them as read-only.

What stays per request is asking the database which version is current (one small query). On
election night thousands of readers ask the same thing many times a second, so that answer is
itself kept for ``RESULTS_RECHECK_SECONDS`` (default 0.5 s) per process by :func:`recent`: a
reader may see a change up to that long after it is committed by another process (published
answers already say ``max-age=10``), and a change committed by this process is seen at once.
On PostgreSQL (or SQLite with Redis) a change committed by another process is seen at once too:
its notice makes this process forget what it kept (:mod:`primaries.notices`,
``RESULTS_CHANGE_NOTIFY``), and the interval is only the safety net.
``RESULTS_RECHECK_SECONDS = 0`` asks the database on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..database import is_change
from ..notices import ensure_listening

T = TypeVar("T")

EXTENSION_KEY = "primaries.results_cache"
RECENT_KEY = "primaries.results_recent"
DEFAULT_SIZE = 512
DEFAULT_RECHECK_SECONDS = 0.5
RECENT_SIZE = 1024
_MISSING = object()


class ResultCache:
    """A small thread-safe LRU; ``hits`` and ``misses`` are kept for tests and curiosity.

    ``maxsize`` counts entries, or with ``weigh`` the sum of the entries' weights (bytes of
    rendered pages, say): the least recently used entries go until the rest fits.
    """

    def __init__(
        self, maxsize: int = DEFAULT_SIZE, weigh: Callable[[Any], int] | None = None
    ) -> None:
        self.maxsize = maxsize
        self.weigh = weigh
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.weight = 0
        self.hits = 0
        self.misses = 0

    def peek(self, key: Hashable, default: Any = None) -> Any:
        """The value kept for ``key`` (now the most recently used), or ``default`` (a miss)."""
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return kept[0]

    def put(self, key: Hashable, value: Any) -> None:
        weight = self.weigh(value) if self.weigh is not None else 1
        with self._lock:
            if key in self._items:
                self.weight -= self._items.pop(key)[1]
            if weight > self.maxsize:
                return  # would never fit (or the cache is off)
            self._items[key] = (value, weight)
            self.weight += weight
            while self.weight > self.maxsize:
                self.weight -= self._items.popitem(last=False)[1][1]

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        found = self.peek(key, _MISSING)
        if found is not _MISSING:
            kept: T = found  # what compute() returned for this key
            return kept
        # Computed outside the lock: two requests may compute the same version at once, which
        # is harmless (same key, same value) and better than serialising every page.
        value = compute()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.weight = self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


def results_cache() -> ResultCache:
    """The current app's cache (one per app, so tests with fresh databases never share one)."""
    cache: ResultCache | None = current_app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = ResultCache(int(current_app.config.get("RESULTS_CACHE_SIZE", DEFAULT_SIZE)))
        current_app.extensions[EXTENSION_KEY] = cache
    return cache


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    return results_cache().get_or_compute(key, compute)


class Recent:
    """Answers kept for a short time: ``key -> (monotonic deadline, value)``.

    An answer computed while :meth:`clear` ran is not kept: it may predate the change that
    cleared the rest.
    """

    def __init__(self) -> None:
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._cleared = 0  # how many times clear() ran

    def get_or_compute(self, key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            kept = self._items.get(key)
            cleared = self._cleared
        if kept is not None and kept[0] > now:
            found: T = kept[1]  # what compute() returned for this key
            return found
        value = compute()
        if value is None:  # nothing found (a wrong address): not kept
            return value
        with self._lock:
            if cleared != self._cleared:
                return value
            if len(self._items) >= RECENT_SIZE:
                self._items.clear()
            self._items[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._cleared += 1


_RECENT_KEYS = {RECENT_KEY}  # every app's Recent stores are kept under these keys


def recent_store(app: Flask, key: str = RECENT_KEY) -> Recent:
    """The app's :class:`Recent` kept under ``key`` (forgotten with the rest on a change), after
    starting this process's change listener if it does not run (:mod:`primaries.notices`)."""
    ensure_listening(app, forget_recent)
    store: Recent | None = app.extensions.get(key)
    if store is None:
        _RECENT_KEYS.add(key)
        store = app.extensions[key] = Recent()
    return store


def forget_recent(app: Flask) -> None:
    """Forget every answer the app keeps for ``RESULTS_RECHECK_SECONDS``: something changed."""
    for key in tuple(_RECENT_KEYS):
        store: Recent | None = app.extensions.get(key)
        if store is not None:
            store.clear()


def recent(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer from less than ``RESULTS_RECHECK_SECONDS`` ago.

    For the small version queries only (what is current); what a version contains is kept by
    :func:`cached`. An answer that is None (nothing found) is not kept.
    """
    seconds = float(current_app.config.get("RESULTS_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))
    if seconds <= 0:
        return compute()
    return recent_store(current_app).get_or_compute(key, seconds, compute)


@event.listens_for(Session, "after_commit")
def _forget_recent(session: Session) -> None:
    # A change this process has just committed is seen by its next request, not 0.5 s later.
    if is_change(session) and has_app_context():
        forget_recent(current_app)
