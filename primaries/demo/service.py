"""Loading the demo election: the package from :mod:`primaries.demo.data`, round 1 certified."""

from __future__ import annotations

import json

from sqlalchemy import select

from ..changes import Actor
from ..elections.lookup import get_election, get_round
from ..elections.packages import load_package
from ..elections.rounds import certify_round
from ..extensions import db
from ..models import Election
from .data import DEMO_SLUG, demo_package


def load_demo(*, complete: bool, actor: Actor) -> str:
    """Load the demo unless it is there; return what happened, for the command to print."""
    if db.session.scalar(select(Election.id).where(Election.slug == DEMO_SLUG)):
        return f"the demo election {DEMO_SLUG} is already loaded"
    raw = json.dumps(demo_package(complete=complete), ensure_ascii=False).encode("utf-8")
    summary = load_package(raw, actor=actor)
    certify_round(get_round(get_election(DEMO_SLUG), 1), actor=actor)
    return (
        f"loaded the demo election {DEMO_SLUG}: {summary.branches} branches, round 1 certified, "
        f"runoff {'complete' if complete else 'in progress'}"
    )
