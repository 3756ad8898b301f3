"""Rotating the audit chain's signing key: audited, and every event before and after verifies.

The apps here keep their key in an instance folder of their own (a temporary one: never the
repository's ``instance/``), as a developer's machine or a server without ``AUDIT_SIGNING_KEY``
does; one test rotates a key given by ``AUDIT_SIGNING_KEY`` instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update

from primaries.audit.chain import ROTATE_KEY, compute_hash, verify
from primaries.audit.keys import (
    KEY_FILE,
    PUBLIC_KEYS_FILE,
    STAGED_KEY_FILE,
    read_private_key,
    read_public_keys,
    signature_verifies,
    signing_key_of,
)
from primaries.audit.rotation import rotate_signing_key
from primaries.changes import Actor
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.test_audit_signing import OTHER_KEY, TABLE, TEST_KEY, _as_insider, _events


def _key_in(path: Path) -> Any:
    return signing_key_of(read_private_key(path.read_text(), str(path)), str(path))


@pytest.fixture
def keyed(
    make_app: Callable[..., Flask], tmp_path: Path, write_json: Callable[[Any], Path], package: Any
) -> Iterator[tuple[Flask, FlaskCliRunner, Path]]:
    """An app whose key is generated in its own instance folder, the small package loaded."""
    instance = tmp_path / "keyed-instance"
    app = make_app(AUDIT_SIGNING_KEY=None, INSTANCE_PATH=str(instance))
    with app.app_context():
        runner = app.test_cli_runner()
        assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
        yield app, runner, instance


def _annul(runner: FlaskCliRunner, branch: str) -> Any:
    db.session.remove()
    return runner.invoke(args=["annul", "test-2024", "--round", "1", branch, "--reason", "r"])


def _verify(runner: FlaskCliRunner, *args: str) -> Any:
    db.session.remove()
    return runner.invoke(args=["audit", "verify", *args])


def test_a_rotation_is_audited_and_old_and_new_events_verify(
    keyed: tuple[Flask, FlaskCliRunner, Path],
) -> None:
    _, runner, instance = keyed
    old = _key_in(instance / KEY_FILE)
    assert _annul(runner, "B1").exit_code == 0

    result = runner.invoke(args=["audit", "rotate-key"])
    assert result.exit_code == 0, result.output
    new = _key_in(instance / KEY_FILE)
    assert new.public != old.public
    assert result.stdout.splitlines() == [
        f"audit signing key rotated at event #3: {old.public.key_id} -> {new.public.key_id}",
        f"new public key (publish it): {new.public.hex}",
    ]
    assert not (instance / STAGED_KEY_FILE).exists()
    assert (instance / KEY_FILE).stat().st_mode & 0o077 == 0
    published = read_public_keys((instance / PUBLIC_KEYS_FILE).read_text(), "file")
    assert published == [old.public, new.public]

    assert _annul(runner, "B2").exit_code == 0
    events = _events()
    assert [e.key_id for e in events] == [old.public.key_id] * 3 + [new.public.key_id]
    rotation = events[2]
    assert rotation.action == ROTATE_KEY and rotation.actor.startswith("cli:")
    assert rotation.before == {"key_id": old.public.key_id, "public_key": old.public.hex}
    assert rotation.after == {"key_id": new.public.key_id, "public_key": new.public.hex}
    assert signature_verifies(old.public.verifier(), rotation.hash, rotation.signature)

    assert _verify(runner).stdout == "audit chain intact: 4 events\n"
    assert _verify(runner, "--every-signature").exit_code == 0
    both = _verify(runner, "--public-key", old.public.hex, "--public-key", new.public.hex)
    assert both.exit_code == 0
    only_new = _verify(runner, "--public-key", new.public.hex)
    assert only_new.exit_code == 1 and "event #1 (" in only_new.stderr
    only_old = _verify(runner, "--public-key", old.public.hex)
    assert only_old.exit_code == 1
    assert only_old.stderr.startswith("audit chain broken at event #4 (")
    assert f"signed by key {new.public.key_id}, which is not among" in only_old.stderr


def test_after_a_rotation_the_old_key_cannot_sign(
    keyed: tuple[Flask, FlaskCliRunner, Path],
) -> None:
    """An insider holding the old key signs an event after the rotation: found."""
    _, runner, instance = keyed
    old = _key_in(instance / KEY_FILE)
    assert runner.invoke(args=["audit", "rotate-key"]).exit_code == 0
    assert _annul(runner, "B1").exit_code == 0
    event = _events()[-1]
    _as_insider(
        update(TABLE)
        .where(TABLE.c.seq == event.seq)
        .values(key_id=old.public.key_id, signature=old.sign(event.hash))
    )
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"audit chain broken at event #{event.seq} (")
    assert "but the key in force since event #3 is" in result.stderr


def test_a_rotation_to_an_insiders_key_is_found(
    keyed: tuple[Flask, FlaskCliRunner, Path],
) -> None:
    """The insider rewrites the rotation to name their own key and rehashes: found at it."""
    _, runner, _instance = keyed
    assert runner.invoke(args=["audit", "rotate-key"]).exit_code == 0
    rotation = _events()[1]
    rotation.after = {"key_id": OTHER_KEY.public.key_id, "public_key": OTHER_KEY.public.hex}
    rotation.hash = compute_hash(rotation)
    _as_insider(
        update(TABLE).where(TABLE.c.seq == 2).values(after=rotation.after, hash=rotation.hash)
    )
    result = _verify(
        runner,
        "--public-key",
        OTHER_KEY.public.hex,
        "--public-key",
        str(_instance / PUBLIC_KEYS_FILE),
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #2 (audit.rotate_key")
    assert "its signature does not verify" in result.stderr


def test_a_rotation_interrupted_after_its_commit_is_finished_by_the_next_change(
    keyed: tuple[Flask, FlaskCliRunner, Path],
) -> None:
    _, runner, instance = keyed
    rotation = rotate_signing_key(Actor("operator"))
    db.session.commit()  # ... and the process stops before the new key is put in place
    assert (instance / STAGED_KEY_FILE).exists()
    assert _annul(runner, "B1").exit_code == 0
    assert not (instance / STAGED_KEY_FILE).exists()
    assert _key_in(instance / KEY_FILE).public == rotation.new.public
    assert _events()[-1].key_id == rotation.new.public.key_id
    assert _verify(runner).exit_code == 0


def test_a_key_from_the_environment_is_rotated_into_a_file_the_operator_names(
    make_app: Callable[..., Flask], app: Flask, runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    refused = runner.invoke(args=["audit", "rotate-key"])
    assert refused.exit_code == 1
    assert "give --new-key FILE" in refused.stderr
    new_file = tmp_path / "new-audit-key.pem"
    new_file.write_text("an operator's file")
    exists = runner.invoke(args=["audit", "rotate-key", "--new-key", str(new_file)])
    assert exists.exit_code == 1 and "exists: name a new file" in exists.stderr
    assert new_file.read_text() == "an operator's file" and len(_events()) == 1
    new_file.unlink()
    result = runner.invoke(args=["audit", "rotate-key", "--new-key", str(new_file)])
    assert result.exit_code == 0, result.output
    assert "set AUDIT_SIGNING_KEY to its contents on every server" in result.stdout
    assert new_file.stat().st_mode & 0o077 == 0
    new = _key_in(new_file)
    # Servers still on the old key refuse to sign; one given the new key goes on.
    stale = _annul(runner, "B1")
    assert stale.exit_code == 1 and "Nothing was saved" in stale.stderr
    renewed = make_app(AUDIT_SIGNING_KEY=new_file.read_text())
    with renewed.app_context():
        assert _annul(renewed.test_cli_runner(), "B1").exit_code == 0
        outcome = verify([TEST_KEY.public, new.public], every_signature=True)
        assert outcome.ok and outcome.events == 3, outcome.message


def test_the_public_keys_are_published_and_never_taken_from_the_database(
    app: Flask, runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    client = app.test_client()
    page = client.get("/audit/public-key")
    assert page.status_code == 200 and page.mimetype == "text/plain"
    assert TEST_KEY.public.hex in page.text
    saved = tmp_path / "published.txt"
    saved.write_text(page.text)
    assert _verify(runner, "--public-key", str(saved)).exit_code == 0
    api = client.get("/api/v1/audit")
    assert api.status_code == 200
    document = json.loads(api.data)
    assert document["current_key"] == TEST_KEY.public.key_id
    assert document["public_keys"] == [
        {"key_id": TEST_KEY.public.key_id, "public_key": TEST_KEY.public.hex}
    ]
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert document["head"] == {"event": 1, "hash": last.hash, "noted": f"1:{last.hash}"}


@pytest.mark.parametrize(
    "named",
    [
        {"key_id": "NEW"},  # the new key's id, without its public key
        {"key_id": "NEW", "public_key": "OTHER"},  # the new key's id, another key's public key
        {"key_id": "", "public_key": "not hex"},  # no id, a public key that is no key
    ],
)
def test_a_rotation_that_does_not_give_the_key_it_names_is_found(
    keyed: tuple[Flask, FlaskCliRunner, Path], named: dict[str, str]
) -> None:
    """The rotation is hashed and signed by the key in force (its holder wrote it wrong): only
    what it names is wrong. Kills, in ``Walk._rotate``: a missing public key read as hex (an
    error instead of a finding); a key id taken although its public key is not that key's; a
    public key that is not hex taken as naming the empty key id."""
    _, runner, instance = keyed
    old = _key_in(instance / KEY_FILE)
    assert runner.invoke(args=["audit", "rotate-key"]).exit_code == 0
    new = _key_in(instance / KEY_FILE)
    values = {"NEW": new.public.key_id, "OTHER": OTHER_KEY.public.hex}
    rotation = _events()[1]
    assert rotation.action == ROTATE_KEY
    rotation.after = {key: values.get(value, value) for key, value in named.items()}
    rotation.hash = compute_hash(rotation)
    _as_insider(
        update(TABLE)
        .where(TABLE.c.seq == 2)
        .values(after=rotation.after, hash=rotation.hash, signature=old.sign(rotation.hash))
    )
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #2 (audit.rotate_key")
    key_id = rotation.after["key_id"]
    assert f"the key rotation names key {key_id!r} without its public key" in result.stderr
