"""Rotating the audit chain's signing key, audited.

``primaries audit rotate-key`` makes a new Ed25519 key and records ``audit.rotate_key``, signed
by the outgoing key, naming the new key (its id and public key). From that event on, verify
expects the new key; the events before it keep verifying with the old public key, which stays in
the instance folder's list of public keys (the new one is added to it first).

A key kept in the instance folder is replaced in place: the new key is first written beside it
(``audit_signing_key.pem.new``), the event is committed, then the new file takes the old one's
place. If the process stops between the commit and the replacement, the next change finds the
new key waiting and puts it in place itself (:func:`primaries.audit.chain.record`), so no event
is ever signed by a key that is not in force. A key given by ``AUDIT_SIGNING_KEY`` cannot be
replaced by the app: the new key is written to the file the operator names, who then gives it
to every server; until then, changes are refused (never signed with the old key).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..changes import Actor
from ..database import begin_change
from ..errors import Refused
from .chain import ROTATE_KEY, key_in_force, record
from .keys import (
    STAGED_KEY_FILE,
    SigningKey,
    add_public_keys,
    adopt_staged_key,
    instance_file,
    new_private_key,
    private_pem,
    signing_key,
    signing_key_file,
    signing_key_of,
    write_new_file,
)


@dataclass(frozen=True)
class Rotation:
    old: SigningKey
    new: SigningKey
    seq: int  # the rotation event
    new_key_file: Path  # where the new private key is (or will be, once in place)
    in_place: bool  # the instance folder's key, replaced in place (else the operator's to give)


def rotate_signing_key(actor: Actor, new_key_out: Path | None = None) -> Rotation:
    """Record the rotation (the caller commits, then calls :func:`finish_rotation`)."""
    file = signing_key_file()
    if file is None and new_key_out is None:
        raise Refused(
            "the signing key comes from AUDIT_SIGNING_KEY, which this command cannot change: "
            "give --new-key FILE for the new key, then set AUDIT_SIGNING_KEY to it on every "
            "server (changes are refused until then)"
        )
    begin_change()  # the write lock first: no other change can sign while the key changes
    seq, _, in_force = key_in_force()
    if file is not None:
        adopt_staged_key(in_force or "")  # an earlier rotation interrupted after its commit
    old = signing_key()
    if in_force is not None and in_force != old.public.key_id:
        raise Refused(
            f"this server's signing key ({old.public.key_id}) is not the key in force "
            f"({in_force}): only the key in force can sign its successor"
        )
    new_private = new_private_key()
    target = new_key_out if file is None else instance_file(STAGED_KEY_FILE)
    assert target is not None
    if file is not None:
        target.unlink(missing_ok=True)  # a rotation that never committed left it
    try:
        write_new_file(target, private_pem(new_private))
    except FileExistsError:
        raise Refused(f"{target} exists: name a new file for the new key") from None
    except OSError as exc:
        raise Refused(f"{target}: the new key cannot be written: {exc.strerror}") from None
    new = signing_key_of(new_private, str(file or target))
    add_public_keys([old.public], "in force until")
    record(
        ROTATE_KEY,
        actor=actor.name,
        object_type="audit_key",
        object_id=new.public.key_id,
        before={"key_id": old.public.key_id, "public_key": old.public.hex},
        after={"key_id": new.public.key_id, "public_key": new.public.hex},
    )
    return Rotation(old, new, seq + 1, file or target, in_place=file is not None)


def finish_rotation(rotation: Rotation) -> None:
    """After the commit: publish the new public key beside the old ones, and put a file key's
    successor in place (an environment key is the operator's to replace)."""
    add_public_keys([rotation.new.public], f"in force from event #{rotation.seq + 1}, since")
    staged = instance_file(STAGED_KEY_FILE)
    if rotation.in_place and staged.exists():
        os.replace(staged, rotation.new_key_file)
