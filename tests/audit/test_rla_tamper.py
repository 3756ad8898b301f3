"""A risk-limiting audit changed behind the application's back is named by the data check: its
seed, risk limit, status or risk, a draw, an audited count (every number of it), a correction's
reason, and rows added or removed. The audit of round 1 runs over the full history (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from primaries.audit.data import verify_data
from primaries.changes import Actor
from primaries.extensions import db
from primaries.formats import SheetSpec
from primaries.models import Branch
from primaries.models.rla import RlaDraw
from primaries.rla.entry import enter_count
from primaries.rla.service import record_counts, start_audit

from .conftest import SLUG, behind_the_back, verified_after

SEED = "27182818284590452353602874"
AUDIT = "(SELECT id FROM rla_audits)"
WHERE = "the risk-limiting audit of round 1 of test-2024"


@pytest.fixture
def audited(history: Any, actors: dict[str, Actor]) -> list[str]:
    """Round 1 audited: four draws; the first drawn box typed twice on the web (blind double
    entry) with two votes moved from AAA to BBB, then corrected (with a reason); the others
    recorded from a file as reported."""
    start_audit(SLUG, 1, risk_limit="10", seed=SEED, draws=4, actor=actors["super1"])
    db.session.commit()
    drawn = sorted(
        set(
            db.session.scalars(
                select(Branch.code).join(RlaDraw, RlaDraw.branch_id == Branch.id)
            ).all()
        )
    )
    reported = reported_rows()
    cast, invalid, votes = reported[drawn[0]]
    wrong = {"AAA": votes[0] - 2, "BBB": votes[1] + 2, "CCC": votes[2], "DDD": votes[3]}
    spec = SheetSpec(branch=drawn[0], ballots_cast=cast, invalid=invalid, votes=wrong)
    for who in ("clerk1", "clerk2"):  # two blind entries that agree make the count
        enter_count(SLUG, 1, spec, actor=actors[who])
        db.session.commit()
    lines = ["branch,ballots_cast,invalid,AAA,BBB,CCC,DDD"]
    for code in drawn[1:]:
        cast, invalid, numbers = reported[code]
        lines.append(",".join(str(v) for v in (code, cast, invalid, *numbers)))
    record_counts(SLUG, 1, "\n".join(lines).encode(), actor=actors["clerk1"])
    db.session.commit()
    cast, invalid, votes = reported[drawn[0]]
    fixed = ",".join(str(v) for v in (drawn[0], cast, invalid, *votes))
    record_counts(
        SLUG,
        1,
        f"{lines[0]}\n{fixed}\n".encode(),
        actor=actors["super1"],
        correct=True,
        reason="counted again",
    )
    db.session.commit()
    assert verify_data() is None
    return drawn


def reported_rows() -> dict[str, tuple[int, int, list[int]]]:
    from primaries.elections.lookup import get_election, get_round
    from primaries.rla.queries import reported_batches

    round_ = get_round(get_election(SLUG), 1)
    return {
        b.code: (b.ballots_cast, b.invalid, [b.votes[c] for c in ("AAA", "BBB", "CCC", "DDD")])
        for b in reported_batches(round_)
    }


def first_count(column: str = "id") -> str:
    return f"(SELECT MIN({column}) FROM rla_counts)"


CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "a blind entry's votes",
        [
            "UPDATE rla_entries SET votes = "
            """'{"AAA": 1, "BBB": 2, "CCC": 3, "DDD": 4}'"""
            " WHERE id = (SELECT MIN(id) FROM rla_entries)"
        ],
        [WHERE, "rla_entries row 1: votes"],
    ),
    (
        "a blind entry's account",
        [
            "UPDATE rla_entries SET user_id = (SELECT id FROM users WHERE username = 'clerk1') "
            "WHERE id = (SELECT MAX(id) FROM rla_entries)"
        ],
        [WHERE, "rla_entries row 2: account", "'clerk2'", "'clerk1'"],
    ),
    (
        "a blind entry removed",
        ["DELETE FROM rla_entries WHERE id = (SELECT MAX(id) FROM rla_entries)"],
        [WHERE, "rla_entries row 2", "no such row"],
    ),
    (
        "an audited count's ballots cast",
        [f"UPDATE rla_counts SET ballots_cast = ballots_cast + 1 WHERE id = {first_count()}"],
        [WHERE, "rla_counts row 1: ballots_cast"],
    ),
    (
        "an audited count's invalid ballots",
        [f"UPDATE rla_counts SET invalid = invalid + 3 WHERE id = {first_count()}"],
        [WHERE, "rla_counts row 1: invalid"],
    ),
    (
        "an audited count's votes",
        [
            "UPDATE rla_counts SET votes = "
            """'{"AAA": 1, "BBB": 2, "CCC": 3, "DDD": 4}'"""
            f" WHERE id = {first_count()}"
        ],
        [WHERE, "rla_counts row 1: votes"],
    ),
    (
        "a correction's reason",
        ["UPDATE rla_counts SET reason = 'no reason' WHERE id = (SELECT MAX(id) FROM rla_counts)"],
        [WHERE, "reason", "'counted again'", "'no reason'"],
    ),
    (
        "a correction removed",
        ["DELETE FROM rla_counts WHERE id = (SELECT MAX(id) FROM rla_counts)"],
        [WHERE, "rla_counts row", "no such row"],
    ),
    (
        "the seed",
        ["UPDATE rla_audits SET seed = '11111111111111111111'"],
        [WHERE, "rla_audits.seed", SEED, "11111111111111111111"],
    ),
    (
        "the risk limit",
        ["UPDATE rla_audits SET risk_limit = '20'"],
        [WHERE, "rla_audits.risk_limit", "'10'", "'20'"],
    ),
    (
        "the status",
        [
            "UPDATE rla_audits SET status = CASE WHEN status = 'confirmed' THEN 'escalate' "
            "ELSE 'confirmed' END"
        ],
        [WHERE, "rla_audits.status"],
    ),
    (
        "the risk",
        ["UPDATE rla_audits SET risk = '0.000001'"],
        [WHERE, "rla_audits.risk"],
    ),
    (
        "a draw's box",
        [
            "UPDATE rla_draws SET branch_id = (SELECT id FROM branches WHERE code = 'B5') "
            "WHERE k = 1"
        ],
        [WHERE, "rla_draws row 1: branch", "'B5'"],
    ),
    (
        "a draw removed",
        ["DELETE FROM rla_draws WHERE k = 4"],
        [WHERE, "rla_draws row 4", "no such row"],
    ),
    (
        "a draw added",
        [
            f"INSERT INTO rla_draws (audit_id, k, branch_id) VALUES ({AUDIT}, 5, "
            "(SELECT id FROM branches WHERE code = 'B1'))"
        ],
        [WHERE, "rla_draws row 5", "no such row"],
    ),
]


@pytest.mark.parametrize(("name", "statements", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_tampered_audit_is_named(
    audited: list[str], name: str, statements: list[str], words: list[str]
) -> None:
    found = verified_after(*statements)
    assert found is not None, name
    for word in words:
        assert word in found, (word, found)


def test_an_audit_removed_is_named(audited: list[str]) -> None:
    found = verified_after(
        "DELETE FROM rla_entries",
        "DELETE FROM rla_counts",
        "DELETE FROM rla_draws",
        "DELETE FROM rla_audits",
    )
    assert found is not None and WHERE in found and "no such row" in found


def test_the_command_line_names_a_changed_hand_count(audited: list[str], verify: Any) -> None:
    behind_the_back(f"UPDATE rla_counts SET invalid = invalid + 1 WHERE id = {first_count()}")
    result = verify()
    assert result.exit_code == 1
    assert WHERE in result.stderr and "rla_counts row 1: invalid" in result.stderr
