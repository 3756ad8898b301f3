"""``primaries four-eyes SLUG [on|off --reason TEXT]``: an election's four eyes, from the server.

Not one of the contract's commands (section 6): four eyes is a setting of this service
(:mod:`primaries.core.approvals`, :mod:`primaries.elections.settings`), not a rule of the package.
The command line is the committee's operator on the server and acts at once, including turning
four eyes off; the audit event says so.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .changes import Actor
from .cli import refusals
from .elections.lookup import get_election
from .elections.settings import set_four_eyes
from .extensions import db


@click.command("four-eyes")
@click.argument("slug")
@click.argument("setting", required=False, type=click.Choice(["on", "off"]))
@click.option("--reason", default=None, help="why four eyes is turned on or off")
@with_appcontext
@refusals
def four_eyes_command(slug: str, setting: str | None, reason: str | None) -> None:
    """Show or set the election's four eyes (a second supervisor approves corrections,
    annulments, reinstatements, web imports that correct and decertifying). The command line
    itself acts at once; its audit events say that four eyes was bypassed."""
    if setting is None:
        if reason:
            raise click.UsageError("--reason goes with on or off")
        on = get_election(slug).four_eyes
        click.echo(f"four eyes is {'on' if on else 'off'} for {slug}")
        return
    if not (reason or "").strip():
        raise click.UsageError("turning four eyes on or off needs --reason TEXT")
    set_four_eyes(slug, setting == "on", reason or "", actor=Actor.command_line())
    db.session.commit()
    click.echo(f"four eyes is {setting} for {slug}")
