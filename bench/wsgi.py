"""The app as the serving benchmark runs it under gunicorn: ``bench.wsgi:app``.

The same factory as production (``primaries:create_app()``), given its settings explicitly so
that nothing in ``instance/`` changes what is measured: ``DATABASE_URL``, ``SECRET_KEY`` and
``AUDIT_SIGNING_KEY`` from the environment, ``BENCH_CACHE=0`` for the "cold" runs
(``RESULTS_CACHE_SIZE`` 0: every request computes) and ``BENCH_RECHECK=0`` for runs where every
request asks the database which version is current (``RESULTS_RECHECK_SECONDS`` 0; by default a
worker asks at most every 0.5 s, and at once on a change's notice), ``BENCH_NOTIFY=0`` for runs
without change notices (``RESULTS_CHANGE_NOTIFY`` off).
"""

from __future__ import annotations

import os

from primaries import create_app

app = create_app(
    {
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "AUDIT_SIGNING_KEY": os.environ["AUDIT_SIGNING_KEY"],
        **({} if os.environ.get("BENCH_CACHE", "1") != "0" else {"RESULTS_CACHE_SIZE": 0}),
        **({} if os.environ.get("BENCH_RECHECK", "1") != "0" else {"RESULTS_RECHECK_SECONDS": 0}),
        **({} if os.environ.get("BENCH_NOTIFY", "1") != "0" else {"RESULTS_CHANGE_NOTIFY": False}),
    }
)
