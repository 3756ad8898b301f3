"""The election package (CONTRACT section 5): :func:`parse_package` and its election part.

A package is one JSON object: ``format``, ``election`` (slug, name, rules, candidates, branches)
and ``rounds``. Every problem is reported as ``path: message`` with the path in the JSON document
(``rounds[0].sheets[3].votes.PER: must be an integer >= 0, not -3``); problems with the file as a
whole (encoding, JSON syntax, top level) carry no path. The election is read here; its rules in
:mod:`.rules`, its rounds in :mod:`.rounds` and their sheets in :mod:`.sheets`.

It is pure: loading a package into the database, and everything that needs the database (an
existing slug, sheets already counted), is the caller's job.

Decisions where the contract is silent:

- Unknown keys are refused everywhere in a package, and so is a key given twice in one object.
- ``branches`` may be an empty list (branches can follow with ``import-branches``);
  ``candidates`` and ``rounds`` must each have at least one entry.
- ``region`` and ``rules`` may be ``null``, meaning left out.
- ``rules.double_entry`` is returned as ``PackageSpec.double_entry`` (see :mod:`.rules`).
- ``names`` (version 1.1, on the election, a candidate, a branch) may be an empty object, but not
  ``null``; its tags are lowercase (:data:`~primaries.core.limits.LANGUAGE_TAG_RE`). It is kept
  as given, ``{}`` apart from no ``names`` at all, so that ``export`` writes what ``load`` read.
- ``regions`` (version 1.1) is a list, possibly empty, of ``{"name", "names"}`` (both required).
  A region's ``name`` is a region as branches spell it; one given twice is refused. It need not
  be the region of a branch in the package: branches may follow with ``import-branches``.
"""

from __future__ import annotations

from typing import Any

from primaries.core.limits import (
    BRANCH_CODE_RE,
    BRANCH_CODE_RULE,
    CANDIDATE_CODE_RE,
    CANDIDATE_CODE_RULE,
    SLUG_RE,
    SLUG_RULE,
    code_key,
    eligible_total_problem,
    same_code_problem,
)
from primaries.core.rules import Rules
from primaries.core.words import N_, Said

from .encoding import decode
from .problems import FormatError, Problems
from .rounds import Election, RoundsParser
from .rules import check_rules, make_rules
from .specs import BranchSpec, CandidateSpec, Names, PackageSpec, RegionSpec, RoundSpec
from .streaming import read_document
from .values import (
    check_int,
    check_keys,
    check_name,
    check_names,
    check_optional_name,
    describe,
)

FORMAT = "primaries/election@1"


def parse_package(raw: bytes | str) -> PackageSpec:
    """Parse and validate an election package (CONTRACT section 5).

    Raises :class:`FormatError` listing every problem found, each ``path: message``. A large
    package (``STREAM_THRESHOLD``) is read with bounded memory: its sheets are decoded one at a
    time when checked and again when loaded, never all held at once, and its rounds' ``sheets``
    are then lazy sequences rather than tuples; the problems found are the same either way.
    """
    text = decode(raw)
    if not text or text.isspace():  # what ``not text.strip()`` says, without copying the text
        raise FormatError(["the file is empty: expected an election package (a JSON object)"])
    return _PackageParser().parse(read_document(text))


class _PackageParser:
    def __init__(self) -> None:
        self.problems = Problems()
        self.rules: Rules | None = None
        self.double_entry = True
        self.candidates: tuple[CandidateSpec, ...] = ()
        self.candidates_sound = False
        self.branches: tuple[BranchSpec, ...] = ()
        self.branch_eligible: dict[str, int | None] = {}
        self.branches_sound = False
        self.names: Names | None = None
        self.regions: tuple[RegionSpec, ...] | None = None

    def add(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def parse(self, document: object) -> PackageSpec:
        if not isinstance(document, dict):
            raise FormatError([f"the top level must be a JSON object, not {describe(document)}"])
        check_keys(
            document, "", self.problems, ("format", "election", "rounds"), ("election", "rounds")
        )
        if "format" not in document:
            self.add("format", f'is required: "{FORMAT}"')
        elif document["format"] != FORMAT:
            self.add("format", f'must be "{FORMAT}", not {describe(document["format"])}')

        slug = name = None
        election = document.get("election")
        if "election" in document and not isinstance(election, dict):
            self.add("election", _not_object(election))
        elif isinstance(election, dict):
            slug, name = self.parse_election(election)

        rounds: tuple[RoundSpec, ...] = ()
        if "rounds" in document:
            checked = Election(
                rules=self.rules,
                candidates=self.candidates,
                candidates_sound=self.candidates_sound,
                branches=self.branches,
                branch_eligible=self.branch_eligible,
                branches_sound=self.branches_sound,
            )
            rounds = RoundsParser(self.problems, checked).parse_rounds(document["rounds"])

        self.problems.raise_if_any()
        assert slug is not None
        assert name is not None
        assert self.rules is not None
        return PackageSpec(
            slug=slug,
            name=name,
            rules=self.rules,
            candidates=self.candidates,
            branches=self.branches,
            rounds=rounds,
            double_entry=self.double_entry,
            names=self.names,
            regions=self.regions,
        )

    def parse_election(self, election: dict[str, Any]) -> tuple[str | None, str | None]:
        check_keys(
            election,
            "election",
            self.problems,
            ("slug", "name", "names", "rules", "regions", "candidates", "branches"),
            ("slug", "name", "candidates", "branches"),
        )
        slug = None
        if "slug" in election:
            value = election["slug"]
            if isinstance(value, str) and SLUG_RE.match(value):
                slug = value
            else:
                self.add("election.slug", _not_rule(SLUG_RULE, value))
        name = None
        if "name" in election:
            name = check_name(election["name"], "election.name", self.problems)
        if "names" in election:
            self.names = check_names(election["names"], "election.names", self.problems)
        if "regions" in election:
            self.regions = self.parse_regions(election["regions"])
        values = check_rules(election.get("rules"), "election.rules", self.problems)
        if values is not None:
            self.rules = make_rules(values)
            self.double_entry = bool(values.get("double_entry", True))
        if "candidates" in election:
            self.parse_candidates(election["candidates"])
        if "branches" in election:
            self.parse_branches(election["branches"])
        return slug, name

    def parse_candidates(self, value: object) -> None:
        path = "election.candidates"
        if not isinstance(value, list) or not value:
            not_list = N_("must be a list of at least one candidate, not %(value)s")
            self.add(path, Said(not_list, value=describe(value)))
            return
        count = len(self.problems)
        candidates: list[CandidateSpec] = []
        first_seen: dict[str, tuple[str, str]] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, _not_object(item))
                continue
            check_keys(item, item_path, self.problems, ("code", "name", "names"), ("code", "name"))
            code = item.get("code")
            if "code" in item:
                if not (isinstance(code, str) and CANDIDATE_CODE_RE.match(code)):
                    self.add(f"{item_path}.code", _not_rule(CANDIDATE_CODE_RULE, code))
                    code = None
                elif code_key(code) in first_seen:
                    self.add(
                        f"{item_path}.code", same_code_problem(code, *first_seen[code_key(code)])
                    )
                    code = None
                else:
                    first_seen[code_key(code)] = (code, item_path)
            name = (
                check_name(item["name"], f"{item_path}.name", self.problems)
                if "name" in item
                else None
            )
            names = self.item_names(item, item_path)
            if code is not None and name is not None:
                candidates.append(CandidateSpec(code=code, name=name, names=names))
        self.candidates = tuple(candidates)
        self.candidates_sound = len(self.problems) == count

    def parse_branches(self, value: object) -> None:
        path = "election.branches"
        if not isinstance(value, list):
            not_list = N_("must be a list (it may be empty), not %(value)s")
            self.add(path, Said(not_list, value=describe(value)))
            return
        count = len(self.problems)
        branches: list[BranchSpec] = []
        first_seen: dict[str, tuple[str, str]] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, _not_object(item))
                continue
            check_keys(
                item,
                item_path,
                self.problems,
                ("code", "name", "names", "region", "eligible"),
                ("code", "name", "eligible"),
            )
            code = item.get("code")
            if "code" in item:
                if not (isinstance(code, str) and BRANCH_CODE_RE.match(code)):
                    self.add(f"{item_path}.code", _not_rule(BRANCH_CODE_RULE, code))
                    code = None
                elif code_key(code) in first_seen:
                    self.add(
                        f"{item_path}.code", same_code_problem(code, *first_seen[code_key(code)])
                    )
                    code = None
                else:
                    first_seen[code_key(code)] = (code, item_path)
            name = (
                check_name(item["name"], f"{item_path}.name", self.problems)
                if "name" in item
                else None
            )
            region = check_optional_name(item.get("region"), f"{item_path}.region", self.problems)
            eligible = (
                check_int(item["eligible"], f"{item_path}.eligible", self.problems)
                if "eligible" in item
                else None
            )
            names = self.item_names(item, item_path)
            if code is not None:
                self.branch_eligible[code] = eligible
            if code is not None and name is not None and eligible is not None:
                branches.append(
                    BranchSpec(code=code, name=name, region=region, eligible=eligible, names=names)
                )
        problem = eligible_total_problem(sum(branch.eligible for branch in branches))
        if problem is not None:
            self.add(path, problem)
        self.branches = tuple(branches)
        self.branches_sound = len(self.problems) == count

    def item_names(self, item: dict[str, Any], path: str) -> Names | None:
        """A candidate's or branch's ``names``, or None when it gives none."""
        if "names" not in item:
            return None
        return check_names(item["names"], f"{path}.names", self.problems)

    def parse_regions(self, value: object) -> tuple[RegionSpec, ...] | None:
        path = "election.regions"
        if not isinstance(value, list):
            not_list = N_("must be a list of regions (it may be empty), not %(value)s")
            self.add(path, Said(not_list, value=describe(value)))
            return None
        regions: list[RegionSpec] = []
        first_seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, _not_object(item))
                continue
            check_keys(item, item_path, self.problems, ("name", "names"), ("name", "names"))
            name = (
                check_name(item["name"], f"{item_path}.name", self.problems)
                if "name" in item
                else None
            )
            if name is not None and name in first_seen:
                twice = N_("the region %(name)s is given twice (also at %(where)s)")
                self.add(f"{item_path}.name", Said(twice, name=repr(name), where=first_seen[name]))
                name = None
            elif name is not None:
                first_seen[name] = item_path
            names = self.item_names(item, item_path)
            if name is not None and names is not None:
                regions.append(RegionSpec(name=name, names=names))
        return tuple(regions)


def _not_object(value: object) -> Said:
    return Said(N_("must be an object, not %(value)s"), value=describe(value))


def _not_rule(rule: str, value: object) -> Said:
    """A code or slug that breaks its rule (``rule`` marked with ``N_``)."""
    return Said(N_("must be %(rule)s, not %(value)s"), rule=(rule, {}), value=describe(value))
