"""The audit chain's keys on the command line: ``audit verify``'s options and ``audit rotate-key``.

``--public-key FILE|HEX`` (repeatable) names the public keys verify checks the signatures with,
instead of this server's (the instance folder's list and the current key): 64 hex digits, or a
file of them (one a line, ``#`` comments, as ``/audit/public-key`` serves it) or of PEM public
keys. ``--head N:HASH`` (repeatable) is a head noted from a results page or the API: verify
fails unless event #N is still in the chain with that hash.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from ..changes import Actor
from ..extensions import db
from .head import parse_head
from .keys import KeyProblem, PublicKey, read_public_keys

_HEX = re.compile(r"[0-9a-fA-F]{64}")


def _public_keys(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> Any:
    """``--public-key`` values: 64 hex digits, or a file of keys; None when none is given."""
    keys: list[PublicKey] = []
    for text in values:
        path = Path(text)
        try:
            if _HEX.fullmatch(text.strip()) and not path.exists():
                keys += read_public_keys(text, "--public-key")
            else:
                keys += read_public_keys(path.read_text(encoding="utf-8"), text)
        except KeyProblem as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(
                f"{text}: neither 64 hex digits nor a readable file of public keys ({exc})",
                ctx,
                param,
            ) from None
    return keys or None


def _heads(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> Any:
    try:
        return tuple(parse_head(text) for text in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def verify_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--public-key``, ``--head`` and ``--every-signature`` for ``audit verify``."""
    for option in reversed(
        [
            click.option(
                "--public-key",
                "public_keys",
                multiple=True,
                callback=_public_keys,
                help="verify with these public keys (hex, or a file of them), never the "
                "database's; by default this server's (instance folder)",
            ),
            click.option(
                "--head",
                "heads",
                multiple=True,
                callback=_heads,
                help="a head noted earlier (as the results pages show it): it must still be "
                "in the chain, or the chain was rewritten or cut short",
            ),
            click.option(
                "--every-signature",
                is_flag=True,
                help="check every event's signature, not only those that vouch for the others",
            ),
        ]
    ):
        command = option(command)
    return command


@click.command("rotate-key")
@click.option(
    "--new-key",
    "new_key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="where to write the new private key when the current one comes from "
    "AUDIT_SIGNING_KEY (the instance folder's key is replaced in place)",
)
@with_appcontext
def rotate_key_command(new_key: Path | None) -> None:
    """Sign the chain with a new key from now on; the rotation is an audit event."""
    from ..cli import refusals

    refusals(_rotate)(new_key)


def _rotate(new_key: Path | None) -> None:
    from .rotation import finish_rotation, rotate_signing_key

    rotation = rotate_signing_key(Actor.command_line(), new_key)
    db.session.commit()
    finish_rotation(rotation)
    click.echo(
        f"audit signing key rotated at event #{rotation.seq}: "
        f"{rotation.old.public.key_id} -> {rotation.new.public.key_id}"
    )
    click.echo(f"new public key (publish it): {rotation.new.public.hex}")
    if not rotation.in_place:
        click.echo(
            f"the new private key is in {rotation.new_key_file}: set AUDIT_SIGNING_KEY to its "
            "contents on every server and restart them; changes are refused until then"
        )
