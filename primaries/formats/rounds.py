"""The rounds of a package (``rounds``): numbering, ballots, lots, and whether a round may follow.

Round 1's ballot is every candidate: it may give ``"candidates"`` only if it names them all. A
later round's ballot is the qualifiers of the round before, which must be complete (every branch
has a sheet) with the outcome ``runoff``, decided here by :func:`primaries.core.rules.decide`
over the package's own sheets and lots; it may give ``"candidates"``, which must then be exactly
those qualifiers. A ballot is always in the election's candidate order, whatever order
``"candidates"`` gives. A later round's dependent checks (round before complete, outcome
``runoff``, the ballot) are skipped while the round before has problems of its own, to report
causes, not their echoes. ``held_on`` and a lot's ``note`` may be ``null``, meaning left out.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from primaries.core.rules import Rules, decide
from primaries.core.words import N_, Said

from ..core.limits import is_int
from .problems import Problems
from .sheets import SheetsParser
from .specs import BranchSpec, CandidateSpec, LotSpec, RoundSpec, SheetSpec
from .values import check_keys, check_optional_string, code_list, describe

_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


@dataclass(frozen=True)
class Election:
    """What a package's rounds are checked against: its election, as far as it was sound."""

    rules: Rules | None
    """None when the rules had problems."""
    candidates: tuple[CandidateSpec, ...]
    candidates_sound: bool
    branches: tuple[BranchSpec, ...]
    branch_eligible: Mapping[str, int | None]
    """Every branch code given, with its ``eligible`` (None when that was refused)."""
    branches_sound: bool


@dataclass
class _RoundState:
    """What a later round needs to know about the round before it."""

    number: int
    ballot: tuple[str, ...] | None
    sound: bool
    lots: tuple[LotSpec, ...]
    sheets: Sequence[SheetSpec]


class RoundsParser:
    def __init__(self, problems: Problems, election: Election) -> None:
        self.problems = problems
        self.election = election
        self.sheets = SheetsParser(
            problems,
            candidates=[c.code for c in election.candidates],
            branch_eligible=election.branch_eligible,
            branches_sound=election.branches_sound,
        )

    def add(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def parse_rounds(self, value: object) -> tuple[RoundSpec, ...]:
        if not isinstance(value, list) or not value:
            self.add("rounds", f"must be a list of at least one round, not {describe(value)}")
            return ()
        rounds: list[RoundSpec] = []
        before: _RoundState | None = None
        for index, item in enumerate(value):
            path = f"rounds[{index}]"
            if not isinstance(item, dict):
                self.add(path, f"must be an object, not {describe(item)}")
                before = None
                continue
            spec, before = self.parse_round(item, path, index + 1, before)
            if spec is not None:
                rounds.append(spec)
        return tuple(rounds)

    def parse_round(
        self, item: dict[str, Any], path: str, number: int, before: _RoundState | None
    ) -> tuple[RoundSpec | None, _RoundState]:
        count = len(self.problems)
        check_keys(
            item,
            path,
            self.problems,
            ("number", "held_on", "candidates", "lots", "sheets"),
            ("number", "sheets"),
        )
        if "number" in item and not (is_int(item["number"]) and item["number"] == number):
            self.add(
                f"{path}.number",
                f"must be {number} (rounds are numbered 1, 2, 3... in order), "
                f"not {describe(item['number'])}",
            )

        held_on = None
        if item.get("held_on") is not None:
            value = item["held_on"]
            try:
                if not (isinstance(value, str) and _DATE_RE.match(value)):
                    raise ValueError
                held_on = datetime.date.fromisoformat(value)
            except ValueError:
                self.add(
                    f"{path}.held_on",
                    Said(
                        N_('must be a date written "YYYY-MM-DD", or null, not %(value)s'),
                        value=describe(value),
                    ),
                )

        ballot = self.round_ballot(item, path, number, before)
        lots = self.parse_lots(item.get("lots", []), f"{path}.lots", ballot)
        sheets: Sequence[SheetSpec] = ()
        if "sheets" in item:
            sheets = self.sheets.parse_sheets(item["sheets"], f"{path}.sheets", number, ballot)

        election = self.election
        sound = (
            len(self.problems) == count
            and ballot is not None
            and election.rules is not None
            and election.branches_sound
            and election.candidates_sound
        )
        state = _RoundState(number=number, ballot=ballot, sound=sound, lots=lots, sheets=sheets)
        if ballot is None or len(self.problems) != count:
            return None, state
        spec = RoundSpec(
            number=number,
            held_on=held_on,
            ballot=ballot,
            candidates_given="candidates" in item,
            lots=lots,
            sheets=sheets,
        )
        return spec, state

    def in_election_order(self, codes: set[str]) -> tuple[str, ...]:
        return tuple(c.code for c in self.election.candidates if c.code in codes)

    def round_ballot(
        self, item: dict[str, Any], path: str, number: int, before: _RoundState | None
    ) -> tuple[str, ...] | None:
        """The round's ballot, or None when it cannot be known (problems found elsewhere)."""
        every = {c.code for c in self.election.candidates}
        given: set[str] | None = None
        if "candidates" in item:
            given = self.parse_round_candidates(item["candidates"], f"{path}.candidates")

        if number == 1:
            if given is not None and given != every:
                self.add(
                    f"{path}.candidates",
                    "round 1's ballot is every candidate: leave this out, or list all of them "
                    f"(missing: {code_list(self.in_election_order(every - given))})",
                )
            return self.in_election_order(every) if self.election.candidates_sound else None

        qualifiers = self.qualifiers_before(path, before) if before is not None else None
        if qualifiers is not None and given is not None and given != set(qualifiers):
            problems = [f"must be the qualifiers of round {number - 1}: {code_list(qualifiers)}"]
            if missing := [code for code in qualifiers if code not in given]:
                problems.append(f"missing: {code_list(missing)}")
            if extra := given - set(qualifiers):
                problems.append(f"not qualified: {code_list(self.in_election_order(extra))}")
            self.add(f"{path}.candidates", "; ".join(problems))
            return None
        if given is not None:
            return self.in_election_order(given)
        if qualifiers is not None:
            return self.in_election_order(set(qualifiers))
        return None

    def parse_round_candidates(self, value: object, path: str) -> set[str] | None:
        if not isinstance(value, list) or not value:
            self.add(path, f"must be a list of candidate codes, not {describe(value)}")
            return None
        count = len(self.problems)
        sound = self.election.candidates_sound
        known = {c.code for c in self.election.candidates}
        codes: set[str] = set()
        for index, code in enumerate(value):
            if not isinstance(code, str):
                self.add(f"{path}[{index}]", f"must be a candidate code, not {describe(code)}")
            elif code in codes:
                self.add(f"{path}[{index}]", f"{code} is listed more than once")
            elif sound and code not in known:
                self.add(f"{path}[{index}]", f"unknown candidate {describe(code)}")
            else:
                codes.add(code)
        if len(self.problems) != count or not sound:
            return None
        return codes

    def qualifiers_before(self, path: str, before: _RoundState) -> tuple[str, ...] | None:
        """The qualifiers of the round before, after checking that a later round may follow it.

        None when that round has problems of its own (they are reported there) or when it is
        incomplete or its outcome is not ``runoff`` (reported here).
        """
        rules, branches = self.election.rules, self.election.branches
        if not before.sound or before.ballot is None or rules is None:
            return None
        number = before.number
        sheeted = {sheet.branch for sheet in before.sheets}
        pending = [b.code for b in branches if b.code not in sheeted]
        if pending:
            shown = ", ".join(pending[:10]) + (
                f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            )
            self.add(
                path,
                f"round {number} is incomplete ({len(pending)} of {len(branches)} branches "
                f"without a sheet: {shown}), so round {number + 1} cannot be loaded",
            )
            return None

        votes = dict.fromkeys(before.ballot, 0)
        valid = cast = 0
        for sheet in before.sheets:
            if sheet.annulled or sheet.votes is None:
                continue
            assert sheet.ballots_cast is not None
            assert sheet.invalid is not None
            for code, count in sheet.votes.items():
                votes[code] += count
            cast += sheet.ballots_cast
            valid += sheet.ballots_cast - sheet.invalid
        try:
            outcome = decide(
                round_number=number,
                rules=rules,
                votes=votes,
                valid=valid,
                cast=cast,
                lots=[lot.order for lot in before.lots],
            ).outcome
        except (ValueError, TypeError) as error:  # pragma: no cover - the checks above prevent it
            self.add(path, f"round {number} cannot be decided: {error}")
            return None
        if outcome.status == "runoff":
            return tuple(outcome.qualifiers)
        detail = {
            "winner": f"winner {outcome.winner}",
            "lot_required": (
                f"lot_required (a lot must order {code_list(outcome.tied)} "
                f"for {outcome.places} place{'s' if outcome.places != 1 else ''})"
            ),
            "no_votes": "no_votes",
        }.get(outcome.status, outcome.status)
        self.add(
            path,
            f"round {number}'s outcome is {detail}, not runoff, so round {number + 1} "
            "cannot be loaded",
        )
        return None

    def parse_lots(
        self, value: object, path: str, ballot: tuple[str, ...] | None
    ) -> tuple[LotSpec, ...]:
        if not isinstance(value, list):
            self.add(path, f"must be a list, not {describe(value)}")
            return ()
        lots: list[LotSpec] = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {describe(item)}")
                continue
            count = len(self.problems)
            check_keys(item, item_path, self.problems, ("order", "note"), ("order",))
            note = check_optional_string(item.get("note"), f"{item_path}.note", self.problems)
            order = item.get("order")
            if "order" not in item:
                continue
            order_path = f"{item_path}.order"
            if not isinstance(order, list) or len(order) < 2:
                self.add(
                    order_path,
                    f"must be a list of at least 2 candidate codes, not {describe(order)}",
                )
                continue
            seen: list[str] = []
            for position, code in enumerate(order):
                code_path = f"{order_path}[{position}]"
                if not isinstance(code, str):
                    self.add(code_path, f"must be a candidate code, not {describe(code)}")
                elif code in seen:
                    self.add(code_path, f"{code} is listed more than once")
                elif ballot is not None and code not in ballot:
                    self.add(
                        code_path,
                        f"{describe(code)} is not on this round's ballot ({code_list(ballot)})",
                    )
                else:
                    seen.append(code)
            if len(self.problems) == count:
                lots.append(LotSpec(order=tuple(seen), note=note))
        return tuple(lots)
