"""Adding and updating branches from a file (CONTRACT section 6, ``import-branches``): an Excel
workbook or a CSV file (:mod:`primaries.formats.spreadsheets`).

Refused where it would put a branch's eligible members below the ballots counted there, where it
would change a branch counted in a round that accepts no more changes, and it adds no branch while
such a round exists. All or nothing, every problem of the file listed at once with its line (those
of its values and those against the election together).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.limits import code_key, eligible_total_problem, same_code_problem
from ..core.words import N_, Said, about, literal, on_line
from ..database import begin_change
from ..extensions import db
from ..formats.csvfiles import read_branches
from ..formats.problems import FormatError, by_line
from ..models import Branch, Election, Round, Sheet, SheetEntry
from ..sheets.imports import ImportSummary
from .lookup import get_election, lock_reason
from .versions import bump_election_versions


def _locked_rounds(election: Election) -> list[Round]:
    return [r for r in election.rounds if lock_reason(r)]


def import_branches(slug: str, raw: bytes, *, actor: Actor) -> ImportSummary:
    """Add or update branches from a file (columns ``code,name,region,eligible``)."""
    parsed = read_branches(raw)
    specs = parsed.specs
    begin_change()
    election = get_election(slug)
    existing = {
        b.code: b
        for b in db.session.scalars(select(Branch).where(Branch.election_id == election.id))
    }
    by_key = {code_key(code): code for code in existing}
    locked = _locked_rounds(election)
    counted_cast = _counted_ballots_by_branch(election)
    problems: list[str] = list(parsed.problems)
    summary = ImportSummary()
    changes: dict[str, Any] = {}
    for spec in specs:
        where = on_line(spec.line) if spec.line else spec.code
        branch = existing.get(spec.code)
        if branch is None and code_key(spec.code) in by_key:
            other = by_key[code_key(spec.code)]
            existing_branch = Said(N_("the existing branch %(code)s"), code=other)
            same = same_code_problem(spec.code, other, existing_branch)
            problems.append(about(where, about(literal("code"), same)))
            continue
        if branch is None:
            if locked:
                cannot = Said(
                    N_("cannot add branch %(code)s: %(reason)s"),
                    code=repr(spec.code),
                    reason=lock_reason(locked[0]) or "",
                )
                problems.append(about(where, about(literal("code"), cannot)))
            continue
        if branch.eligible != spec.eligible:
            for round_number, cast, is_locked in counted_cast.get(branch.id, []):
                if spec.eligible < cast:
                    less = N_(
                        "%(eligible)s is less than the %(cast)s ballots cast counted at branch "
                        "%(code)s in round %(number)s"
                    )
                    said = Said(
                        less, eligible=spec.eligible, cast=cast, code=spec.code, number=round_number
                    )
                    problems.append(about(where, about(literal("eligible"), said)))
                elif is_locked:
                    locked_words = N_(
                        "cannot change branch %(code)s's eligible members: its sheet counts in "
                        "round %(number)s, which accepts no changes"
                    )
                    said = Said(locked_words, code=spec.code, number=round_number)
                    problems.append(about(where, about(literal("eligible"), said)))
    after_import = {code: branch.eligible for code, branch in existing.items()}
    after_import.update((spec.code, spec.eligible) for spec in specs)
    problem = eligible_total_problem(sum(after_import.values()))
    if problem is not None:
        problems.append(problem)
    if problems:
        raise FormatError(by_line(problems))
    for spec in specs:
        branch = existing.get(spec.code)
        after = {"name": spec.name, "region": spec.region, "eligible": spec.eligible}
        if branch is None:
            db.session.add(
                Branch(
                    election_id=election.id,
                    code=spec.code,
                    name=spec.name,
                    region=spec.region,
                    eligible=spec.eligible,
                )
            )
            summary.added.append(spec.code)
            changes[spec.code] = {"before": None, "after": after}
            continue
        before = {"name": branch.name, "region": branch.region, "eligible": branch.eligible}
        if before == after:
            summary.unchanged += 1
            continue
        branch.name, branch.region, branch.eligible = spec.name, spec.region, spec.eligible
        summary.updated.append(spec.code)
        changes[spec.code] = {"before": before, "after": after}
    if summary.changed:
        db.session.flush()
        bump_election_versions(election)
        record(
            "branches.import",
            actor=actor.name,
            object_type="election",
            object_id=election.slug,
            election=election.slug,
            after={
                "sha256": hashlib.sha256(raw).hexdigest(),
                "added": summary.added,
                "updated": summary.updated,
                "changes": changes,
            },
        )
    return summary


def _counted_ballots_by_branch(election: Election) -> dict[int, list[tuple[int, int, bool]]]:
    """branch id -> [(round number, ballots cast counted, round locked)] over every round."""
    out: dict[int, list[tuple[int, int, bool]]] = {}
    for round_ in election.rounds:
        locked = lock_reason(round_) is not None
        for branch_id, cast in db.session.execute(
            select(Sheet.branch_id, SheetEntry.ballots_cast)
            .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
            .where(Sheet.round_id == round_.id, Sheet.annulled.is_(False))
        ):
            out.setdefault(branch_id, []).append((round_.number, int(cast), locked))
    return out
