"""The round's dashboard refreshes itself and announces a new mismatch without taking the focus
away (issue 14, finding 4); its refreshing does not keep an idle session alive."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import PASSWORD, LiveServer
from tests.browser.test_staff import sign_in

ROUND2 = "/staff/elections/test-2024/rounds/2"


def post_sheet(app: Flask, username: str, branch: str, numbers: tuple[int, int, int, int]) -> None:
    client = app.test_client()
    signed = client.post("/staff/sign-in", data={"username": username, "password": PASSWORD})
    assert signed.status_code == 302
    cast, invalid, a, b = numbers
    form = client.get(f"{ROUND2}/sheets/{branch}").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    assert version is not None, form
    answer = client.post(
        f"{ROUND2}/sheets/{branch}",
        data={
            "version": version.group(1),
            "ballots_cast": str(cast),
            "invalid": str(invalid),
            "votes_AAA": str(a),
            "votes_BBB": str(b),
        },
    )
    assert answer.status_code == 302, answer.text


@pytest.mark.backends("sqlite")
def test_the_dashboard_announces_a_new_mismatch_and_keeps_the_focus(
    night: None, make_app: Any, people: Any, backend: str
) -> None:
    from playwright.sync_api import expect

    app = make_app(STAFF_REFRESH_SECONDS=1)
    with LiveServer(app) as server:
        supervisor = people()
        sign_in(supervisor, server, "super1")
        supervisor.goto(server.url + ROUND2)
        search = supervisor.get_by_label("Code or name contains")
        search.fill("Hai")  # the supervisor is typing a filter: the refresh must not disturb it
        assert supervisor.locator("[data-refresh-announce]").is_hidden()

        post_sheet(app, "clerk1", "B1", (300, 4, 150, 146))
        post_sheet(app, "clerk2", "B1", (300, 4, 151, 145))  # a mismatch

        announce = supervisor.locator("[data-refresh-announce]")
        expect(announce).to_be_visible(timeout=10_000)
        expect(announce).to_contain_text("New mismatch: 1 sheets now wait")
        expect(supervisor.locator(".state-counts .state-mismatch .n")).to_have_text("1")
        expect(supervisor.locator("table.list[data-refresh-region=branches]")).to_contain_text(
            "Resolve"
        )
        # The focus and what was typed stay where they were.
        assert supervisor.evaluate("document.activeElement.name") == "q"
        assert search.input_value() == "Hai"
