"""When a round's results may be read (issue 15, item 5): every public page, download and API
answer about a round asks :func:`ensure_published` first; a round the committee has not
published yet answers 404 with the sentence that says when it will be.

The rule itself is :func:`primaries.core.rounds.is_published`; the round's state comes from
:func:`~primaries.results.versions.round_state` (one small query, kept for half a second).
"""

from __future__ import annotations

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Election, Round
from .versions import round_state
from .words import not_published


def ensure_published(slug: str, number: int) -> None:
    """NotFound, saying when, if round ``number`` of ``slug`` is not published yet (an unknown
    round is left to the view's own lookup)."""
    state = round_state(slug, number)
    if state is not None and not state.published:
        raise NotFound(not_published(number, state.publish))


def ensure_election_published(slug: str) -> None:
    """NotFound unless every round of ``slug`` is published (for what holds them all)."""
    numbers = db.session.scalars(
        select(Round.number).join(Election).where(Election.slug == slug).order_by(Round.number)
    )
    for number in numbers:
        ensure_published(slug, number)


def ensure_download_published(slug: str, number: int | None) -> None:
    """A download of round ``number`` needs that round published; the election's package
    (``number`` None) holds every round, so it needs them all."""
    if number is None:
        ensure_election_published(slug)
    else:
        ensure_published(slug, number)
