"""The benchmark suite of issue 5: ``python -m bench`` (``make bench``).

It generates three elections through the contract's own formats (``labor``, ``national``,
``huge``), loads them into fresh SQLite files and fresh PostgreSQL databases with the real
``primaries`` command, and measures load, tally, serving, entry and election night. Figures go
to ``bench/results.json`` with the machine's load average next to each, and a markdown table is
printed for the README's "Performance" section. Nothing here is part of ``make test``.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results.json"
