"""How production serves the app: gunicorn's settings (``-c python:primaries.gunicorn_config``).

``gunicorn -c python:primaries.gunicorn_config 'primaries:create_app()'`` (``make serve``, the
systemd unit of ``docs/deploy.md``, and the tests that start servers). Options given on the
command line win over these.

- ``gthread`` workers: each worker process serves ``threads`` requests at once, so a few clients
  that send their request slowly hold a thread each, not the whole worker (with ``sync``
  workers, four slow uploads stalled two workers). The app is thread-safe: one SQLAlchemy session
  per thread (Flask-SQLAlchemy's scoped session), and its in-process caches take a lock.
- Uploads may use at most half of a worker's threads at once (``REQUEST_BODY_SLOTS``, set here
  for each worker from ``threads``), and each body must arrive within a deadline
  (:mod:`primaries.request_bodies`): the other half always answers pages and ``/healthz``.

Environment: ``PRIMARIES_BIND`` (default ``127.0.0.1:8000``), ``WEB_CONCURRENCY`` (workers;
default two per CPU core), ``GUNICORN_THREADS`` (default 8).
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("PRIMARIES_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
# A worker that does not report for this long is restarted; room for a large CSV import.
timeout = 120
graceful_timeout = 30
keepalive = 5
# The app writes one JSON line per request itself (primaries.request_log).
accesslog = None
# No runtime control socket (gunicorn 25.1+; older versions ignore the name): several servers
# of one account would share its default path, and systemd already manages the service.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """Give the app its share of threads for request bodies, unless configured."""
    config = getattr(worker.wsgi, "config", None)
    if config is not None and not config.get("REQUEST_BODY_SLOTS"):
        config["REQUEST_BODY_SLOTS"] = max(1, int(worker.cfg.threads) // 2)
