"""The set-up form of an election (issue 15) and the package it stands for.

The form is the election package of CONTRACT section 5 in fields a committee understands: names,
the rules (each explained beside its field, the Labor rule by default), the candidates in ballot
order (one per line), the branches (typed, or a spreadsheet as ``import-branches`` reads them) and
round 1's date. :func:`package_of` turns what was typed into that package; the services check it
exactly as ``primaries load`` does, and :func:`problem_words` says their problems by the form's
fields and lines (``Candidates, line 3: code: ...``) instead of JSON paths.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..extensions import db
from ..formats import FORMAT
from ..formats.csvfiles import BRANCH_COLUMNS
from ..formats.specs import BranchSpec
from ..i18n import said_problems
from ..models import Branch, Election
from .forms import options
from .import_forms import FILE_ACCEPT

NAME_LANGUAGES: tuple[str, ...] = ("he", "ar", "en")
"""The languages the form names things in (contract 1.1 ``names``); others a package gave are
kept as they are."""

BRANCHES_HEADER = ",".join(BRANCH_COLUMNS)


class SetupForm(FlaskForm):
    slug = StringField(
        _l("Address name (slug)"),
        description=_l(
            "Lowercase letters, digits and -, up to 64 characters, e.g. labor-2026. It is part of "
            "every address of the election and cannot change once the election exists."
        ),
    )
    name = StringField(
        _l("Name of the election"),
        description=_l("Shown wherever no name in the reader's language is given."),
    )
    name_he = StringField(_l("Name in Hebrew"))
    name_ar = StringField(_l("Name in Arabic"))
    name_en = StringField(_l("Name in English"))
    threshold_percent = StringField(
        _l("Share that wins round 1 (percent)"),
        default="40",
        description=_l(
            "A candidate with this share of the votes wins outright; otherwise the leaders go to a "
            "runoff. Up to two decimals. The Labor Party's rule: 40."
        ),
        render_kw={"inputmode": "decimal", "size": 6},
    )
    threshold_inclusive = BooleanField(
        _l("Exactly this share is enough"),
        default=True,
        description=_l(
            "Ticked: a share equal to the threshold wins (the Labor rule). Not ticked: the share "
            "must be above it."
        ),
    )
    threshold_basis = SelectField(
        _l("Share of what"),
        choices=options(
            [
                ("valid", _l("valid votes (the Labor rule)")),
                ("cast", _l("all ballots cast, invalid ones included")),
            ]
        ),
        default="valid",
        description=_l("What the share is counted out of."),
    )
    runoff_size = StringField(
        _l("Candidates in the runoff"),
        default="2",
        description=_l(
            "How many of the leaders go on to the runoff when nobody wins outright. The Labor "
            "rule: 2."
        ),
        render_kw={"inputmode": "numeric", "size": 4},
    )
    double_entry = BooleanField(
        _l("Double entry"),
        default=True,
        description=_l(
            "Ticked: a sheet typed on the web counts only when a second clerk, typing it blind, "
            "gives the same numbers."
        ),
    )
    held_on = DateField(_l("Date of round 1"), validators=[Optional()])
    candidates = TextAreaField(
        _l("Candidates, in ballot order"),
        description=_l(
            "One per line: code, name, then if you wish the name in Hebrew, in Arabic and in "
            "English, separated by commas. A code is 1-16 capital letters, digits, - or _."
        ),
        render_kw={"rows": 6, "dir": "auto", "spellcheck": "false"},
    )
    branches = TextAreaField(
        _l("Branches"),
        default=BRANCHES_HEADER + "\n",
        description=_l(
            "The first line names the columns: code,name,region,eligible. Then one branch per "
            "line; lines copied from a spreadsheet (separated by tabs) are read too."
        ),
        render_kw={"rows": 8, "dir": "auto", "spellcheck": "false"},
    )
    branches_file = FileField(
        _l("... or a branches file (Excel workbook or CSV)"),
        description=_l(
            "The same columns, headed in English or Hebrew. When a file is chosen, it is used "
            "instead of the branches typed above."
        ),
        render_kw=FILE_ACCEPT,
    )


@dataclass
class Lines:
    """Which line of the form each candidate and branch of the package came from."""

    candidates: list[int] = field(default_factory=list)
    branches: list[int | None] = field(default_factory=list)
    branches_from_file: bool = False


def candidate_rows(text: str) -> tuple[list[list[str]], list[int]]:
    """The candidates' lines (blank lines skipped) as cells, and the line each came from."""
    rows, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        delimiter = "\t" if "\t" in line else ","
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
        rows.append([cell.strip() for cell in cells])
        lines.append(number)
    return rows, lines


def package_of(
    form: SetupForm, branches: Sequence[BranchSpec], kept: Election | None
) -> tuple[bytes, Lines]:
    """The election package the form stands for (what ``primaries load`` would be given), and
    the lines it came from. ``kept``: the election being changed, whose names in languages the
    form does not show, branches' names and regions' names stay as they are."""
    head: dict[str, Any] = {
        "slug": (form.slug.data or "").strip(),
        "name": (form.name.data or "").strip(),
    }
    typed = [form[f"name_{language}"].data or "" for language in NAME_LANGUAGES]
    names = _local_names(kept.names if kept else None, typed)
    if names is not None:
        head["names"] = names
    head["rules"] = {
        "threshold_percent": (form.threshold_percent.data or "").strip(),
        "threshold_inclusive": bool(form.threshold_inclusive.data),
        "threshold_basis": form.threshold_basis.data,
        "runoff_size": _integer(form.runoff_size.data),
        "double_entry": bool(form.double_entry.data),
    }
    if kept is not None and kept.regions is not None:
        head["regions"] = kept.regions
    lines = Lines()
    old_candidates = {c.code: c.names for c in kept.candidates} if kept else {}
    candidates = []
    rows, lines.candidates = candidate_rows(form.candidates.data or "")
    for cells in rows:
        code, name, *local = [*cells, "", ""][: max(len(cells), 2)]
        item: dict[str, Any] = {"code": code, "name": name}
        given = _local_names(old_candidates.get(code), local)
        if given is not None:
            item["names"] = given
        candidates.append(item)
    old_branches = _branch_names(kept)
    branch_items = []
    for branch in branches:
        item = {"code": branch.code, "name": branch.name}
        if old_branches.get(branch.code) is not None:
            item["names"] = old_branches[branch.code]
        item |= {"region": branch.region, "eligible": branch.eligible}
        branch_items.append(item)
        lines.branches.append(branch.line)
    held_on: dt.date | None = form.held_on.data
    package = {
        "format": FORMAT,
        "election": {**head, "candidates": candidates, "branches": branch_items},
        "rounds": [
            {"number": 1, **({"held_on": held_on.isoformat()} if held_on else {}), "sheets": []}
        ],
    }
    return json.dumps(package, ensure_ascii=False, indent=1).encode(), lines


def _integer(text: str | None) -> int | str:
    """The number typed, as the package's integer; anything else as typed, for the package's
    own check to name."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text


def _local_names(old: Mapping[str, str] | None, typed: list[str]) -> dict[str, str] | None:
    """Names in other languages: those typed (in :data:`NAME_LANGUAGES`' order) over the ones
    kept in languages the form does not show; None when there are none and none were kept."""
    names = {k: v for k, v in (old or {}).items() if k not in NAME_LANGUAGES}
    for language, text in zip(NAME_LANGUAGES, typed, strict=False):
        if text.strip():
            names[language] = text.strip()
    if not names and old is None:
        return None
    return names


def _branch_names(kept: Election | None) -> dict[str, Any]:
    if kept is None:
        return {}
    rows = db.session.execute(
        select(Branch.code, Branch.names).where(Branch.election_id == kept.id)
    )
    return {str(code): names for code, names in rows}


def form_of(package: Mapping[str, Any], form: SetupForm) -> None:
    """Fill ``form`` with an election's package (``export``): the set-up page of an election
    that exists."""
    election = package["election"]
    rules = election["rules"]
    form.slug.data = election["slug"]
    form.name.data = election["name"]
    for language in NAME_LANGUAGES:
        form[f"name_{language}"].data = (election.get("names") or {}).get(language, "")
    form.threshold_percent.data = rules["threshold_percent"]
    form.threshold_inclusive.data = rules["threshold_inclusive"]
    form.threshold_basis.data = rules["threshold_basis"]
    form.runoff_size.data = str(rules["runoff_size"])
    form.double_entry.data = rules["double_entry"]
    held_on = package["rounds"][0].get("held_on")
    form.held_on.data = dt.date.fromisoformat(held_on) if held_on else None
    form.candidates.data = "\n".join(
        _csv_line([c["code"], c["name"], *(c.get("names", {}).get(k, "") for k in NAME_LANGUAGES)])
        for c in election["candidates"]
    )
    form.branches.data = "\n".join(
        [BRANCHES_HEADER]
        + [
            _csv_line([b["code"], b["name"], b.get("region") or "", str(b["eligible"])])
            for b in election["branches"]
        ]
    )


def _csv_line(cells: list[str]) -> str:
    while len(cells) > 2 and not cells[-1]:
        cells.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


# --------------------------------------------------------------------------- problems in words

_PATH = re.compile(r"^(?P<path>[A-Za-z_.\[\]0-9]+): (?P<message>.*)$", re.DOTALL)
_ITEM = re.compile(
    r"^election\.(?P<what>candidates|branches)\[(?P<index>\d+)\](?:\.(?P<rest>.+))?$"
)


def problem_words(problems: list[str], form: SetupForm, lines: Lines) -> list[str]:
    """The services' problems (``path: message``) by the form's own labels and lines; each is
    also put beside its field."""
    fields: dict[str, Any] = {
        "election.slug": form.slug,
        "election.name": form.name,
        "election.candidates": form.candidates,
        "election.branches": form.branches,
        "rounds[0].held_on": form.held_on,
        **{f"election.names.{k}": form[f"name_{k}"] for k in NAME_LANGUAGES},
        **{
            f"election.rules.{name}": form[name]
            for name in (
                "threshold_percent",
                "threshold_inclusive",
                "threshold_basis",
                "runoff_size",
                "double_entry",
            )
        },
    }
    said = []
    for problem in problems:
        match = _PATH.match(problem)
        if match is None:
            said.append(problem)
            continue
        path, message = match["path"], match["message"]
        item = _ITEM.match(path)
        if item is not None:
            index, rest = int(item["index"]), item["rest"]
            what = item["what"]
            target = form.candidates if what == "candidates" else _branch_field(form, lines)
            numbers = lines.candidates if what == "candidates" else lines.branches
            line = numbers[index] if index < len(numbers) else None
            where = str(target.label.text)
            if line is not None:
                where = _("%(field)s, line %(line)s", field=where, line=line)
            text = f"{where}: {rest}: {message}" if rest else f"{where}: {message}"
            _attach(target, text)
            said.append(text)
            continue
        target = fields.get(path)
        if target is None and path.startswith("election.names"):
            target = form.name
        if target is None:
            said.append(problem)
            continue
        text = f"{target.label.text}: {message}"
        _attach(target, text)
        said.append(text)
    return said


def _branch_field(form: SetupForm, lines: Lines) -> Any:
    return form.branches_file if lines.branches_from_file else form.branches


def file_problems(problems: list[str], form: SetupForm, from_file: bool) -> list[str]:
    """A branches file's or text's own problems (``line N: ...``), named by the field."""
    target = form.branches_file if from_file else form.branches
    said = [f"{target.label.text}, {problem}" for problem in said_problems(problems)]
    for text in said:
        _attach(target, text)
    return said


def _attach(target: Any, text: str) -> None:
    errors = list(target.errors)
    errors.append(text)
    target.errors = errors
