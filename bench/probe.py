"""Run inside a fresh process by the benchmark: one cold measurement, printed as JSON.

``python -m bench.probe tally SLUG ROUND`` times :func:`primaries.tally.round_result` (the first
call of a fresh process, so no cache of any kind in the application), then ``--repeat`` warm
calls; ``python -m bench.probe bare SLUG ROUND`` times the bare SQL aggregate (sum of votes per
candidate over the counted sheets) the same way. The database is ``DATABASE_URL``. The
connection is opened (``SELECT 1``) before the clock starts, for both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

BARE_SQL = (
    "SELECT v.candidate_id, SUM(v.votes) FROM entry_votes v "
    "JOIN sheets s ON s.counted_entry_id = v.entry_id "
    "WHERE s.round_id = :round_id AND s.state = 'counted' AND NOT s.annulled "
    "GROUP BY v.candidate_id"
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("what", choices=("tally", "bare"))
    parser.add_argument("slug")
    parser.add_argument("round", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import select, text
    from sqlalchemy.orm import configure_mappers

    from primaries import create_app
    from primaries.elections.lookup import get_election, get_round
    from primaries.extensions import db
    from primaries.models import Election, Round
    from primaries.tally import round_result

    app = create_app()
    with app.app_context():
        # Connected and the ORM's mappers configured before the clock starts, for both; what a
        # first tally compiles and computes is in the cold figure.
        configure_mappers()
        db.session.execute(text("SELECT 1"))
        round_id = db.session.scalar(
            select(Round.id)
            .join(Election, Election.id == Round.election_id)
            .where(Election.slug == args.slug, Round.number == args.round)
        )
        db.session.rollback()

        def once() -> tuple[float, Any]:
            start = time.perf_counter()
            if args.what == "tally":
                value: Any = round_result(get_round(get_election(args.slug), args.round))
                value = value["candidates"][0]["votes"]
            else:
                rows = db.session.execute(text(BARE_SQL), {"round_id": round_id}).all()
                value = max(int(total) for _, total in rows)
            seconds = time.perf_counter() - start
            db.session.rollback()
            return seconds, value

        cold, value = once()
        warm = [once()[0] for _ in range(args.repeat)]
    print(
        json.dumps(
            {
                "cold_s": round(cold, 5),
                "warm_s": round(statistics.median(warm), 5) if warm else None,
                "top_votes": value,
            }
        )
    )


if __name__ == "__main__":
    main()
