"""An in-process cache of what the results pages and the API compute, keyed by data version.

Every change that can change a round's result bumps ``Round.data_version`` in the same
transaction, so ``(kind, round id, data_version)`` names one result for good: while nothing
changes, a page or an API answer is served from here and the database is not summed again.
Old versions simply age out of the LRU. Each app server process keeps its own cache (several
gunicorn workers each compute a version once); nothing has to be invalidated across them because
the key itself changes.

Values are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")

EXTENSION_KEY = "primaries.results_cache"
DEFAULT_SIZE = 512


class ResultCache:
    """A small thread-safe LRU; ``hits`` and ``misses`` are kept for tests and curiosity."""

    def __init__(self, maxsize: int = DEFAULT_SIZE) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[no-any-return]
            self.misses += 1
        # Computed outside the lock: two requests may compute the same version at once, which
        # is harmless (same key, same value) and better than serialising every page.
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


def results_cache() -> ResultCache:
    """The current app's cache (one per app, so tests with fresh databases never share one)."""
    cache = current_app.extensions.get(EXTENSION_KEY)
    if cache is None:
        cache = ResultCache(int(current_app.config.get("RESULTS_CACHE_SIZE", DEFAULT_SIZE)))
        current_app.extensions[EXTENSION_KEY] = cache
    return cache  # type: ignore[no-any-return]


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    return results_cache().get_or_compute(key, compute)
