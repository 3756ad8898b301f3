"""``primaries flags SLUG --round N [--json]`` (CONTRACT section 9): a round's red flags; and
``primaries flags SLUG --settings`` / ``--set NAME=VALUE ... --reason TEXT``: the election's
thresholds (docs/flags.md).

Thin: looks the round up, asks the read side (:mod:`primaries.results.flags`) and prints the
contract's JSON or a table, one line per box and check that fires; a change of the settings goes
through :func:`primaries.elections.settings.set_flag_settings` (audited).
"""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from .cli import refusals


@click.command("flags")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True, help="print the contract's flags JSON")
@click.option("--settings", "show_settings", is_flag=True, help="print the election's thresholds")
@click.option(
    "--set",
    "changes",
    multiple=True,
    metavar="NAME=VALUE",
    help="change a threshold (VALUE 'default' takes it back); needs --reason",
)
@click.option("--reason", default=None, help="why the thresholds change")
@with_appcontext
@refusals
def flags_command(
    slug: str,
    round_number: int | None,
    as_json: bool,
    show_settings: bool,
    changes: tuple[str, ...],
    reason: str | None,
) -> None:
    """Print a round's red flags (the latest round by default): boxes worth a second look.
    With --settings or --set, show or change the election's thresholds instead."""
    from .elections.lookup import get_election, get_round
    from .results.flags import flags_document

    if reason is not None and not changes:
        raise click.UsageError("--reason goes with --set")
    if changes or show_settings:
        _settings(slug, changes, reason)
        return
    election = get_election(slug)
    round_ = get_round(election, round_number)
    document = flags_document(round_)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(format_flags(election.name, document))


def _settings(slug: str, changes: tuple[str, ...], reason: str | None) -> None:
    from .changes import Actor
    from .core.flag_settings import settings_from, settings_text
    from .elections.lookup import get_election
    from .elections.settings import set_flag_settings
    from .extensions import db

    if changes:
        pairs = {}
        for change in changes:
            name, sep, value = change.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise click.UsageError(f"--set takes NAME=VALUE, not {change!r}")
            pairs[name.strip()] = value.strip()
        set_flag_settings(slug, pairs, reason or "", actor=Actor.command_line())
        db.session.commit()
    kept = get_election(slug).flag_settings or {}
    for name, value in settings_text(settings_from(kept)).items():
        click.echo(f"{name} = {value}" + ("" if name in kept else "  (default)"))


def format_flags(name: str, document: dict[str, object]) -> str:
    """The flags as a readable table: branch, check, reason."""
    flags, indicators = document["flags"], document.get("indicators", [])
    assert isinstance(flags, list) and isinstance(indicators, list)
    title = f"{name}, round {document['round']}: "
    tests = [
        f"Region {i['region'] or '(none)'}: {i['test'].replace('_', ' ')} test over "
        f"{i['counts']} counts, chi-square {i['chi_square']}, p = {i['p_value']}"
        for i in indicators
    ]
    if tests:
        tests = ["", "Digit tests (indicators, not accusations):", *tests]
    if not flags:
        return "\n".join([title + "no red flags", *tests])
    lines = [title + f"{len(flags)} red flag{'s' if len(flags) != 1 else ''}", ""]
    branch_width = max([len(f["branch"]) for f in flags] + [6])
    check_width = max(len(f["check"]) for f in flags)
    lines.append(f"{'Branch':<{branch_width}}  {'Check':<{check_width}}  Reason")
    for f in flags:
        lines.append(f"{f['branch']:<{branch_width}}  {f['check']:<{check_width}}  {f['message']}")
    lines += ["", "A flag asks for a second look at a box; it is not proof of fraud.", *tests]
    return "\n".join(lines)
