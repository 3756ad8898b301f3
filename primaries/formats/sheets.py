"""The sheets of a package's round (``rounds[i].sheets``): each checked, each problem at its path.

A counted sheet gives ``branch``, ``ballots_cast``, ``invalid`` and ``votes`` (every candidate on
the round's ballot, 0 if none) and may say ``"annulled": false``; its numbers must keep the sum
rule and ``ballots_cast <= eligible`` of its branch (:func:`primaries.core.sheets.sum_problems`).
An annulled sheet (``"annulled": true``) has only ``branch``, ``annulled`` and a non-empty
``reason``: no numbers. A branch has at most one sheet in a round.

The sheets of a large package arrive as a :class:`~.streaming.LazyArray`: they are checked one
at a time here, and the round is given a :class:`~.streaming.LazySheets` that reads them again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from primaries.core.limits import BRANCH_CODE_RE, BRANCH_CODE_RULE, MAX_INT
from primaries.core.sheets import Numbers, sum_problems

from .problems import Problems
from .specs import SheetSpec
from .streaming import LazyArray, LazySheets
from .values import check_int, check_keys, check_text, code_list, describe, join


class SheetsParser:
    """Checks sheets against the election's branches and candidates as the package gives them.

    ``branch_eligible`` holds every branch code given (its ``eligible``, or None when that was
    refused); ``branches_sound`` says the branch list had no problems, so a code missing from it
    is an unknown branch. ``candidates`` are the election's candidate codes.
    """

    def __init__(
        self,
        problems: Problems,
        *,
        candidates: Collection[str],
        branch_eligible: Mapping[str, int | None],
        branches_sound: bool,
    ) -> None:
        self.problems = problems
        self.candidates = frozenset(candidates)
        self.branch_eligible = branch_eligible
        self.branches_sound = branches_sound

    def add(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def parse_sheets(
        self, value: object, path: str, number: int, ballot: tuple[str, ...] | None
    ) -> Sequence[SheetSpec]:
        if not isinstance(value, list):
            self.add(path, f"must be a list (it may be empty), not {describe(value)}")
            return ()
        sheets: list[SheetSpec] = []
        lazy = isinstance(value, LazyArray)  # a large package: check now, decode again later
        first_seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {describe(item)}")
                continue
            sheet = self.parse_sheet(item, item_path, number, ballot)
            branch = item.get("branch")
            if isinstance(branch, str):
                if branch in first_seen:
                    self.add(
                        f"{item_path}.branch",
                        f"{branch} already has a sheet in this round, at {first_seen[branch]}",
                    )
                    continue
                first_seen[branch] = item_path
            if sheet is not None and not lazy:
                sheets.append(sheet)
        if isinstance(value, LazyArray):

            def read(index: int, item: Any) -> SheetSpec:
                sheet = self.parse_sheet(item, f"{path}[{index}]", number, ballot)
                assert sheet is not None, (
                    "sheets are read again only once they were all found sound"
                )
                return sheet

            return LazySheets(value, read)
        return tuple(sheets)

    def parse_sheet(
        self, item: dict[str, Any], path: str, number: int, ballot: tuple[str, ...] | None
    ) -> SheetSpec | None:
        count = len(self.problems)
        annulled = item.get("annulled", False)
        if not isinstance(annulled, bool):
            self.add(f"{path}.annulled", f"must be true or false, not {describe(annulled)}")
            return None
        numbers = ("ballots_cast", "invalid", "votes")
        if annulled:
            check_keys(
                item,
                path,
                self.problems,
                ("branch", "annulled", "reason", *numbers),
                ("branch", "reason"),
            )
            for key in numbers:
                if key in item:
                    self.add(f"{path}.{key}", "an annulled sheet has no numbers: leave it out")
        else:
            check_keys(
                item,
                path,
                self.problems,
                ("branch", "annulled", "reason", *numbers),
                ("branch", *numbers),
            )
            if "reason" in item:
                self.add(
                    f"{path}.reason",
                    'only an annulled sheet has a reason (with "annulled": true)',
                )

        branch = (
            self.check_sheet_branch(item.get("branch"), f"{path}.branch")
            if "branch" in item
            else None
        )

        if annulled:
            reason = item.get("reason")
            if "reason" in item:
                reason = check_text(reason, f"{path}.reason", self.problems)
            if len(self.problems) != count or branch is None or reason is None:
                return None
            return SheetSpec(
                branch=branch,
                ballots_cast=None,
                invalid=None,
                votes=None,
                annulled=True,
                reason=reason,
                path=path,
            )

        ballots_cast = invalid = None
        if "ballots_cast" in item:
            ballots_cast = check_int(item["ballots_cast"], f"{path}.ballots_cast", self.problems)
        if "invalid" in item:
            invalid = check_int(item["invalid"], f"{path}.invalid", self.problems)
        votes = (
            self.parse_votes(item["votes"], f"{path}.votes", number, ballot)
            if "votes" in item
            else None
        )

        if ballots_cast is not None and invalid is not None and votes is not None:
            eligible = self.branch_eligible.get(branch) if branch is not None else None
            for message in sum_problems(
                Numbers(ballots_cast, invalid, votes),
                eligible=eligible,
                branch=branch,
                cast_word="ballots_cast",
            ):
                self.add(path, message)
        if len(self.problems) != count or branch is None or votes is None:
            return None
        return SheetSpec(
            branch=branch,
            ballots_cast=ballots_cast,
            invalid=invalid,
            votes=votes,
            path=path,
        )

    def check_sheet_branch(self, value: object, path: str) -> str | None:
        if not (isinstance(value, str) and BRANCH_CODE_RE.match(value)):
            self.add(path, f"must be a branch code ({BRANCH_CODE_RULE}), not {describe(value)}")
            return None
        if self.branches_sound and value not in self.branch_eligible:
            self.add(path, f"unknown branch {value}")
            return None
        return value

    def parse_votes(
        self, value: object, path: str, number: int, ballot: tuple[str, ...] | None
    ) -> dict[str, int] | None:
        """Code -> votes in ballot order; None when broken or when the ballot is unknown."""
        if not isinstance(value, dict):
            self.add(path, f"must be an object of candidate code -> votes, not {describe(value)}")
            return None
        if (
            ballot is not None
            and len(value) == len(ballot)
            and not getattr(value, "duplicate_keys", ())
            and all(type(value.get(code)) is int and 0 <= value[code] <= MAX_INT for code in ballot)
        ):
            # The common case, a sound sheet, without building a path per number: the checks
            # below would find nothing and return exactly this.
            return {code: value[code] for code in ballot}
        count = len(self.problems)
        for key in getattr(value, "duplicate_keys", ()):
            self.add(join(path, key), "is given more than once")
        numbers: dict[str, int] = {}
        for code, votes in value.items():
            code_path = join(path, code)
            if ballot is not None and code not in ballot:
                known = code in self.candidates
                where = "on round " + str(number) + "'s ballot" if known else "a candidate"
                self.add(code_path, f"not {where} (the ballot is {code_list(ballot)})")
                continue
            checked = check_int(votes, code_path, self.problems)
            if checked is not None:
                numbers[code] = checked
        if ballot is None:
            return None
        for code in ballot:
            if code not in value:
                self.add(
                    join(path, code),
                    "is required: every candidate on the round's ballot needs a number (0 if none)",
                )
        if len(self.problems) != count:
            return None
        return {code: numbers[code] for code in ballot}
