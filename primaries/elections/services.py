"""The committee's changes to an election: load, export, imports, annulments, lots, the runoff.

Every function here that changes data starts with :func:`begin_change`, validates everything
before writing anything, writes its audit event in the same transaction, and leaves the commit to
its caller (the request or the CLI command). A :class:`Refused` means nothing was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..audit.chain import record
from ..database import WRITE_OPTION, begin_change
from ..errors import Refused
from ..extensions import db
from ..formats import PackageSpec, SheetSpec, parse_branches_csv, parse_package, parse_sheets_csv
from ..models import (
    Annulment,
    Branch,
    Candidate,
    Election,
    Lot,
    Round,
    RoundCandidate,
    RoundEvent,
    Sheet,
    SheetEntry,
    User,
)
from ..tally import ballot_of, counted_votes_by_entry, decision_of, sums_of
from ..timestamps import utcnow
from .lookup import bump_election_versions, bump_version, ensure_changeable, get_round, lock_reason
from .sheets import add_entry, make_count, sheet_of, touch, values_of

FORMAT = "primaries/election@1"
_CHUNK = 2000
_LOAD_CHUNK = 5000  # sheets of a package written at a time


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _actor_id(user: User | None) -> int | None:
    return user.id if user is not None else None


# --------------------------------------------------------------------------------------------
# Bulk writing of counted sheets (packages and CSV imports)


@dataclass
class _CountedRow:
    branch_id: int
    ballots_cast: int
    invalid: int
    votes: dict[int, int]  # candidate id -> votes
    sheet: Sheet | None = None  # an existing sheet row to update, else a new one is inserted


def _write_counted(
    round_: Round, rows: Sequence[_CountedRow], *, kind: str, user_id: int | None = None
) -> None:
    """Insert one entry per row (with its votes) and make it the branch's counted sheet.

    A fixed number of statements per chunk of rows, never one per sheet: on PostgreSQL three
    COPYs (entries with ids drawn from their sequence beforehand, votes, new sheets), which also
    lets the running totals' statement-level triggers (migration 0002) run once per COPY; on
    SQLite multi-row INSERTs, the votes through the driver's ``executemany``.
    """
    if not rows:
        return
    db.session.flush()
    connection = db.session.connection()
    now = utcnow()
    if connection.dialect.name == "postgresql":
        entry_ids = _copy_counted(connection, round_, rows, kind=kind, user_id=user_id, now=now)
    else:
        entry_ids = _insert_counted(connection, round_, rows, kind=kind, user_id=user_id, now=now)
    for entry_id, row in zip(entry_ids, rows, strict=True):
        if row.sheet is not None:
            row.sheet.state = "counted"
            row.sheet.counted_entry_id = entry_id
            touch(row.sheet)
    db.session.flush()


def _copy_counted(
    connection: Connection,
    round_: Round,
    rows: Sequence[_CountedRow],
    *,
    kind: str,
    user_id: int | None,
    now: dt.datetime,
) -> list[int]:
    entry_ids = next_ids(connection, "sheet_entries", len(rows))
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY sheet_entries (id, round_id, branch_id, kind, ballots_cast, invalid, user_id, "
            "created_at) FROM STDIN"
        ) as copy:
            for entry_id, row in zip(entry_ids, rows, strict=True):
                entry = (entry_id, round_.id, row.branch_id, kind, row.ballots_cast, row.invalid)
                copy.write_row((*entry, user_id, now))
        with cursor.copy("COPY entry_votes (entry_id, candidate_id, votes) FROM STDIN") as copy:
            for entry_id, row in zip(entry_ids, rows, strict=True):
                for candidate_id, votes in row.votes.items():
                    copy.write_row((entry_id, candidate_id, votes))
        if any(row.sheet is None for row in rows):
            with cursor.copy(
                "COPY sheets (round_id, branch_id, state, counted_entry_id, annulled, version, "
                "updated_at) FROM STDIN"
            ) as copy:
                for entry_id, row in zip(entry_ids, rows, strict=True):
                    if row.sheet is None:
                        copy.write_row(
                            (round_.id, row.branch_id, "counted", entry_id, False, 1, now)
                        )
    return entry_ids


def _insert_counted(
    connection: Connection,
    round_: Round,
    rows: Sequence[_CountedRow],
    *,
    kind: str,
    user_id: int | None,
    now: dt.datetime,
) -> list[int]:
    entry_ids = next_ids(connection, "sheet_entries", len(rows))
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        ids = entry_ids[start : start + _CHUNK]
        db.session.execute(
            insert(SheetEntry),
            [
                {
                    "id": entry_id,
                    "round_id": round_.id,
                    "branch_id": row.branch_id,
                    "kind": kind,
                    "ballots_cast": row.ballots_cast,
                    "invalid": row.invalid,
                    "user_id": user_id,
                    "created_at": now,
                }
                for entry_id, row in zip(ids, chunk, strict=True)
            ],
        )
        # Plain integers: straight to the driver's executemany, no per-row processing.
        connection.exec_driver_sql(
            "INSERT INTO entry_votes (entry_id, candidate_id, votes) VALUES (?, ?, ?)",
            [
                (entry_id, candidate_id, votes)
                for entry_id, row in zip(ids, chunk, strict=True)
                for candidate_id, votes in row.votes.items()
            ],
        )
        new_sheets = [
            {
                "round_id": round_.id,
                "branch_id": row.branch_id,
                "state": "counted",
                "counted_entry_id": entry_id,
                "annulled": False,
                "version": 1,
                "updated_at": now,
            }
            for entry_id, row in zip(ids, chunk, strict=True)
            if row.sheet is None
        ]
        if new_sheets:
            db.session.execute(insert(Sheet), new_sheets)
    return entry_ids


def next_ids(connection: Connection, table: str, count: int) -> list[int]:
    """``count`` new primary keys for ``table`` (``sheet_entries`` or ``branches``), ascending.

    Inserting rows with their ids known beforehand makes a bulk insert one ``executemany``
    instead of a RETURNING statement per row (what SQLite needs to return ids in order). On
    PostgreSQL they come from the table's sequence; on SQLite from ``MAX(id)``, which is safe
    because a change holds the database's only write lock (``BEGIN IMMEDIATE``).
    """
    if table not in ("sheet_entries", "branches"):  # the SQL below names it: no other value
        raise ValueError(table)
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
            "FROM generate_series(1, %(count)s)",
            {"count": count},
        )
        return sorted(int(row[0]) for row in rows)
    assert connection.get_execution_options().get(WRITE_OPTION), "inside begin_change() only"
    highest = connection.exec_driver_sql(f"SELECT MAX(id) FROM {table}").scalar()  # noqa: S608
    return list(range(int(highest or 0) + 1, int(highest or 0) + 1 + count))


# --------------------------------------------------------------------------------------------
# Packages


@dataclass(frozen=True)
class LoadSummary:
    slug: str
    sha256: str
    candidates: int
    branches: int
    rounds: int
    sheets: int


def load_package(raw: bytes, *, actor: str) -> LoadSummary:
    """Load an election package (CONTRACT section 5) as one audited change."""
    spec = parse_package(raw)
    begin_change()
    if db.session.scalar(select(Election.id).where(Election.slug == spec.slug)):
        raise Refused(f"election.slug: an election {spec.slug!r} already exists")
    return _insert_package(spec, sha256_hex(raw), actor=actor)


def _insert_package(spec: PackageSpec, digest: str, *, actor: str) -> LoadSummary:
    rules = spec.rules
    election = Election(
        slug=spec.slug,
        name=spec.name,
        threshold_percent=rules.threshold_percent,
        threshold_inclusive=rules.threshold_inclusive,
        threshold_basis=rules.threshold_basis,
        runoff_size=rules.runoff_size,
        double_entry=spec.double_entry,
    )
    db.session.add(election)
    db.session.flush()
    candidate_ids: dict[str, int] = {}
    for position, candidate in enumerate(spec.candidates):
        row = Candidate(
            election_id=election.id, code=candidate.code, name=candidate.name, position=position
        )
        db.session.add(row)
        db.session.flush()
        candidate_ids[candidate.code] = row.id
    ids = next_ids(db.session.connection(), "branches", len(spec.branches))
    branch_ids = {
        branch.code: branch_id for branch, branch_id in zip(spec.branches, ids, strict=True)
    }
    for start in range(0, len(spec.branches), _CHUNK):
        db.session.execute(
            insert(Branch),
            [
                {
                    "id": branch_ids[branch.code],
                    "election_id": election.id,
                    "code": branch.code,
                    "name": branch.name,
                    "region": branch.region,
                    "eligible": branch.eligible,
                }
                for branch in spec.branches[start : start + _CHUNK]
            ],
        )

    sheets = 0
    for index, round_spec in enumerate(spec.rounds):
        last = index == len(spec.rounds) - 1
        round_ = Round(
            election_id=election.id,
            number=round_spec.number,
            held_on=round_spec.held_on,
            status="open" if last else "closed",
            data_version=1,
        )
        db.session.add(round_)
        db.session.flush()
        order = {code: i for i, code in enumerate(c.code for c in spec.candidates)}
        for position, code in enumerate(sorted(round_spec.ballot, key=order.__getitem__)):
            db.session.add(
                RoundCandidate(
                    round_id=round_.id, candidate_id=candidate_ids[code], position=position
                )
            )
        for lot in round_spec.lots:
            db.session.add(Lot(round_id=round_.id, codes=list(lot.order), note=lot.note))
        db.session.flush()
        # In chunks: a large package's sheets are decoded as they are read (bounded memory).
        counted: list[_CountedRow] = []
        annulled: list[SheetSpec] = []
        for sheet in round_spec.sheets:
            if sheet.annulled:
                annulled.append(sheet)
                continue
            counted.append(
                _CountedRow(
                    branch_id=branch_ids[sheet.branch],
                    ballots_cast=sheet.ballots_cast or 0,
                    invalid=sheet.invalid or 0,
                    votes={candidate_ids[c]: v for c, v in (sheet.votes or {}).items()},
                )
            )
            if len(counted) == _LOAD_CHUNK:
                _write_counted(round_, counted, kind="package")
                counted = []
        _write_counted(round_, counted, kind="package")
        for sheet in annulled:
            if sheet.annulled:
                db.session.add(
                    Sheet(
                        round_id=round_.id,
                        branch_id=branch_ids[sheet.branch],
                        state="empty",
                        annulled=True,
                        annul_reason=sheet.reason,
                        version=1,
                    )
                )
                db.session.add(
                    Annulment(
                        round_id=round_.id,
                        branch_id=branch_ids[sheet.branch],
                        action="annul",
                        reason=sheet.reason or "",
                    )
                )
        db.session.add(RoundEvent(round_id=round_.id, action="open"))
        db.session.flush()
        sheets += len(round_spec.sheets)

    summary = LoadSummary(
        slug=spec.slug,
        sha256=digest,
        candidates=len(spec.candidates),
        branches=len(spec.branches),
        rounds=len(spec.rounds),
        sheets=sheets,
    )
    record(
        "election.load",
        actor=actor,
        object_type="election",
        object_id=spec.slug,
        election=spec.slug,
        after={
            "sha256": digest,
            "name": spec.name,
            "candidates": summary.candidates,
            "branches": summary.branches,
            "rounds": summary.rounds,
            "sheets": summary.sheets,
        },
    )
    return summary


def rules_dict(election: Election) -> dict[str, Any]:
    threshold = election.threshold_percent.normalize()
    text = format(threshold, "f")
    return {
        "threshold_percent": text,
        "threshold_inclusive": election.threshold_inclusive,
        "threshold_basis": election.threshold_basis,
        "runoff_size": election.runoff_size,
        "double_entry": election.double_entry,
    }


def export_package(election: Election) -> dict[str, Any]:
    """The election package of CONTRACT section 5: loading it elsewhere gives the same tallies."""
    branches = db.session.scalars(
        select(Branch).where(Branch.election_id == election.id).order_by(Branch.id)
    ).all()
    code_of_branch = {b.id: b.code for b in branches}
    rounds = []
    for round_ in db.session.scalars(
        select(Round).where(Round.election_id == election.id).order_by(Round.number)
    ):
        ballot = ballot_of(round_)
        votes_of = counted_votes_by_entry(round_)
        sheets: list[dict[str, Any]] = []
        for sheet, entry in db.session.execute(
            select(Sheet, SheetEntry)
            .outerjoin(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
            .where(Sheet.round_id == round_.id)
            .order_by(Sheet.branch_id)
        ):
            code = code_of_branch[sheet.branch_id]
            if sheet.annulled:
                sheets.append({"branch": code, "annulled": True, "reason": sheet.annul_reason})
            elif sheet.state == "counted" and entry is not None:
                counted = votes_of.get(entry.id, {})
                sheets.append(
                    {
                        "branch": code,
                        "ballots_cast": entry.ballots_cast,
                        "invalid": entry.invalid,
                        "votes": {c: counted.get(c, 0) for _, c, _ in ballot},
                    }
                )
        round_dict: dict[str, Any] = {"number": round_.number}
        if round_.held_on:
            round_dict["held_on"] = round_.held_on.isoformat()
        if round_.number > 1:
            round_dict["candidates"] = [code for _, code, _ in ballot]
        lots = db.session.execute(
            select(Lot.codes, Lot.note).where(Lot.round_id == round_.id).order_by(Lot.id)
        ).all()
        if lots:
            round_dict["lots"] = [
                {"order": list(codes), **({"note": note} if note else {})} for codes, note in lots
            ]
        round_dict["sheets"] = sheets
        rounds.append(round_dict)
    return {
        "format": FORMAT,
        "election": {
            "slug": election.slug,
            "name": election.name,
            "rules": rules_dict(election),
            "candidates": [{"code": c.code, "name": c.name} for c in election.candidates],
            "branches": [
                {"code": b.code, "name": b.name, "region": b.region, "eligible": b.eligible}
                for b in branches
            ],
        },
        "rounds": rounds,
    }


# --------------------------------------------------------------------------------------------
# CSV imports


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.corrected)


def _locked_rounds(election: Election) -> list[Round]:
    return [r for r in election.rounds if lock_reason(r)]


def import_branches(election: Election, raw: bytes, *, actor: str) -> ImportSummary:
    """Add or update branches from a CSV file (header ``code,name,region,eligible``)."""
    specs = parse_branches_csv(raw)
    begin_change()
    election = db.session.get(Election, election.id)  # type: ignore[assignment]
    existing = {
        b.code: b
        for b in db.session.scalars(select(Branch).where(Branch.election_id == election.id))
    }
    locked = _locked_rounds(election)
    counted_cast = _counted_ballots_by_branch(election)
    problems: list[str] = []
    summary = ImportSummary()
    changes: dict[str, Any] = {}
    for spec in specs:
        where = f"line {spec.line}" if spec.line else spec.code
        branch = existing.get(spec.code)
        if branch is None:
            if locked:
                problems.append(
                    f"{where}: code: cannot add branch {spec.code!r}: "
                    + (lock_reason(locked[0]) or "")
                )
            continue
        if branch.eligible != spec.eligible:
            for round_number, cast, is_locked in counted_cast.get(branch.id, []):
                if spec.eligible < cast:
                    problems.append(
                        f"{where}: eligible: {spec.eligible} is less than the {cast} ballots "
                        f"cast counted at branch {spec.code} in round {round_number}"
                    )
                elif is_locked:
                    problems.append(
                        f"{where}: eligible: cannot change branch {spec.code}'s eligible members:"
                        f" its sheet counts in round {round_number}, which accepts no changes"
                    )
    if problems:
        raise Refused(problems)
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
            actor=actor,
            object_type="election",
            object_id=election.slug,
            election=election.slug,
            after={
                "sha256": sha256_hex(raw),
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


def import_sheets(
    election: Election,
    round_number: int,
    raw: bytes,
    *,
    actor: str,
    user: User | None = None,
    correct: bool = False,
    reason: str | None = None,
) -> ImportSummary:
    """Import counted sheets for a round (CSV); identical sheets are no-ops, different ones
    need ``correct`` with a ``reason``."""
    begin_change()
    election = db.session.get(Election, election.id)  # type: ignore[assignment]
    round_ = get_round(election, round_number)
    ballot = ballot_of(round_)
    specs = parse_sheets_csv(raw, [code for _, code, _ in ballot])
    if correct and not (reason or "").strip():
        raise Refused("--reason: a correction needs a reason")
    ensure_changeable(round_)
    branches = {
        b.code: b
        for b in db.session.scalars(select(Branch).where(Branch.election_id == election.id))
    }
    sheets = {
        s.branch_id: s for s in db.session.scalars(select(Sheet).where(Sheet.round_id == round_.id))
    }
    candidate_id = {code: cid for cid, code, _ in ballot}
    problems: list[str] = []
    new_rows: list[_CountedRow] = []
    corrections: list[tuple[Branch, Sheet, SheetSpec]] = []
    summary = ImportSummary()
    for spec in specs:
        where = f"line {spec.line}"
        branch = branches.get(spec.branch)
        if branch is None:
            problems.append(f"{where}: branch: no branch {spec.branch!r} in {election.slug}")
            continue
        cast = spec.ballots_cast or 0
        if cast > branch.eligible:
            problems.append(
                f"{where}: ballots_cast: {cast} is more than the {branch.eligible} eligible "
                f"members of branch {branch.code}"
            )
            continue
        sheet = sheets.get(branch.id)
        numbers = {
            "ballots_cast": cast,
            "invalid": spec.invalid or 0,
            "votes": {code: (spec.votes or {})[code] for _, code, _ in ballot},
        }
        if sheet is not None and sheet.annulled:
            problems.append(
                f"{where}: branch {branch.code} is annulled in round {round_.number}: "
                "reinstate it before importing its sheet"
            )
            continue
        if sheet is not None and sheet.state == "counted":
            if values_of(sheet.counted_entry) == numbers:
                summary.unchanged += 1
            elif correct:
                corrections.append((branch, sheet, spec))
            else:
                problems.append(
                    f"{where}: branch {branch.code} already has a different counted sheet in "
                    f"round {round_.number} (give --correct --reason TEXT to record a correction)"
                )
            continue
        if round_.status == "closed":
            problems.append(
                f"{where}: round {round_.number} is closed: new sheets are not accepted "
                "(reopen it first)"
            )
            continue
        new_rows.append(
            _CountedRow(
                branch_id=branch.id,
                ballots_cast=cast,
                invalid=spec.invalid or 0,
                votes={candidate_id[c]: v for c, v in (spec.votes or {}).items()},
                sheet=sheet,
            )
        )
        summary.added.append(branch.code)
    if problems:
        raise Refused(problems)
    _write_counted(round_, new_rows, kind="import", user_id=_actor_id(user))
    for branch, sheet, spec in corrections:
        correct_sheet(
            round_,
            branch,
            sheet,
            ballots_cast=spec.ballots_cast or 0,
            invalid=spec.invalid or 0,
            votes=dict(spec.votes or {}),
            reason=(reason or "").strip(),
            actor=actor,
            user=user,
        )
        summary.corrected.append(branch.code)
    if summary.added:
        bump_version(round_)
        record(
            "sheets.import",
            actor=actor,
            object_type="round",
            object_id=f"{election.slug}/{round_.number}",
            election=election.slug,
            round_number=round_.number,
            after={
                "sha256": sha256_hex(raw),
                "added": summary.added,
                "unchanged": summary.unchanged,
            },
        )
    return summary


def correct_sheet(
    round_: Round,
    branch: Branch,
    sheet: Sheet,
    *,
    ballots_cast: int,
    invalid: int,
    votes: Mapping[str, int],
    reason: str,
    actor: str,
    user: User | None = None,
) -> SheetEntry:
    """Record a correction (a recount) of a counted sheet; the caller has validated numbers."""
    if not reason.strip():
        raise Refused("reason: a correction needs a reason")
    storable_text(reason, "reason")
    before = values_of(sheet.counted_entry)
    entry = add_entry(
        round_,
        branch,
        kind="correction",
        ballots_cast=ballots_cast,
        invalid=invalid,
        votes=votes,
        user_id=user.id if user else None,
        reason=reason,
    )
    make_count(sheet, entry)
    bump_version(round_)
    record(
        "sheet.correct",
        actor=actor,
        object_type="sheet",
        object_id=f"{round_.election.slug}/{round_.number}/{branch.code}",
        election=round_.election.slug,
        round_number=round_.number,
        branch=branch.code,
        before=before,
        after={**(values_of(entry) or {}), "reason": reason},
    )
    return entry


# --------------------------------------------------------------------------------------------
# Annulments, lots, the runoff


def storable_text(text: str, field: str) -> str:
    """``text`` if a database can store it, else Refused: no NUL, no lone surrogate."""
    if "\x00" in text:
        raise Refused(f"{field}: must not contain a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(f"{field}: must be valid text (it has bytes that are not UTF-8)") from None
    return text


def annul(
    election: Election,
    round_number: int,
    branch_code: str,
    reason: str,
    *,
    actor: str,
    user: User | None = None,
) -> Sheet:
    """Annul a branch's sheet for a round: it counts towards completeness, adds nothing."""
    return _set_annulled(
        election, round_number, branch_code, reason, annulled=True, actor=actor, user=user
    )


def reinstate(
    election: Election,
    round_number: int,
    branch_code: str,
    reason: str,
    *,
    actor: str,
    user: User | None = None,
) -> Sheet:
    """Reverse an annulment (with a reason): the sheet's counted numbers, if any, count again."""
    return _set_annulled(
        election, round_number, branch_code, reason, annulled=False, actor=actor, user=user
    )


def _set_annulled(
    election: Election,
    round_number: int,
    branch_code: str,
    reason: str,
    *,
    annulled: bool,
    actor: str,
    user: User | None,
) -> Sheet:
    """Annul (``annulled=True``) or reinstate a branch's sheet, with its history row and event."""
    from .lookup import get_branch

    begin_change()
    reason = storable_text((reason or "").strip(), "reason")
    if not reason:
        what = "an annulment" if annulled else "reversing an annulment"
        raise Refused(f"reason: {what} needs a reason")
    election = db.session.get(Election, election.id)  # type: ignore[assignment]
    round_ = get_round(election, round_number)
    branch = get_branch(election, branch_code)
    ensure_changeable(round_)
    sheet = sheet_of(round_, branch, create=annulled)
    if annulled and sheet is not None and sheet.annulled:
        raise Refused(f"branch {branch.code} is already annulled in round {round_.number}")
    if not annulled and (sheet is None or not sheet.annulled):
        raise Refused(f"branch {branch.code} is not annulled in round {round_.number}")
    assert sheet is not None
    if annulled:
        before: dict[str, object] = {
            "state": sheet.state,
            "counted": values_of(sheet.counted_entry),
        }
    else:
        before = {"annulled": True}
    sheet.annulled = annulled
    sheet.annul_reason = reason if annulled else None
    touch(sheet)
    db.session.add(
        Annulment(
            round_id=round_.id,
            branch_id=branch.id,
            action="annul" if annulled else "reinstate",
            reason=reason,
            user_id=_actor_id(user),
        )
    )
    bump_version(round_)
    after: dict[str, object] = {"annulled": annulled, "reason": reason}
    if not annulled:
        after["state"] = sheet.state
    record(
        "sheet.annul" if annulled else "sheet.reinstate",
        actor=actor,
        object_type="sheet",
        object_id=f"{election.slug}/{round_.number}/{branch.code}",
        election=election.slug,
        round_number=round_.number,
        branch=branch.code,
        before=before,
        after=after,
    )
    return sheet


def record_lot(
    election: Election,
    round_number: int,
    codes: Sequence[str],
    *,
    actor: str,
    note: str | None = None,
    user: User | None = None,
) -> Lot:
    """Record the drawn order of candidates who are tied now."""
    begin_change()
    election = db.session.get(Election, election.id)  # type: ignore[assignment]
    round_ = get_round(election, round_number)
    ensure_changeable(round_)
    codes = list(codes)
    storable_text(" ".join([*codes, note or ""]), "lot")
    sums = sums_of(round_)
    problems = []
    if len(codes) < 2:
        problems.append("a lot orders at least two candidates")
    if len(set(codes)) != len(codes):
        problems.append("a candidate is named twice: " + " ".join(codes))
    unknown = [c for c in codes if c not in sums.votes]
    if unknown:
        problems.append(
            f"not on round {round_.number}'s ballot: {', '.join(unknown)} "
            f"(the ballot is {', '.join(sums.votes)})"
        )
    if problems:
        raise Refused(problems)
    if len({sums.votes[c] for c in codes}) != 1:
        standing = ", ".join(f"{c} {sums.votes[c]}" for c in codes)
        raise Refused(
            f"these candidates are not tied now ({standing} votes): a lot orders only "
            "candidates with equal votes"
        )
    lot = Lot(
        round_id=round_.id, codes=codes, note=(note or "").strip() or None, user_id=_actor_id(user)
    )
    db.session.add(lot)
    db.session.flush()
    bump_version(round_)
    record(
        "lot.record",
        actor=actor,
        object_type="round",
        object_id=f"{election.slug}/{round_.number}",
        election=election.slug,
        round_number=round_.number,
        after={"order": codes, "votes": sums.votes[codes[0]], "note": lot.note},
    )
    return lot


def open_runoff(
    election: Election,
    *,
    actor: str,
    held_on: dt.date | None = None,
    user: User | None = None,
    require_certified: bool = False,
) -> Round:
    """Open the next round between the qualifiers of the last round's ``runoff`` outcome."""
    begin_change()
    election = db.session.get(Election, election.id)  # type: ignore[assignment]
    last = get_round(election)
    if require_certified and last.status != "certified":
        raise Refused(f"round {last.number} must be certified before the runoff is opened")
    sums = sums_of(last)
    if sums.pending:
        raise Refused(
            f"round {last.number} is incomplete: {sums.pending} of {sums.branches_total} "
            "branches are neither counted nor annulled"
        )
    outcome = decision_of(last, sums).outcome
    if outcome.status != "runoff":
        raise Refused(
            f"round {last.number}'s outcome is {outcome.status}, not runoff: no runoff to open"
        )
    blockers = db.session.scalar(
        select(Sheet.id)
        .where(
            Sheet.round_id == last.id,
            Sheet.state.in_(("awaiting_second", "mismatch")),
            Sheet.annulled.is_(False),
        )
        .limit(1)
    )
    if blockers:
        raise Refused(f"round {last.number} has sheets awaiting a second entry or in mismatch")
    if last.status == "open":
        last.status = "closed"
        db.session.add(
            RoundEvent(
                round_id=last.id, action="close", user_id=_actor_id(user), reason="runoff opened"
            )
        )
    runoff = Round(
        election_id=election.id,
        number=last.number + 1,
        held_on=held_on,
        status="open",
        data_version=1,
    )
    db.session.add(runoff)
    db.session.flush()
    ids = {code: cid for cid, code, _ in ballot_of(last)}
    position_of = {code: i for i, (_, code, _) in enumerate(ballot_of(last))}
    for position, code in enumerate(sorted(outcome.qualifiers, key=position_of.__getitem__)):
        db.session.add(
            RoundCandidate(round_id=runoff.id, candidate_id=ids[code], position=position)
        )
    db.session.add(RoundEvent(round_id=runoff.id, action="open", user_id=_actor_id(user)))
    bump_version(last)
    record(
        "round.open",
        actor=actor,
        object_type="round",
        object_id=f"{election.slug}/{runoff.number}",
        election=election.slug,
        round_number=runoff.number,
        after={
            "qualifiers": list(outcome.qualifiers),
            "held_on": held_on.isoformat() if held_on else None,
        },
    )
    return runoff


def result_digest(result: Mapping[str, Any]) -> str:
    import json

    return hashlib.sha256(
        json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
