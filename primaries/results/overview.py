"""An election at a glance: each round with its result and certificate, and where it stands.

A :class:`RoundView` is a round with what the pages say about it (its result JSON, its
certificate, the round after it); an :class:`ElectionOverview` is the election's rules, its
rounds' views and its state (:func:`election_state`). Results and certificates come from the
caches of their data versions, so an overview costs no sum over the sheets while nothing changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import select

from ..core.rounds import RoundStatus, is_final, is_published
from ..extensions import db
from ..models import Election, Round
from ..tally import rules_dict
from .certificates import Certificate, Withdrawal, certificate_of, withdrawal_of
from .documents import result_of
from .reviews import held_boxes


@dataclass(frozen=True)
class RoundView:
    round: Round
    result: Mapping[str, Any]
    certificate: Certificate | None
    next_round: Round | None
    withdrawal: Withdrawal | None = None

    @property
    def number(self) -> int:
        return self.round.number

    @property
    def certified(self) -> bool:
        """Certified, and the result shown is the one certified."""
        return self.certificate is not None and self.certificate.result_matches

    @property
    def certificate_broken(self) -> bool:
        """Certified, but the result shown now is not the one certified: never "certified"."""
        return self.certificate is not None and not self.certificate.result_matches

    @cached_property
    def under_review(self) -> int:
        """Boxes red flags hold for review and the committee has not cleared (issue 13), said
        once the round is closed: while it is counted, flags come and go as boxes arrive (and a
        national round's checks take seconds, too long for every change of a public page)."""
        if self.round.status != RoundStatus.CLOSED or self.next_round is not None:
            return 0
        return len(held_boxes(self.round))

    @property
    def final(self) -> bool:
        """Certified, or followed by a later round: its numbers no longer change."""
        return is_final(self.round.status, has_later_round=self.next_round is not None)

    @property
    def published(self) -> bool:
        """Its results are public now, as the committee chose (``rounds.publish``)."""
        branches = self.result["branches"]
        return is_published(
            self.round.publish,
            status=self.round.status,
            complete=int(branches["pending"]) == 0,
            has_later_round=self.next_round is not None,
        )

    @property
    def live(self) -> bool:
        return not self.final and self.published

    @property
    def reported(self) -> int:
        branches = self.result["branches"]
        return int(branches["counted"]) + int(branches["annulled"])

    @property
    def names(self) -> dict[str, str]:
        return {c["code"]: c["name"] for c in self.result["candidates"]}


def round_views(election: Election) -> list[RoundView]:
    rounds = list(election.rounds)
    views = []
    for i, r in enumerate(rounds):
        result = result_of(r)
        views.append(
            RoundView(
                round=r,
                result=result,
                certificate=certificate_of(r, result),
                next_round=rounds[i + 1] if i + 1 < len(rounds) else None,
                withdrawal=withdrawal_of(r),
            )
        )
    return views


def election_state(views: Sequence[RoundView]) -> str:
    """``decided``, ``runoff_scheduled``, ``counting`` or ``not_started``.

    ``decided`` needs a certified winner; a runoff that exists but has no reported branch yet is
    ``runoff_scheduled``, as is a certified runoff outcome whose runoff is not yet opened.
    """
    if not views:
        return "not_started"
    last = views[-1]
    status = last.result["outcome"]["status"]
    if last.certified and status == "winner":
        return "decided"
    if last.certified and status == "runoff":
        return "runoff_scheduled"
    if last.number > 1 and last.reported == 0:
        return "runoff_scheduled"
    if last.number == 1 and last.reported == 0:
        return "not_started"
    return "counting"


@dataclass(frozen=True)
class ElectionOverview:
    election: Election
    rules: Mapping[str, Any]
    rounds: list[RoundView]
    state: str


def election_overview(election: Election) -> ElectionOverview:
    views = round_views(election)
    return ElectionOverview(election, rules_dict(election), views, election_state(views))


def all_elections() -> list[ElectionOverview]:
    """Every election's overview, newest first (the list of elections)."""
    return [
        election_overview(e)
        for e in db.session.scalars(select(Election).order_by(Election.created_at.desc()))
    ]
