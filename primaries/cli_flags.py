"""``primaries flags SLUG --round N [--json]`` (CONTRACT section 9): a round's red flags.

Thin: looks the round up, asks the read side (:mod:`primaries.results.flags`) and prints the
contract's JSON or a table, one line per box and check that fires. docs/flags.md explains them.
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
@with_appcontext
@refusals
def flags_command(slug: str, round_number: int | None, as_json: bool) -> None:
    """Print a round's red flags (the latest round by default): boxes worth a second look."""
    from .elections.lookup import get_election, get_round
    from .results.flags import flags_document

    election = get_election(slug)
    round_ = get_round(election, round_number)
    document = flags_document(round_)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(format_flags(election.name, document))


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
