"""``primaries rla start|draw|record|status`` (CONTRACT section 8): the risk-limiting audit.

Thin: each command calls :mod:`primaries.rla.service` (writes) or :mod:`primaries.rla.queries`
(reads), commits, and prints the contract's JSON (``--json``) or a few readable lines.
docs/rla.md explains the audit and the ceremony.
"""

from __future__ import annotations

import json
from typing import IO, Any

import click
from flask.cli import with_appcontext

from .changes import Actor
from .cli import refusals
from .extensions import db


def _risk_limit(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .core.rla import risk_limit_problem

    problem = risk_limit_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def _seed(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .core.rla import seed_problem

    problem = seed_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def _show(slug: str, round_number: int, as_json: bool) -> None:
    from .elections.lookup import get_election, get_round
    from .rla.queries import audit_document, audit_of, state_of

    round_ = get_round(get_election(slug), round_number)
    audit = audit_of(round_)
    if audit is None:
        from .errors import Refused

        raise Refused(f"round {round_number} of {slug} has no risk-limiting audit")
    document = audit_document(round_, state_of(round_, audit))
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(format_audit(document))


def format_audit(document: dict[str, Any]) -> str:
    """The audit as a few readable lines."""
    draws = document["draws"]
    lines = [
        f"Risk-limiting audit of round {document['round']} of {document['election']}: "
        f"{str(document['status']).replace('_', ' ')}",
        f"risk limit {document['risk_limit']}%, seed {document['seed']}",
        f"total error bound U {document['total_error_bound'] or '-'}, "
        f"estimate {document['estimate'] if document['estimate'] is not None else '-'} draws",
        f"draws {len(draws)}: " + (", ".join(f"{d['draw']}:{d['branch']}" for d in draws) or "-"),
        f"audited boxes {document['audited']}, discrepancies {len(document['discrepancies'])}",
        f"risk {document['risk'] or '- (draws without an audited count)'}",
    ]
    for d in document["discrepancies"]:
        lines.append(f"  {d['branch']}: reported {d['reported']}, audited {d['audited']}")
    return "\n".join(lines)


@click.group("rla")
def rla_group() -> None:
    """Risk-limiting audits of rounds (batch comparison): start, draw, record, status."""


@rla_group.command("start")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--risk-limit", required=True, callback=_risk_limit, help="percent, e.g. 5")
@click.option("--seed", required=True, callback=_seed, help="20-64 decimal digits")
@click.option("--draws", type=click.IntRange(min=0), default=None, help="default: the estimate")
@click.option("--json", "as_json", is_flag=True, help="print the contract's audit JSON")
@with_appcontext
@refusals
def start_command(
    slug: str, round_number: int, risk_limit: str, seed: str, draws: int | None, as_json: bool
) -> None:
    """Start the audit of a round (closing it if open) and make the first draws."""
    from .rla.service import start_audit

    start_audit(slug, round_number, risk_limit=risk_limit, seed=seed, draws=draws, actor=_actor())
    db.session.commit()
    _show(slug, round_number, as_json)


@rla_group.command("draw")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--draws", type=click.IntRange(min=1), required=True)
@click.option("--json", "as_json", is_flag=True, help="print the contract's audit JSON")
@with_appcontext
@refusals
def draw_command(slug: str, round_number: int, draws: int, as_json: bool) -> None:
    """Add more draws to the round's audit."""
    from .rla.service import draw_more

    draw_more(slug, round_number, draws, actor=_actor())
    db.session.commit()
    _show(slug, round_number, as_json)


@rla_group.command("record")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--correct", is_flag=True, help="record differing counts as corrections")
@click.option("--reason", default=None, help="why the audited counts are corrected")
@click.option("--json", "as_json", is_flag=True, help="print the contract's audit JSON")
@click.argument("file", type=click.File("rb"))
@with_appcontext
@refusals
def record_command(
    slug: str, round_number: int, correct: bool, reason: str | None, as_json: bool, file: IO[bytes]
) -> None:
    """Record audited (hand) counts of drawn boxes from a sheets CSV file."""
    from .rla.service import record_counts

    if correct and not (reason or "").strip():
        raise click.UsageError("--correct needs --reason TEXT")
    if reason and not correct:
        raise click.UsageError("--reason goes with --correct")
    done = record_counts(
        slug, round_number, file.read(), actor=_actor(), correct=correct, reason=reason
    )
    db.session.commit()
    if not as_json:
        click.echo(
            f"{len(done.added)} audited counts added, {len(done.corrected)} corrected, "
            f"{done.unchanged} unchanged"
        )
    _show(slug, round_number, as_json)


@rla_group.command("status")
@click.argument("slug")
@click.option("--round", "round_number", type=click.IntRange(min=1), required=True)
@click.option("--json", "as_json", is_flag=True, help="print the contract's audit JSON")
@with_appcontext
@refusals
def status_command(slug: str, round_number: int, as_json: bool) -> None:
    """Print the audit's state."""
    _show(slug, round_number, as_json)


def _actor() -> Actor:
    return Actor.command_line()
