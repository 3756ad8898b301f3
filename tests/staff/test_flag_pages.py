"""Red flags on the staff pages (issue 13, item 1: "the dashboard and each sheet show them"):
the round's dashboard lists every flag with its reason; a flagged box's sheet page shows its
flags to supervisors and observers, never to a clerk (blind double entry)."""

from __future__ import annotations

from typing import Any

from tests.test_cli_flags import load, package

ROUND1 = "/staff/elections/flags-2024/rounds/1"


def test_the_dashboard_and_the_sheet_show_the_flags(
    runner: Any, write_json: Any, sign_in: Any
) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    supervisor = sign_in("super1")
    dashboard = supervisor.get(ROUND1).text
    assert "Red flags" in dashboard
    for check in ("turnout_near_full", "one_candidate_sweep", "shares_differ"):
        assert check in dashboard
    assert f'href="{ROUND1}/sheets/X1"' in dashboard
    sheet = supervisor.get(ROUND1 + "/sheets/X1").text
    assert "one_candidate_sweep" in sheet and "99.33" in sheet
    assert "one_candidate_sweep" in sign_in("observer1").get(ROUND1 + "/sheets/X1").text
    assert "one_candidate_sweep" not in sign_in("clerk1").get(ROUND1 + "/sheets/X1").text
    ordinary = supervisor.get(ROUND1 + "/sheets/B01").text
    assert "Red flags" not in ordinary


def test_an_ordinary_round_shows_no_flags_section(
    runner: Any, write_json: Any, sign_in: Any
) -> None:
    load(runner, write_json, package(stuffed=False, runoff=False))
    assert "Red flags" not in sign_in("super1").get(ROUND1).text
