"""The application factory, configuration and the access-control guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from primaries import create_app
from primaries.access import access_of
from primaries.config import ConfigError, normalise_database_url


def test_factory_uses_test_config(app: Flask) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_every_route_declares_who_may_use_it(app: Flask) -> None:
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if access_of(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


def test_a_route_without_access_decorator_stops_the_app(tmp_path: Path) -> None:
    from primaries.access import check_every_route_declares_access

    bare = Flask("bare")

    @bare.get("/forgotten")
    def forgotten() -> str:
        return "oops"

    with pytest.raises(RuntimeError, match="/forgotten"):
        check_every_route_declares_access(bare)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_url_uses_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_production_without_secret_key_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PRIMARIES_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"TESTING": True})


def test_development_generates_and_keeps_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PRIMARIES_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"}
    first = Flask("probe", instance_path=str(tmp_path / "instance"))
    from primaries.config import configure

    configure(first, dict(config))
    second = Flask("probe", instance_path=str(tmp_path / "instance"))
    configure(second, dict(config))
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_healthz_checks_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
