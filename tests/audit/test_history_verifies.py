"""The history made by the application's own changes verifies: chain and data."""

from __future__ import annotations

from typing import Any

from primaries.audit.data import verify_data


def test_every_change_of_the_application_is_explained(history: Any, verify: Any) -> None:
    assert verify_data() is None
    result = verify()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit chain intact: ")
