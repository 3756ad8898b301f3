"""The ``primaries`` command (CONTRACT section 6): a Flask CLI group with the committee's commands.

Commands are thin: they read their input, call one service, commit once, and print. Refused input
prints every problem on its own line to standard error and exits 1 with nothing changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from .audit.commands import rotate_key_command, verify_options
from .audit.head import Head
from .audit.keys import PublicKey
from .changes import Actor
from .core.roles import ROLES
from .core.rounds import RoundStatus
from .errors import Refused
from .extensions import db
from .schema import ensure_schema


def _actor() -> Actor:
    return Actor.command_line()


def refusals(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn refused input into exit 1 with one line per problem; roll back whatever was begun."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            ensure_schema()
            result = func(*args, **kwargs)
        except Refused as exc:
            db.session.rollback()
            for problem in exc.problems:
                click.echo(problem, err=True)
            sys.exit(1)
        return result

    return wrapper


def _read(file: IO[bytes]) -> bytes:
    return file.read()


@click.command("load")
@click.argument("file", type=click.File("rb"))
@with_appcontext
@refusals
def load_command(file: IO[bytes]) -> None:
    """Load an election package (JSON); '-' reads standard input."""
    from .elections.packages import load_package

    summary = load_package(_read(file), actor=_actor())
    db.session.commit()
    click.echo(
        f"loaded {summary.slug}: {summary.candidates} candidates, {summary.branches} branches, "
        f"{summary.rounds} round(s), {summary.sheets} sheets (sha256 {summary.sha256})"
    )


@click.command("export")
@click.argument("slug")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
@refusals
def export_command(slug: str, output: IO[str]) -> None:
    """Write the election package (standard output by default)."""
    from .elections.lookup import get_election
    from .results.package import export_package

    package = export_package(get_election(slug))
    json.dump(package, output, ensure_ascii=False, indent=1)
    output.write("\n")


@click.command("tally")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True, help="print the contract's result JSON")
@with_appcontext
@refusals
def tally_command(slug: str, round_number: int | None, as_json: bool) -> None:
    """Print a round's result (the latest round by default)."""
    from .elections.lookup import get_election, get_round
    from .tally import round_result

    election = get_election(slug)
    round_ = get_round(election, round_number)
    result = round_result(round_)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(format_result(election.name, round_.status, result, election.threshold_percent))


def format_result(name: str, status: str, result: dict[str, Any], threshold: Any) -> str:
    from .cli_words import describe_outcome

    b, t = result["branches"], result["totals"]
    label = status if status == RoundStatus.CERTIFIED else f"{status}; provisional"
    lines = [
        f"{name}, round {result['round']} ({label})",
        f"Branches: {b['counted'] + b['annulled']} of {b['total']} reported "
        f"({b['counted']} counted, {b['annulled']} annulled, {b['pending']} pending)",
        f"Eligible {t['eligible']:,}  Ballots cast {t['ballots_cast']:,}  "
        f"Invalid {t['invalid']:,}  Valid {t['valid']:,}  "
        f"Turnout {t['turnout_percent'] + '%' if t['turnout_percent'] else '-'}",
        "",
    ]
    width = max([len(c["name"]) for c in result["candidates"]] + [9])
    lines.append(f"{'Rank':>4}  {'Code':<8}{'Candidate':<{width}}  {'Votes':>12}  {'Percent':>8}")
    for c in result["candidates"]:
        pct = c["percent"] + "%" if c["percent"] is not None else "-"
        lines.append(
            f"{c['rank']:>4}  {c['code']:<8}{c['name']:<{width}}  {c['votes']:>12,}  {pct:>8}"
        )
    threshold_text = format(threshold.normalize(), "f")
    lines += ["", "Outcome: " + describe_outcome(result, threshold_text)]
    return "\n".join(lines)


@click.command("import-branches")
@click.argument("slug")
@click.argument("file", type=click.File("rb"))
@with_appcontext
@refusals
def import_branches_command(slug: str, file: IO[bytes]) -> None:
    """Add or update branches from an Excel workbook or CSV file (code,name,region,eligible)."""
    from .elections.branches import import_branches

    summary = import_branches(slug, _read(file), actor=_actor())
    db.session.commit()
    click.echo(
        f"{len(summary.added)} branches added, {len(summary.updated)} updated, "
        f"{summary.unchanged} unchanged"
    )


@click.command("import-sheets")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--correct", is_flag=True, help="record differing sheets as corrections")
@click.option("--reason", default=None, help="why the sheets are corrected")
@click.argument("file", type=click.File("rb"))
@with_appcontext
@refusals
def import_sheets_command(
    slug: str, round_number: int, correct: bool, reason: str | None, file: IO[bytes]
) -> None:
    """Import counted sheets of a round from an Excel workbook or CSV file."""
    from .sheets.imports import import_sheets

    if correct and not (reason or "").strip():
        raise click.UsageError("--correct needs --reason TEXT")
    if reason and not correct:
        raise click.UsageError("--reason goes with --correct")
    summary = import_sheets(
        slug,
        round_number,
        _read(file),
        actor=_actor(),
        correct=correct,
        reason=reason,
    )
    db.session.commit()
    click.echo(
        f"{len(summary.added)} sheets added, {len(summary.corrected)} corrected, "
        f"{summary.unchanged} unchanged"
    )


@click.command("lot")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--note", default=None, help="who drew the lot, how")
@click.argument("codes", nargs=-1, required=True)
@with_appcontext
@refusals
def lot_command(slug: str, round_number: int, note: str | None, codes: tuple[str, ...]) -> None:
    """Record a lot: the drawn order of candidates who are tied now."""
    from .elections.lots import record_lot

    record_lot(slug, round_number, codes, actor=_actor(), note=note)
    db.session.commit()
    click.echo(f"lot recorded for round {round_number}: {' > '.join(codes)}")


@click.command("annul")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--reason", required=True, help="why the branch's sheet is annulled")
@click.argument("branch")
@with_appcontext
@refusals
def annul_command(slug: str, round_number: int, reason: str, branch: str) -> None:
    """Annul a branch's sheet for a round."""
    from .sheets.decisions import annul
    from .sheets.place import SheetRef

    annul(SheetRef(slug, round_number, branch), reason, actor=_actor())
    db.session.commit()
    click.echo(f"branch {branch} annulled in round {round_number}")


@click.command("runoff")
@click.argument("slug")
@click.option("--held-on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
@refusals
def runoff_command(slug: str, held_on: dt.datetime | None) -> None:
    """Open the runoff from the last round's runoff outcome; print the qualifiers."""
    from .elections.runoff import open_runoff
    from .tally import ballot_of

    runoff = open_runoff(slug, actor=_actor(), held_on=held_on.date() if held_on else None)
    db.session.commit()
    names = ", ".join(f"{code} {name}" for _, code, name in ballot_of(runoff))
    click.echo(f"round {runoff.number} opened: {names}")


@click.group("audit")
def audit_group() -> None:
    """The audit chain."""


@audit_group.command("verify")
@verify_options
@with_appcontext
@refusals
def audit_verify_command(
    public_keys: list[PublicKey] | None, heads: tuple[Head, ...], every_signature: bool
) -> None:
    """Recompute the whole audit chain and check its signatures, then compare every table with
    what it says; name the first event that does not verify or the first difference."""
    from .audit.chain import verify
    from .audit.data import verify_data

    outcome = verify(public_keys, heads, every_signature=every_signature)
    if not outcome.ok:
        click.echo(outcome.message, err=True)
        sys.exit(1)
    difference = verify_data()
    if difference is not None:
        click.echo(f"audit chain intact ({outcome.events} events), but {difference}", err=True)
        sys.exit(1)
    click.echo(outcome.message)


audit_group.add_command(rotate_key_command)


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--full-name", default=None, help="the person's name, as certificates show it")
@with_appcontext
@refusals
def users_create_command(name: str, role: str, full_name: str | None) -> None:
    """Create an account; the password is read from standard input when it is not a terminal."""
    from .auth.services import create_user

    if sys.stdin is not None and not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    create_user(name, role, password, actor=_actor(), full_name=full_name)
    db.session.commit()
    click.echo(f"account {name} created ({role})")


@users_group.command("name")
@click.argument("name")
@click.argument("full_name")
@with_appcontext
@refusals
def users_name_command(name: str, full_name: str) -> None:
    """Give an account the person's full name (certificates show "Full Name (account)")."""
    from .auth.services import get_user, set_full_name

    set_full_name(get_user(name), full_name, actor=_actor())
    db.session.commit()
    click.echo(f"account {name}: {full_name.strip()}")


@users_group.command("bootstrap")
@with_appcontext
@refusals
def users_bootstrap_command() -> None:
    """On a database without accounts, create 'admin' with a random password and print it once."""
    from .auth.services import bootstrap_admin

    password = bootstrap_admin(actor=_actor())
    db.session.commit()
    if password:
        click.echo("")
        click.echo("  Created the account 'admin' with the password:  " + password)
        click.echo("  It is shown only this once. Sign in at /staff/sign-in and keep it safe.")
        click.echo("")


@click.command("demo")
@click.option("--complete", is_flag=True, help="load all 171 runoff sheets")
@with_appcontext
@refusals
def demo_command(complete: bool) -> None:
    """Load the demo election, the 2011 Labor leadership primary (idempotent)."""
    from .demo.service import load_demo

    message = load_demo(complete=complete, actor=_actor())
    db.session.commit()
    click.echo(message)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@refusals
def backup_command(file: Path) -> None:
    """Copy the database to FILE while the service runs (SQLite file, or pg_dump archive)."""
    from .backup import backup_database

    summary = backup_database(file)
    events = f", {summary.audit_events} audit events" if summary.audit_events is not None else ""
    click.echo(f"backup written: {summary.path} ({summary.kind}, {summary.size:,} bytes{events})")


COMMANDS = (
    load_command,
    export_command,
    tally_command,
    import_branches_command,
    import_sheets_command,
    lot_command,
    annul_command,
    runoff_command,
    audit_group,
    users_group,
    demo_command,
    backup_command,
)


def register_commands(app: Flask) -> None:
    from .cli_db import migrations_group
    from .cli_flags import flags_command
    from .cli_four_eyes import four_eyes_command
    from .cli_rla import rla_group

    for command in (*COMMANDS, four_eyes_command, flags_command, rla_group):
        app.cli.add_command(command)
    app.cli.add_command(migrations_group)


class PrimariesGroup(FlaskGroup):
    """Flask's command group, building the lean app for the committee's commands and the full
    one (every page) for Flask's own (run, routes, shell); no plug-in commands are looked up."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        ctx.ensure_object(ScriptInfo).data["pages"] = name in self.commands
        return super().get_command(ctx, name)

    def _load_plugin_commands(self) -> None:
        """None: the package's commands are all there is, and looking for others takes time."""


def _create_app() -> Flask:
    from . import create_app
    from .config import ConfigError

    info = click.get_current_context().find_object(ScriptInfo)
    pages = info is not None and bool(info.data.get("pages"))
    try:
        return create_app(for_command=not pages)
    except ConfigError as exc:  # a message for the operator, not a traceback
        raise click.ClickException(str(exc)) from None


main = PrimariesGroup(create_app=_create_app, help="primaries: runoff-election tallying.")
