"""The red flags' data (:mod:`.flags`): a counted box's figures, the checks' thresholds with their
documented defaults, and one check firing on one box. Pure, like the checks themselves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

from .rounds import Words


@dataclass(frozen=True)
class Box:
    """One counted box (branch) of a round: its figures as the counted sheet gives them."""

    code: str
    region: str | None
    eligible: int
    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]

    @property
    def valid(self) -> int:
        return self.ballots_cast - self.invalid


@dataclass(frozen=True)
class FlagSettings:
    """The checks' thresholds. Percentages and points are Decimals (percent of 100)."""

    min_eligible: int = 20
    """Boxes with fewer eligible members are not checked for turnout (all of a handful voting)."""
    turnout_points: Decimal = Decimal(25)
    """turnout_above_region: box turnout at least this many points above the rest of its region."""
    full_turnout_percent: Decimal = Decimal(95)
    """turnout_near_full: box turnout at or above this (and below 100%)."""
    min_valid: int = 30
    """Boxes with fewer valid votes (or ballots, for invalid_high) are not checked for shares."""
    sweep_percent: Decimal = Decimal(95)
    """one_candidate_sweep: one candidate has at least this share of the box's valid votes ..."""
    split_percent: Decimal = Decimal(70)
    """... while no candidate has more than this share in the rest of the region."""
    z: Decimal = Decimal(4)
    """shares_differ, invalid_high: how many standard deviations count as "far beyond chance"."""
    overdispersion: Fraction = Fraction(1, 50)
    """The intra-box correlation rho of the beta-binomial: Var = n p (1-p) (1 + (n-1) rho).
    It lets real boxes differ from their region more than coin flips would (neighbourhoods
    differ), so that only big boxes far off are flagged."""
    share_points: Decimal = Decimal(15)
    """shares_differ: and the share differs by at least this many points."""
    invalid_points: Decimal = Decimal(10)
    """invalid_high: invalid share at least this many points above the rest of the region."""
    region_min_valid: int = 100
    """The rest of the region must have this many valid votes to compare with."""
    moved_turnout_points: Decimal = Decimal(20)
    """runoff_turnout_moved: the box's turnout change differs from its region's by this much."""
    moved_share_points: Decimal = Decimal(25)
    """runoff_shares_moved: a candidate's share change differs from the region's by this much."""
    hold_for_review: int = 1
    """What a flag does: 1, the box is held for review (``results.reviews``); 0, it is shown."""

    def __post_init__(self) -> None:
        if min(self.min_eligible, self.min_valid, self.region_min_valid) < 1:
            raise ValueError("min_eligible, min_valid and region_min_valid must be at least 1")


@dataclass(frozen=True)
class Flag:
    """One check firing on one box."""

    branch: str
    check: str
    message: str
    figures: Mapping[str, str | int] = field(default_factory=dict)
    words: Words | None = field(default=None, compare=False, repr=False)
    """The message to translate where it is shown (:mod:`.flag_words`)."""

    def as_dict(self) -> dict[str, object]:
        found = {k: v for k, v in asdict(self).items() if k != "words"}
        return {**found, "figures": dict(self.figures)}
