"""Finding a sheet by its public names, and beginning a change on it.

Every transition of a sheet begins the same way (:func:`begin_on`): begin a change confined to
the sheet (its own lock: changes of other sheets run at once), find the sheet inside it, refuse
a form shown with an older version of it, and, unless told otherwise, refuse when the round
accepts no change of its count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select

from ..core.limits import is_branch_code, is_round_number, is_slug
from ..core.sheets import STATUS_LABELS, SheetStatus, field_labels, status_of
from ..core.words import N_, Said
from ..database import begin_change
from ..elections.lookup import ensure_changeable, get_branch, get_election, get_round
from ..errors import StaleSheet
from ..extensions import db
from ..models import Branch, Election, Round, Sheet
from ..tally import ballot_of
from .rows import sheet_of


@dataclass(frozen=True)
class SheetRef:
    """A sheet by its public names: election slug, round number, branch code."""

    slug: str
    round_number: int
    branch_code: str

    @property
    def object_id(self) -> str:
        """The sheet's name in the audit chain (and its lock's)."""
        return f"{self.slug}/{self.round_number}/{self.branch_code}"


@dataclass(frozen=True)
class SheetPlace:
    """Where a sheet is: its election, round, branch and (if it has one) its current row."""

    election: Election
    round: Round
    branch: Branch
    sheet: Sheet | None

    @property
    def version(self) -> int:
        return self.sheet.version if self.sheet else 0

    @property
    def state(self) -> SheetStatus:
        if self.sheet is None:
            return SheetStatus.EMPTY
        return status_of(self.sheet.state, self.sheet.annulled)

    @property
    def name(self) -> Said:
        return Said(
            N_("branch %(code)s in round %(number)s"),
            code=self.branch.code,
            number=self.round.number,
        )

    @property
    def object_id(self) -> str:
        """The sheet's name in the audit chain."""
        return SheetRef(self.election.slug, self.round.number, self.branch.code).object_id

    def codes(self) -> list[str]:
        return [code for _, code, _ in ballot_of(self.round)]

    def labels(self) -> dict[str, str]:
        """Field -> what the paper calls it."""
        return field_labels((code, name) for _, code, name in ballot_of(self.round))


def locate(slug: str, round_number: int, branch_code: str) -> SheetPlace:
    """Find a sheet by its public names (raises :class:`NotFound`).

    One joined query (every entry form and every save asks); when it finds nothing, the
    step-by-step lookups say which of the names is unknown.
    """
    if is_slug(slug) and is_branch_code(branch_code) and is_round_number(round_number):
        params = {"slug": slug, "number": round_number, "code": branch_code}
        row = db.session.execute(_LOCATE, params).first()
        if row is not None:
            return SheetPlace(*row)
    election = get_election(slug)
    round_ = get_round(election, round_number)
    branch = get_branch(election, branch_code)
    return SheetPlace(election, round_, branch, sheet_of(round_.id, branch.id))


def _locate_statement() -> Select[Election, Round, Branch, Sheet]:
    return (
        select(Election, Round, Branch, Sheet)
        .join(Round, Round.election_id == Election.id)
        .join(Branch, Branch.election_id == Election.id)
        .outerjoin(Sheet, (Sheet.round_id == Round.id) & (Sheet.branch_id == Branch.id))
        .where(
            Election.slug == bindparam("slug"),
            Round.number == bindparam("number"),
            Branch.code == bindparam("code"),
        )
    )


# Built once (building a statement costs more than running it).
_LOCATE = _locate_statement()


def begin_on(
    ref: SheetRef, version: int | None, *, entry: bool = False, guard: bool = True
) -> SheetPlace:
    """Begin a change of the sheet ``ref`` names; see the module docstring.

    ``version`` is the one the form was shown with (None: the command line, which shows none).
    ``entry`` also refuses typing into a closed round; ``guard=False`` leaves the round's rules to
    the caller (annulments word their own).
    """
    begin_change(only=ref.object_id)
    place = locate(ref.slug, ref.round_number, ref.branch_code)
    if version is not None and version != place.version:
        raise StaleSheet(
            Said(
                N_(
                    "this sheet changed while you were editing it: nothing was saved. It is "
                    "now %(status)s; check the page and save again if it still applies."
                ),
                status=(STATUS_LABELS[place.state], {}),
            )
        )
    if guard:
        ensure_changeable(place.round, entry=entry)
    return place
