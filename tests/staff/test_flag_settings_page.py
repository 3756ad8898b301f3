"""The red flags' thresholds on the web (issue 13): every setting with its value and default; an
admin changes some with a reason (audited, as ``primaries flags --set`` does); every problem is
named at once and nothing changes; supervisors and observers read, nobody else changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from primaries.core.flag_settings import NAMES
from primaries.extensions import db
from primaries.models import AuditEvent, Election

PAGE = "/staff/elections/test-2024/flag-settings"


def form(page: str, reason: str = "small rural branches", **typed: str) -> dict[str, str]:
    values = dict(re.findall(r'name="setting-(\w+)" value="([^"]*)"', page))
    assert set(values) == set(NAMES)
    values.update(typed)
    return {
        "reason": reason,
        **{f"setting-{name}": value for name, value in values.items()},
    }


def kept() -> dict[str, str] | None:
    db.session.rollback()
    election = db.session.scalar(select(Election).where(Election.slug == "test-2024"))
    assert election is not None
    return election.flag_settings


def settings_command(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["flags", "test-2024", "--settings"])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_setting_is_shown_with_its_default(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    page = sign_in("admin1").get(PAGE).text
    for name in NAMES:
        assert f'name="setting-{name}"' in page and f'dir="ltr">{name}</code>' in page
    assert 'name="setting-sweep_percent" value="95"' in page
    assert 'name="setting-overdispersion" value="1/50"' in page
    assert "Nearly full turnout (percent)" in page and 'class="changed"' not in page


def test_an_admin_changes_settings_with_a_reason(
    loaded: Any, sign_in: Callable[[str], FlaskClient], runner: FlaskCliRunner
) -> None:
    admin = sign_in("admin1")
    page = admin.get(PAGE).text
    answer = admin.post(PAGE, data=form(page, sweep_percent="99", min_valid="50"))
    assert answer.status_code == 302
    assert kept() == {"min_valid": "50", "sweep_percent": "99"}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election.flag_settings")
    ).one()
    assert event.actor == "admin1"
    after = json.loads(event.after) if isinstance(event.after, str) else event.after
    assert after == {
        "flag_settings": {"min_valid": "50", "sweep_percent": "99"},
        "reason": "small rural branches",
    }
    shown = admin.get(PAGE).text
    assert "are saved" in shown
    assert 'name="setting-sweep_percent" value="99"' in shown and 'class="changed"' in shown
    listed = settings_command(runner).splitlines()
    assert "sweep_percent = 99" in listed and "min_valid = 50" in listed
    assert "z = 4  (default)" in listed
    # an empty field takes the default back; the others stay
    again = admin.post(PAGE, data=form(shown, reason="as before", sweep_percent=""))
    assert again.status_code == 302
    assert kept() == {"min_valid": "50"}


def test_every_problem_is_named_and_nothing_changes(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    admin = sign_in("admin1")
    page = admin.get(PAGE).text
    answer = admin.post(PAGE, data=form(page, reason="", sweep_percent="101", min_valid="0", z="0"))
    assert answer.status_code == 422
    for words in (
        "sweep_percent: must be a number from 0 to 100",
        "min_valid: must be a whole number from 1",
        "z: must be above 0",
        "needs a reason",
    ):
        assert words in answer.text
    assert 'name="setting-sweep_percent" value="101"' in answer.text  # what was typed stays
    assert kept() is None
    unchanged = admin.post(PAGE, data=form(page))
    assert unchanged.status_code == 422 and "give at least one setting" in unchanged.text
    assert kept() is None


def test_who_may_change_the_settings(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    page = sign_in("admin1").get(PAGE).text
    data = form(page, sweep_percent="99")
    for name in ("super1", "observer1"):
        reader = sign_in(name)
        shown = reader.get(PAGE).text
        assert "Nearly full turnout" in shown and 'name="setting-' not in shown
        assert "Save the settings" not in shown
        assert reader.post(PAGE, data=data).status_code == 403
    assert sign_in("clerk1").get(PAGE).status_code == 403
    assert kept() is None


def test_the_settings_page_in_hebrew(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    page = sign_in("admin1").get(PAGE + "?lang=he").text
    assert "הגדרות הדגלים האדומים" in page
    assert "Nearly full turnout" not in page and "Save the settings" not in page
