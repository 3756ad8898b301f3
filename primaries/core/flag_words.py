"""What each red flag says (:mod:`.flags`), written once: a sentence with its values, translated
where a page shows it (:data:`~primaries.core.rounds.Words`, marked with ``N_``), and the same
sentence in English for the command line and the contract's JSON (:func:`english`).

A value may itself be words (the region a box is compared with: "region North", or "the boxes
without a region"); it is translated, or spelled in English, first.
"""

from __future__ import annotations

from collections.abc import Mapping

from .rounds import Words, spelled
from .words import N_

MESSAGES: Mapping[str, str] = {
    "cast_equals_eligible": N_(
        "ballots cast (%(cast)s) are exactly the %(eligible)s eligible members: every member voted"
    ),
    "turnout_near_full": N_(
        "turnout %(turnout)s%% (%(cast)s of %(eligible)s eligible) is at or above %(threshold)s%%"
    ),
    "turnout_above_region": N_(
        "turnout %(turnout)s%% is %(points)s points above the rest of %(where)s "
        "(%(region_turnout)s%%)"
    ),
    "one_candidate_sweep": N_(
        "%(code)s has %(votes)s of %(valid)s valid votes (%(share)s%%) where the rest of "
        "%(where)s is split (%(code)s %(region_share)s%%, leader %(leader)s%%)"
    ),
    "shares_differ": N_(
        "%(code)s has %(share)s%% here against %(region_share)s%% in the rest of %(where)s: far "
        "more than chance allows for %(valid)s valid votes"
    ),
    "invalid_high": N_(
        "%(invalid)s of %(cast)s ballots invalid (%(share)s%%) against %(region_share)s%% in the "
        "rest of %(where)s"
    ),
    "runoff_turnout_moved": N_(
        "turnout went from %(before)s%% to %(now)s%% since the round before, while the rest of "
        "%(where)s went from %(region_before)s%% to %(region_now)s%%"
    ),
    "runoff_shares_moved": N_(
        "%(code)s went from %(before)s%% to %(now)s%% here since the round before, %(points)s "
        "points more or less than in the rest of %(where)s"
    ),
}
"""Each check's sentence."""


def where(region: str | None) -> Words:
    """The region a box is compared with, as words."""
    if region is None:
        return N_("the boxes without a region"), {}
    return N_("region %(region)s"), {"region": region}


def english(words: Words) -> str:
    """``words`` spelled in English (values that are words first)."""
    return str(spelled(words))
