"""Boxes held for review by red flags (issue 13, quarantine), on both databases: a stuffed box is
held, listed on the dashboard with whether it could change the outcome, counted meanwhile, said
on the public page and blocking certification until a supervisor clears it with a reason
(audited, proven by ``audit verify``); a corrected sheet is held again; an election that turns
holding off only shows its flags."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from primaries.changes import Actor
from primaries.elections.lookup import get_election, get_round
from primaries.elections.reviews import clear_box
from primaries.elections.rounds import certification_blockers
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, FlagReview
from primaries.results.reviews import held_boxes, reach_of
from primaries.tally import round_result
from tests.test_cli_flags import load, package

ROUND1 = "/staff/elections/flags-2024/rounds/1"


def round1() -> Any:
    return get_round(get_election("flags-2024"), 1)


def verify(runner: Any) -> Any:
    db.session.remove()
    return runner.invoke(args=["audit", "verify"])


def test_a_stuffed_box_is_held_until_a_supervisor_clears_it(
    runner: Any, write_json: Any, sign_in: Any
) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    held = held_boxes(round1())
    assert [box.code for box in held] == ["X1"]
    assert "one_candidate_sweep" in held[0].checks
    # It counts meanwhile: the result is what the sheets say
    assert round_result(round1())["branches"]["counted"] == 13
    reach = reach_of(round1(), held)
    assert reach.outcome.as_dict() == round_result(round1())["outcome"]
    assert any("held for review" in b for b in certification_blockers(round1()))

    supervisor = sign_in("super1")
    dashboard = supervisor.get(ROUND1).text
    assert 'id="held"' in dashboard and 'id="held-X1"' in dashboard
    assert ("could change the outcome" in dashboard) is reach.changes
    public = supervisor.get("/elections/flags-2024/rounds/1").text
    assert "under review" not in public  # said once the round is closed, as flags settle
    assert supervisor.post(ROUND1 + "/close").status_code == 302
    public = supervisor.get("/elections/flags-2024/rounds/1").text
    assert "1 box is under review" in public

    nothing = supervisor.post(f"{ROUND1}/reviews/X1/clear", data={"clear-reason": ""})
    assert nothing.status_code == 302
    assert db.session.scalar(select(func.count(FlagReview.id))) == 0
    done = supervisor.post(
        f"{ROUND1}/reviews/X1/clear",
        data={"clear-reason": "paper checked: 149 signatures on the voters' list"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("#held")
    db.session.remove()
    assert held_boxes(round1()) == []
    assert not any("held for review" in b for b in certification_blockers(round1()))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "flags.clear")).one()
    assert (event.actor, event.branch) == ("super1", "X1")
    assert event.after["reason"].startswith("paper checked")
    assert "under review" not in supervisor.get("/elections/flags-2024/rounds/1").text
    assert verify(runner).exit_code == 0


def test_a_clearance_is_refused_with_every_reason(runner: Any, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    with pytest.raises(Refused) as refused:
        clear_box("flags-2024", 1, "B01", "  ", actor=Actor("super1"))
    assert refused.value.problems == [
        "reason: say why the box is cleared",
        "branch B01's box is not held for review in round 1",
    ]
    db.session.rollback()
    with pytest.raises(Refused) as unknown:
        clear_box("flags-2024", 1, "NOPE", "why", actor=Actor("super1"))
    assert unknown.value.problems == ["branch: flags-2024 has no branch 'NOPE'"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(FlagReview.id))) == 0


def test_a_corrected_sheet_is_held_again(runner: Any, write_json: Any, tmp_path: Any) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    clear_box("flags-2024", 1, "X1", "looked at the paper", actor=Actor("super1"))
    db.session.commit()
    assert held_boxes(round1()) == []
    sheets = tmp_path / "x1.csv"
    sheets.write_text("branch,ballots_cast,invalid,AAA,BBB,CCC\nX1,152,0,1,151,0\n")
    corrected = runner.invoke(
        args=[
            "import-sheets", "flags-2024", "--round", "1", str(sheets),
            "--correct", "--reason", "recount",
        ]
    )  # fmt: skip
    assert corrected.exit_code == 0, corrected.output
    db.session.remove()
    assert [box.code for box in held_boxes(round1())] == ["X1"]
    assert verify(runner).exit_code == 0


def test_an_election_that_does_not_hold_only_shows_its_flags(runner: Any, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    changed = runner.invoke(
        args=["flags", "flags-2024", "--settings", "--set", "hold_for_review=0", "--reason", "r"]
    )
    assert changed.exit_code == 0, changed.output
    db.session.remove()
    assert held_boxes(round1()) == []
    assert not any("held for review" in b for b in certification_blockers(round1()))
    refused = runner.invoke(
        args=["flags", "flags-2024", "--settings", "--set", "hold_for_review=2", "--reason", "r"]
    )
    assert refused.exit_code == 1
    assert "hold_for_review: must be 1" in refused.stderr


def test_verify_names_a_clearance_made_behind_the_applications_back(
    runner: Any, write_json: Any
) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    round_id = round1().id
    box = held_boxes(round1())[0]
    db.session.execute(
        text(
            "INSERT INTO flag_reviews (round_id, branch_id, entry_id, checks, reason, actor, "
            "created_at) SELECT :r, id, :e, '[]', 'let through', 'nobody', CURRENT_TIMESTAMP "
            "FROM branches WHERE code = 'X1'"
        ),
        {"r": round_id, "e": box.entry_id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "flag_reviews" in result.output and "X1" in result.output
