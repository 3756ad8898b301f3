"""The keys that sign the audit chain: Ed25519, kept outside the database.

Every event's hash is signed (:mod:`.chain`): the signature is Ed25519 over the ASCII bytes
``primaries audit event `` followed by the event's 64 hex digit hash, stored in hex beside the
event with the id of the key (the first 16 hex digits of the SHA-256 of the raw 32-byte public
key). A database insider who edits events and recomputes every hash cannot sign them again.

Where the private key comes from, first found:

1. the ``AUDIT_SIGNING_KEY`` environment variable (not for apps built with a test config), or
   ``AUDIT_SIGNING_KEY`` in the configuration: 64 hex digits (the 32-byte Ed25519 seed) or a
   PEM private key;
2. the file ``audit_signing_key.pem`` in the instance folder (PKCS #8 PEM, as
   ``openssl genpkey -algorithm ed25519`` writes it). On a developer's machine it is generated
   on first run (mode 0600); in production (``PRIMARIES_ENV=production``) a missing key stops
   the start-up, like a missing ``SECRET_KEY``.

The public keys that verify the chain never come from the database (an insider would swap
them): ``audit_public_keys.txt`` in the instance folder lists them, the current one and every
earlier one (one a line, 64 hex digits, ``#`` comments; written on generation and on rotation),
and the current key's own public half is always known. The results site publishes them
(``/audit/public-key``, ``/api/v1/audit``); ``primaries audit verify --public-key`` takes them
from elsewhere.

A file key is read again when the file changes, so every worker signs with the new key as soon
as a rotation (:mod:`.rotation`) has put it in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import Flask, current_app

from ..errors import Refused

ENV_VAR = "AUDIT_SIGNING_KEY"
KEY_FILE = "audit_signing_key.pem"
STAGED_KEY_FILE = "audit_signing_key.pem.new"
PUBLIC_KEYS_FILE = "audit_public_keys.txt"
SIGNED_PREFIX = b"primaries audit event "
EXTENSION_KEY = "primaries.audit_signing_key"

_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.*?-----END \1-----", re.S)


class KeyProblem(Refused):
    """A key cannot be had or read; the message says which and what to do."""


def key_id_of(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


def signed_message(event_hash: str) -> bytes:
    """The bytes an event's signature covers."""
    return SIGNED_PREFIX + event_hash.encode("ascii")


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key, by its raw 32 bytes."""

    raw: bytes

    @property
    def hex(self) -> str:
        return self.raw.hex()

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def verifier(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.raw)


def signature_verifies(key: Ed25519PublicKey, event_hash: str, signature: str | None) -> bool:
    try:
        key.verify(bytes.fromhex(signature or ""), signed_message(event_hash))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public: PublicKey
    source: str  # where it came from, for messages: the variable or the file

    def sign(self, event_hash: str) -> str:
        return self.private.sign(signed_message(event_hash)).hex()


def signing_key_of(private: Ed25519PrivateKey, source: str) -> SigningKey:
    return SigningKey(private, PublicKey(private.public_key().public_bytes_raw()), source)


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def read_private_key(text: str, where: str) -> Ed25519PrivateKey:
    """64 hex digits (the seed) or a PEM Ed25519 private key."""
    text = text.strip()
    try:
        if _HEX_KEY.fullmatch(text):
            return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyProblem(
            f"{where}: not an Ed25519 private key (64 hex digits or an unencrypted PEM key): {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{where}: the key is not an Ed25519 key")
    return key


def read_public_keys(text: str, where: str) -> list[PublicKey]:
    """Public keys written one a line as 64 hex digits and/or as PEM blocks; ``#`` comments."""
    keys = []
    for block in _PEM_BLOCK.finditer(text):
        try:
            key = serialization.load_pem_public_key(block.group(0).encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise KeyProblem(f"{where}: a PEM block is not a public key: {exc}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise KeyProblem(f"{where}: a PEM public key is not an Ed25519 key")
        keys.append(PublicKey(key.public_bytes_raw()))
    rest = _PEM_BLOCK.sub("", text)
    for number, line in enumerate(rest.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if not _HEX_KEY.fullmatch(line):
            raise KeyProblem(
                f"{where}, line {number}: {line[:20]!r} is not a public key (64 hex digits)"
            )
        keys.append(PublicKey(bytes.fromhex(line)))
    if not keys:
        raise KeyProblem(f"{where}: no public key in it")
    return keys


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only, whole or not at all (another process never
    reads half a key); refuse to overwrite (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(partial, path)  # atomic, and fails if the file exists
    finally:
        partial.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the app's keys


class _FileKey:
    """The key in a file: read again when the file is replaced (a rotation)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._key: SigningKey | None = None

    def current(self) -> SigningKey:
        try:
            info = self.path.stat()
        except OSError as exc:
            raise KeyProblem(f"the audit signing key {self.path} cannot be read: {exc}") from None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        with self._lock:
            if self._key is None or stamp != self._stamp:
                text = self.path.read_text(encoding="ascii", errors="replace")
                self._key = signing_key_of(read_private_key(text, str(self.path)), str(self.path))
                self._stamp = stamp
            return self._key


class _FixedKey:
    def __init__(self, key: SigningKey) -> None:
        self.path: Path | None = None
        self._key = key

    def current(self) -> SigningKey:
        return self._key


def instance_file(name: str, app: Flask | None = None) -> Path:
    return Path((app or current_app).instance_path) / name


def configure_signing_key(app: Flask, *, from_env: bool) -> None:
    """Find (or, on a developer's machine, generate) the app's signing key; KeyProblem if none."""
    text = (os.environ.get(ENV_VAR) if from_env else None) or app.config.get(ENV_VAR)
    if text:
        key = read_private_key(str(text), ENV_VAR)
        app.extensions[EXTENSION_KEY] = _FixedKey(signing_key_of(key, ENV_VAR))
        return
    path = instance_file(KEY_FILE, app)
    if not path.exists():
        if app.config.get("PRIMARIES_ENV") == "production":
            raise KeyProblem(
                f"{ENV_VAR} is not set and {path} does not exist: in production the audit "
                "chain's signing key must be given. Create it once with: "
                f"openssl genpkey -algorithm ed25519 -out {path} && chmod 600 {path} "
                f"(or set {ENV_VAR} to the output of "
                "python -c 'import secrets; print(secrets.token_hex(32))'), back it up apart "
                "from the database, and publish its public key (docs/deploy.md)."
            )
        _generate(app, path)
    holder = _FileKey(path)
    holder.current()  # unreadable: stop now, not at the first change
    app.extensions[EXTENSION_KEY] = holder


def _generate(app: Flask, path: Path) -> None:
    key = new_private_key()
    try:
        write_new_file(path, private_pem(key))
    except FileExistsError:  # another process of this machine generated it first
        return
    add_public_keys([signing_key_of(key, str(path)).public], "generated", app)


def _holder(app: Flask | None = None) -> Any:
    holder = (app or current_app).extensions.get(EXTENSION_KEY)
    if holder is None:
        raise KeyProblem("no audit signing key is configured for this app")
    return holder


def signing_key() -> SigningKey:
    """The key this app signs new events with."""
    key: SigningKey = _holder().current()
    return key


def signing_key_file() -> Path | None:
    """The file the signing key is kept in (None: it comes from the environment or config)."""
    path: Path | None = _holder().path
    return path


def staged_signing_key() -> SigningKey | None:
    """The key a rotation has written beside the current one, not yet in place."""
    path = instance_file(STAGED_KEY_FILE)
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    return signing_key_of(read_private_key(text, str(path)), str(path))


def adopt_staged_key(key_id: str) -> SigningKey | None:
    """Put the staged key in place if it is ``key_id`` (a rotation committed, then interrupted
    before its new key was put in place); the key now in use, or None."""
    staged = staged_signing_key()
    current = signing_key_file()
    if staged is None or current is None or staged.public.key_id != key_id:
        return None
    os.replace(instance_file(STAGED_KEY_FILE), current)
    return signing_key()


def published_public_keys(app: Flask | None = None) -> list[PublicKey]:
    """Every public key this server knows, oldest first: the instance folder's list, then the
    current key if the list lacks it. Never read from the database."""
    path = instance_file(PUBLIC_KEYS_FILE, app)
    keys = read_public_keys(path.read_text(encoding="utf-8"), str(path)) if path.exists() else []
    current = _holder(app).current().public
    return _unique([*keys, current])


def add_public_keys(keys: list[PublicKey], note: str, app: Flask | None = None) -> None:
    """Add keys to the instance folder's list of public keys (kept: it verifies old events)."""
    path = instance_file(PUBLIC_KEYS_FILE, app)
    known = read_public_keys(path.read_text(encoding="utf-8"), str(path)) if path.exists() else []
    new = [key for key in _unique(keys) if key not in known]
    if not new:
        return
    lines = [] if known else [
        "# Public keys of the primaries audit chain: Ed25519, raw 32 bytes in hex, oldest first.",
        "# Every key that ever signed an event stays here: it verifies the events it signed.",
    ]  # fmt: skip
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for key in new:
        lines += [f"# key {key.key_id}: {note} {stamp}", key.hex]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _unique(keys: list[PublicKey]) -> list[PublicKey]:
    return list(dict.fromkeys(keys))
