"""What the audit chain records of the data it proves, in the shape the writers and the replay
share (``primaries audit verify``, :mod:`primaries.audit.replay`).

Every event that makes numbers count records them. One sheet's change (an entry, a resolution,
a correction) records its numbers as ``ballots_cast``, ``invalid`` and ``votes`` with the new
entry's id. A bulk change (a package loaded, a sheets file imported) records its rows under
``data``, in compact rows rather than one object per sheet:

- ``data.branches``: ``[code, name, region, eligible]``;
- ``data.rounds[]``: ``{"number", "ballot": [codes], "sheets": [...], "annulled": [...]}``, a
  sheet as ``[branch, entry_id, ballots_cast, invalid, votes...]`` (votes in the order of
  ``ballot``), an annulled sheet as ``[branch, reason]``.

The numbers themselves, not digests of them: the log alone holds every number that counts, so a
court can rebuild every result from it without trusting the tables, and ``verify`` names the
field that differs with both values. Large changes stay readable and bounded in memory: every
:data:`ROWS_PER_EVENT` rows go into a part event (``election.load.part``,
``sheets.import.part``) recorded as the rows are written, the rest into the change's own event
(at national scale, 12,926 sheets x 39 candidates, about 14 parts of about 150 kB each).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.sheets import Numbers
from .chain import record

ROWS_PER_EVENT = 1000
"""Rows of ``data`` in one event; more go into part events."""

PART_ACTIONS = {"election.load": "election.load.part", "sheets.import": "sheets.import.part"}
"""The action of a bulk change's part events, by the action of the change's own event."""


def sheet_row(branch: str, entry_id: int, numbers: Numbers, ballot: Sequence[str]) -> list[Any]:
    """A counted sheet as ``data`` records it: votes in the order of ``ballot``."""
    votes = [numbers.votes[code] for code in ballot]
    return [branch, entry_id, numbers.ballots_cast, numbers.invalid, *votes]


def row_numbers(row: Sequence[Any], ballot: Sequence[str]) -> tuple[str, int, Numbers]:
    """A recorded sheet row back to (branch, entry id, numbers); ValueError when malformed."""
    if len(row) != 4 + len(ballot):
        raise ValueError(f"a sheet row has {len(row)} values, the ballot needs {4 + len(ballot)}")
    branch, entry_id, cast, invalid, *votes = row
    return (
        str(branch),
        int(entry_id),
        Numbers(int(cast), int(invalid), dict(zip(ballot, votes, strict=True))),
    )


def numbers_digest(numbers: Numbers) -> bytes:
    """A short digest of a sheet's numbers (the replay keeps this, not the numbers)."""
    canonical = repr((numbers.ballots_cast, numbers.invalid, sorted(numbers.votes.items())))
    return hashlib.blake2b(canonical.encode(), digest_size=16).digest()


class DataLog:
    """The ``data`` of one bulk change, recorded as its rows are written.

    ``add_*`` gather rows; every :data:`ROWS_PER_EVENT` of them are recorded at once in a part
    event (so neither the change nor its events hold all of them), and :meth:`rest` gives the
    rows left, with each round's own fields, for the change's own event.
    """

    def __init__(
        self,
        action: str,
        *,
        actor: str,
        object_type: str,
        object_id: str,
        election: str,
        round_number: int | None = None,
    ) -> None:
        self.part_action = PART_ACTIONS[action]
        self.actor, self.object_type, self.object_id = actor, object_type, object_id
        self.election, self.round_number = election, round_number
        self.parts = 0
        self._branches: list[list[Any]] = []
        self._rounds: dict[int, dict[str, Any]] = {}
        self._round_fields: dict[int, dict[str, Any]] = {}
        self._pending = 0

    def add_branches(self, rows: Iterable[list[Any]]) -> None:
        for row in rows:
            self._branches.append(row)
            self._added()

    def add_sheets(self, number: int, ballot: Sequence[str], rows: Iterable[list[Any]]) -> None:
        for row in rows:
            self._round(number, ballot)["sheets"].append(row)
            self._added()

    def add_annulled(self, number: int, ballot: Sequence[str], rows: Iterable[list[Any]]) -> None:
        for row in rows:
            self._round(number, ballot)["annulled"].append(row)
            self._added()

    def round_fields(self, number: int, ballot: Sequence[str], **fields: Any) -> None:
        """A round's own fields (status, date, lots...): they go into the change's own event."""
        self._round(number, ballot)
        self._round_fields.setdefault(number, {}).update(fields)

    def rest(self) -> dict[str, Any]:
        """The rows not yet recorded, and the rounds' own fields: the change's own ``data``."""
        data: dict[str, Any] = {}
        if self._branches:
            data["branches"] = self._branches
        rounds = []
        for number, entry in self._rounds.items():
            rounds.append({**entry, **self._round_fields.get(number, {})})
        if rounds:
            data["rounds"] = rounds
        return data

    def _round(self, number: int, ballot: Sequence[str]) -> dict[str, Any]:
        entry = self._rounds.get(number)
        if entry is None:
            entry = {"number": number, "ballot": list(ballot), "sheets": [], "annulled": []}
            self._rounds[number] = entry
        return entry

    def _added(self) -> None:
        self._pending += 1
        if self._pending >= ROWS_PER_EVENT:
            self._flush()

    def _flush(self) -> None:
        data: dict[str, Any] = {}
        if self._branches:
            data["branches"] = self._branches
        rounds = [entry for entry in self._rounds.values() if entry["sheets"] or entry["annulled"]]
        if rounds:
            data["rounds"] = rounds
        self.parts += 1
        record(
            self.part_action,
            actor=self.actor,
            object_type=self.object_type,
            object_id=self.object_id,
            election=self.election,
            round_number=self.round_number,
            after={"part": self.parts, "data": data},
        )
        self._branches = []
        self._rounds = {
            number: {**entry, "sheets": [], "annulled": []}
            for number, entry in self._rounds.items()
        }
        self._pending = 0
