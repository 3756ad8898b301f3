"""A web import of branches keeps the branches' names in other languages (contract 1.1): the CSV
has no names, so it leaves them as the package gave them, also when it renames a branch."""

from __future__ import annotations

import io
from typing import Any

import pytest

from primaries.audit.data import verify_data
from primaries.extensions import db
from primaries.models import Branch
from tests.names.conftest import BRANCH_NAMES, named_package


@pytest.fixture
def package() -> dict[str, Any]:
    return named_package()


def test_a_web_import_keeps_the_names(loaded: Any, sign_in: Any) -> None:
    admin = sign_in("admin1")
    content = "code,name,region,eligible\nB1,Haifa - Carmel Center,North,600\nB6,Dimona,South,40\n"
    data = {"file": (io.BytesIO(content.encode()), "branches.csv")}
    answer = admin.post(
        "/staff/elections/test-2024/import/branches", data=data, content_type="multipart/form-data"
    )
    assert answer.status_code == 200, answer.text
    db.session.rollback()
    branches = {b.code: b for b in db.session.query(Branch)}
    assert branches["B1"].name == "Haifa - Carmel Center"
    assert branches["B1"].names == BRANCH_NAMES["B1"]
    assert branches["B6"].names is None
    assert verify_data() is None
