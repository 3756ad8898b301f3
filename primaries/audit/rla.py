"""The risk-limiting audits proven against the audit chain: replayed from their events
(``rla.start``, ``rla.draw``, ``rla.record``) and compared with ``rla_audits``, ``rla_draws`` and
``rla_counts`` column by column, so that a hand count, a draw or a seed changed, added or removed
behind the application's back is named by :func:`primaries.audit.data.verify_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..models.rla import RlaAudit, RlaCount, RlaDraw, RlaEntry
from .expected import Event, Expected, RoundKey, difference
from .tables import Names, check, check_lists, round_name, stream


@dataclass
class ExpectedAudit:
    """An audit as the chain made it (names apart from the table's columns on purpose)."""

    limit: str
    seed_digits: str
    bound: str | None
    exact: str | None
    estimated: int | None
    verdict: str
    risk_now: str | None
    starter: str
    account: str | None
    seq: int
    picks: list[tuple[Any, ...]] = field(default_factory=list)  # (k, branch, seq)
    # (branch, ballots_cast, invalid, votes, reason, account, seq)
    hand_counts: list[tuple[Any, ...]] = field(default_factory=list)
    # the web's blind entries: (branch, attempt, ballots_cast, invalid, votes, account, seq)
    typed: list[tuple[Any, ...]] = field(default_factory=list)


def audits_of(expected: Expected) -> dict[RoundKey, ExpectedAudit]:
    return expected.audits


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handlers of the audit's events."""

    def key(event: Event) -> RoundKey:
        if event.election is None or event.round_number is None:
            raise ValueError("the event names no round")
        return (event.election, event.round_number)

    def settle(audit: ExpectedAudit, event: Event) -> None:
        after = event.after
        audit.verdict, audit.risk_now, audit.seq = str(after["status"]), after["risk"], event.seq
        audit.picks.extend((int(k), str(code), event.seq) for k, code in after["draws"])

    def start(event: Event) -> None:
        after = event.after
        audit = ExpectedAudit(
            str(after["risk_limit"]),
            str(after["seed"]),
            after["total_error_bound"],
            after["exact_error_bound"],
            after["estimate"],
            "",
            None,
            event.actor,
            user(event.actor),
            event.seq,
        )
        audits_of(expected)[key(event)] = audit
        settle(audit, event)

    def draw(event: Event) -> None:
        settle(audits_of(expected)[key(event)], event)

    def counts(event: Event) -> None:
        audit = audits_of(expected)[key(event)]
        after = event.after
        for code, cast, invalid, votes, reason in after["counts"]:
            audit.hand_counts.append(
                (
                    str(code),
                    int(cast),
                    int(invalid),
                    dict(votes),
                    reason,
                    user(event.actor),
                    event.seq,
                )
            )
        audit.verdict, audit.risk_now, audit.seq = str(after["status"]), after["risk"], event.seq

    def enter(event: Event) -> None:
        after = event.after
        audits_of(expected)[key(event)].typed.append(
            (
                str(event.branch),
                int(after["attempt"]),
                int(after["ballots_cast"]),
                int(after["invalid"]),
                dict(after["votes"]),
                user(event.actor),
                event.seq,
            )
        )

    return {"rla.start": start, "rla.draw": draw, "rla.record": counts, "rla.enter": enter}


def compare_audits(expected: Expected, names: Names) -> None:
    """Every audit, its draws and its audited counts, as the chain says."""
    pending = dict(audits_of(expected))
    ids: dict[int, RoundKey] = {}
    stmt = select(
        RlaAudit.id,
        RlaAudit.round_id,
        RlaAudit.risk_limit,
        RlaAudit.seed,
        RlaAudit.total_error_bound,
        RlaAudit.exact_error_bound,
        RlaAudit.estimate,
        RlaAudit.status,
        RlaAudit.risk,
        RlaAudit.started_by,
        RlaAudit.user_id,
    ).order_by(RlaAudit.id)
    for (
        audit_id,
        round_id,
        limit,
        seed,
        bound,
        exact,
        estimated,
        status,
        risk,
        starter,
        user,
    ) in stream(stmt):
        key = names.round(round_id)
        ids[audit_id] = key
        where = f"the risk-limiting audit of {round_name(key)}"
        mine = pending.pop(key, None)
        if mine is None:
            raise difference(where, "rla_audits", "no such audit", f"an audit with seed {seed}")
        for column, chain, table in (
            ("risk_limit", mine.limit, limit),
            ("seed", mine.seed_digits, seed),
            ("total_error_bound", mine.bound, bound),
            ("exact_error_bound", mine.exact, exact),
            ("estimate", mine.estimated, estimated),
            ("status", mine.verdict, status),
            ("risk", mine.risk_now, risk),
            ("started_by", mine.starter, starter),
            ("account", mine.account, names.user(user)),
        ):
            check(where, f"rla_audits.{column}", chain, table, mine.seq)
    for key, mine in pending.items():
        where = f"the risk-limiting audit of {round_name(key)}"
        raise difference(
            where, "rla_audits", f"an audit with seed {mine.seed_digits}", "no such row", mine.seq
        )
    draws: dict[RoundKey, list[tuple[Any, ...]]] = {}
    for audit_id, k, branch_id in stream(
        select(RlaDraw.audit_id, RlaDraw.k, RlaDraw.branch_id).order_by(RlaDraw.audit_id, RlaDraw.k)
    ):
        key = ids.get(audit_id, (f"(audit #{audit_id})", 0))
        draws.setdefault(key, []).append((int(k), names.branch(branch_id)))
    counts: dict[RoundKey, list[tuple[Any, ...]]] = {}
    stmt_counts = select(
        RlaCount.audit_id,
        RlaCount.branch_id,
        RlaCount.ballots_cast,
        RlaCount.invalid,
        RlaCount.votes,
        RlaCount.reason,
        RlaCount.user_id,
    ).order_by(RlaCount.audit_id, RlaCount.id)
    for audit_id, branch_id, cast, invalid, votes, reason, user in stream(stmt_counts):
        key = ids.get(audit_id, (f"(audit #{audit_id})", 0))
        counts.setdefault(key, []).append(
            (
                names.branch(branch_id),
                int(cast),
                int(invalid),
                dict(votes),
                reason,
                names.user(user),
            )
        )
    entries: dict[RoundKey, list[tuple[Any, ...]]] = {}
    stmt_entries = select(
        RlaEntry.audit_id,
        RlaEntry.branch_id,
        RlaEntry.attempt,
        RlaEntry.ballots_cast,
        RlaEntry.invalid,
        RlaEntry.votes,
        RlaEntry.user_id,
    ).order_by(RlaEntry.audit_id, RlaEntry.id)
    for audit_id, branch_id, attempt, cast, invalid, votes, user in stream(stmt_entries):
        key = ids.get(audit_id, (f"(audit #{audit_id})", 0))
        entries.setdefault(key, []).append(
            (
                names.branch(branch_id),
                int(attempt),
                int(cast),
                int(invalid),
                dict(votes),
                names.user(user),
            )
        )
    audits = audits_of(expected)
    for key in sorted(set(audits) | set(draws) | set(counts) | set(entries), key=str):
        where = f"the risk-limiting audit of {round_name(key)}"
        mine = audits.get(key)
        check_lists(
            where, "rla_draws", mine.picks if mine else [], draws.get(key, []), ("k", "branch")
        )
        columns = ("branch", "ballots_cast", "invalid", "votes", "reason", "account")
        check_lists(
            where, "rla_counts", mine.hand_counts if mine else [], counts.get(key, []), columns
        )
        columns = ("branch", "attempt", "ballots_cast", "invalid", "votes", "account")
        check_lists(where, "rla_entries", mine.typed if mine else [], entries.get(key, []), columns)
