"""Replaying the audit chain: what the tables must hold, rebuilt from the events in order.

:func:`replay` streams the chain in ``seq`` order and applies each event that changes data to an
:class:`Expected`: elections, branches, rounds (status, ballot, life, lots), sheets (state,
entries, decisions, annulments) and entries. It keeps, per entry, a digest of its numbers and
the event that recorded them (the numbers are read again from that event only to name a field
that differs), so memory grows with the number of sheets, never with their votes. Events that
change no data it proves (sign-ins, accounts, requests awaiting approval, actions it does not
know) are passed over. :mod:`primaries.audit.tables` then compares the tables with the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import select

from ..core.rounds import Publishing, RoundAction, RoundStatus
from ..core.sheets import DecisionKind, EntryKind, Numbers, SheetState
from ..extensions import db
from ..models import AuditEvent
from .expected import (
    Difference,
    Event,
    Expected,
    ExpectedElection,
    ExpectedEntry,
    ExpectedRound,
    ExpectedSheet,
    SheetKey,
)
from .names import handlers as names_handlers
from .objections import handlers as objection_handlers
from .paper import handlers as paper_handlers
from .records import numbers_digest, row_numbers
from .reviews import handlers as review_handlers
from .rla import handlers as rla_handlers


def chain_events(batch: int = 200) -> Iterator[Event]:
    """The chain's events in order, a batch at a time (a load's part holds 1,000 sheets)."""
    stmt = select(
        AuditEvent.seq,
        AuditEvent.action,
        AuditEvent.actor,
        AuditEvent.election,
        AuditEvent.round_number,
        AuditEvent.branch,
        AuditEvent.after,
    ).order_by(AuditEvent.seq)
    result = db.session.execute(stmt, execution_options={"yield_per": batch})
    try:
        for row in result:
            yield Event(*row)
    finally:
        result.close()


def event_numbers(seq: int, entry_id: int) -> Numbers | None:
    """The numbers event ``seq`` recorded for entry ``entry_id`` (to name a differing field)."""
    after = db.session.scalar(select(AuditEvent.after).where(AuditEvent.seq == seq))
    if not isinstance(after, dict):
        return None
    if after.get("entry_id") == entry_id:
        return Numbers.from_dict(after)
    for round_data in (after.get("data") or {}).get("rounds", []):
        for row in round_data.get("sheets", []):
            if row[1] == entry_id:
                return row_numbers(row, round_data["ballot"])[2]
    return None


def replay(events: Iterator[Event], accounts: set[str]) -> Expected:
    """Apply every event to an empty :class:`Expected` (raises :class:`Difference` for an event
    that does not record what its change wrote)."""
    state = Replay(accounts)
    for event in events:
        state.apply(event)
    return state.expected


class Replay:
    """The chain applied, one event at a time."""

    def __init__(self, accounts: set[str]) -> None:
        self.expected = Expected()
        self.accounts = accounts
        self.handlers: dict[str, Callable[[Event], None]] = {
            "election.load": self.load,
            "election.load.part": self.load_part,
            "election.define": self.define,
            "sheets.import": self.imported,
            "sheets.import.part": self.imported,
            "branches.import": self.branches_import,
            "sheet.enter": self.enter,
            "sheet.resolve": self.resolve,
            "sheet.send_back": self.send_back,
            "sheet.correct": self.correct,
            "sheet.annul": self.annul,
            "sheet.reinstate": self.annul,
            "lot.record": self.lot,
            "election.four_eyes": self.four_eyes,
            "election.flag_settings": self.flag_settings,
            "election.photos_public": self.photos_public,
            "round.open": self.round_open,
            "round.publishing": self.publishing,
            **{f"round.{a.value}": self.round_step for a in RoundAction if a != RoundAction.OPEN},
            **rla_handlers(self.expected, self.user),
            **paper_handlers(self.expected, self.user),
            **objection_handlers(self.expected, self.user),
            **review_handlers(self.expected, self.user),
            **names_handlers(self.expected),
        }

    def apply(self, event: Event) -> None:
        self.expected.events += 1
        handler = self.handlers.get(event.action)
        if handler is None:  # changes no data proven here (accounts, sign-ins, requests...)
            return
        try:
            handler(event)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise Difference(
                f"the data cannot be proven against the audit chain: event #{event.seq} "
                f"({event.action}) does not record what its change wrote "
                f"({type(exc).__name__}: {exc}); events written before version 1.1 recorded "
                "no numbers"
            ) from exc

    # ------------------------------------------------------------------ helpers

    def user(self, actor: str) -> str | None:
        """The account an event's actor names (None for the command line)."""
        return actor if actor in self.accounts else None

    def sheet(self, key: SheetKey) -> ExpectedSheet:
        sheet = self.expected.sheets.get(key)
        if sheet is None:
            sheet = self.expected.sheets[key] = ExpectedSheet()
        return sheet

    def key(self, event: Event) -> SheetKey:
        if event.election is None or event.round_number is None or event.branch is None:
            raise ValueError("the event names no sheet")
        return (event.election, event.round_number, event.branch)

    def entry(
        self,
        entry_id: int,
        key: SheetKey,
        kind: str,
        user: str | None,
        reason: str | None,
        numbers: Numbers,
        seq: int,
    ) -> None:
        if entry_id in self.expected.entries:
            raise ValueError(f"entry #{entry_id} is recorded twice")
        digest = numbers_digest(numbers)
        self.expected.entries[entry_id] = ExpectedEntry(key, kind, user, reason, digest, seq)

    def round_(self, event: Event) -> ExpectedRound:
        if event.election is None or event.round_number is None:
            raise ValueError("the event names no round")
        return self.expected.rounds[(event.election, event.round_number)]

    # ------------------------------------------------------------------ bulk changes

    def load(self, event: Event) -> None:
        after, slug = event.after, str(event.election)
        data = after["data"]
        # A candidate's row is [code, name] or, with names in other languages, [code, name, names]
        candidates = [
            (str(code), str(name), names[0] if names else None)
            for code, name, *names in data["candidates"]
        ]
        self.expected.elections[slug] = ExpectedElection(
            str(after["name"]),
            dict(data["rules"]),
            bool(data["four_eyes"]),
            candidates,
            event.seq,
            local_names=data.get("names"),
            region_names=data.get("regions"),
        )
        for round_data in data.get("rounds", []):
            number = int(round_data["number"])
            self.expected.rounds[(slug, number)] = ExpectedRound(
                status=str(round_data["status"]),
                held_on=round_data.get("held_on"),
                ballot=list(round_data["ballot"]),
                seq=event.seq,
                events=[(RoundAction.OPEN.value, None, None, None, None, None, event.seq)],
                lots=[
                    (list(lot["order"]), lot["note"], None, event.seq)
                    for lot in round_data.get("lots", [])
                ],
            )
        self.data(event, data, EntryKind.PACKAGE, None)

    def define(self, event: Event) -> None:
        """A new definition before anything was recorded (:mod:`primaries.elections.setup`): the
        election, its candidates and branches as ``load`` records them; round 1 keeps its life,
        its publishing choice and its lots, the election its four eyes and other settings."""
        slug = str(event.election)
        before, first = self.expected.elections[slug], self.expected.rounds[(slug, 1)]
        for key in [key for key in self.expected.branches if key[0] == slug]:
            del self.expected.branches[key]
            self.expected.branch_names.pop(key, None)
        self.load(event)
        now = self.expected.elections[slug]
        now.flag_settings, now.photos_public = before.flag_settings, before.photos_public
        after = self.expected.rounds[(slug, 1)]
        after.events, after.lots = first.events, first.lots
        after.publish, after.publish_seq = first.publish, first.publish_seq

    def load_part(self, event: Event) -> None:
        self.data(event, event.after["data"], EntryKind.PACKAGE, None)

    def imported(self, event: Event) -> None:
        self.data(event, event.after["data"], EntryKind.IMPORT, self.user(event.actor))

    def data(self, event: Event, data: Mapping[str, Any], kind: str, user: str | None) -> None:
        slug, seq = str(event.election), event.seq
        for code, name, region, eligible, *names in data.get("branches", []):
            self.expected.branches[(slug, code)] = (name, region, int(eligible), seq)
            self.expected.branch_names[(slug, code)] = (names[0] if names else None, seq)
        for round_data in data.get("rounds", []):
            number, ballot = int(round_data["number"]), list(round_data["ballot"])
            for row in round_data.get("sheets", []):
                branch, entry_id, numbers = row_numbers(row, ballot)
                key = (slug, number, branch)
                self.entry(entry_id, key, kind, user, None, numbers, seq)
                sheet = self.sheet(key)
                sheet.sheet_state, sheet.counted, sheet.seq = SheetState.COUNTED, entry_id, seq
            for branch, reason in round_data.get("annulled", []):
                sheet = self.sheet((slug, number, branch))
                sheet.is_annulled, sheet.annulment_reason, sheet.seq = True, reason, seq
                sheet.annulments.append(("annul", reason, user, seq))

    def branches_import(self, event: Event) -> None:
        """Names, regions and eligible members; names in other languages stay as they were."""
        slug = str(event.election)
        for code, change in event.after["changes"].items():
            new = change["after"]
            self.expected.branches[(slug, code)] = (
                new["name"],
                new["region"],
                int(new["eligible"]),
                event.seq,
            )

    # ------------------------------------------------------------------ one sheet's changes

    def enter(self, event: Event) -> None:
        key, after = self.key(event), event.after
        entry_id = int(after["entry_id"])
        user = self.user(event.actor)
        self.entry(entry_id, key, EntryKind.ENTRY, user, None, Numbers.from_dict(after), event.seq)
        sheet = self.sheet(key)
        if after["entry"] == "second":
            sheet.second = entry_id
        else:
            sheet.first, sheet.second = entry_id, None
        sheet.sheet_state = str(after["state"])
        sheet.counted = entry_id if sheet.sheet_state == SheetState.COUNTED else None
        sheet.seq = event.seq

    def resolve(self, event: Event) -> None:
        key, after = self.key(event), event.after
        entry_id, user = int(after["entry_id"]), self.user(event.actor)
        numbers = Numbers.from_dict(after)
        self.entry(entry_id, key, EntryKind.RESOLUTION, user, None, numbers, event.seq)
        sheet = self.expected.sheets[key]
        sheet.decisions.append(
            (
                DecisionKind.RESOLVE.value,
                sheet.first,
                sheet.second,
                entry_id,
                dict(after["decided"]),
                None,
                user,
                event.seq,
            )
        )
        sheet.sheet_state, sheet.counted, sheet.seq = SheetState.COUNTED, entry_id, event.seq

    def send_back(self, event: Event) -> None:
        sheet = self.expected.sheets[self.key(event)]
        sheet.decisions.append(
            (
                DecisionKind.SEND_BACK.value,
                sheet.first,
                sheet.second,
                None,
                None,
                event.after.get("reason"),
                self.user(event.actor),
                event.seq,
            )
        )
        sheet.sheet_state, sheet.seq = SheetState.EMPTY, event.seq
        sheet.first = sheet.second = sheet.counted = None

    def correct(self, event: Event) -> None:
        key, after = self.key(event), event.after
        entry_id, reason = int(after["entry_id"]), str(after["reason"])
        user = self.user(event.actor)
        numbers = Numbers.from_dict(after)
        self.entry(entry_id, key, EntryKind.CORRECTION, user, reason, numbers, event.seq)
        sheet = self.expected.sheets[key]
        sheet.sheet_state, sheet.counted, sheet.seq = SheetState.COUNTED, entry_id, event.seq

    def annul(self, event: Event) -> None:
        annulled = event.action == "sheet.annul"
        reason = str(event.after["reason"])
        sheet = self.sheet(self.key(event))
        sheet.is_annulled, sheet.annulment_reason = annulled, reason if annulled else None
        sheet.seq = event.seq
        action = "annul" if annulled else "reinstate"
        sheet.annulments.append((action, reason, self.user(event.actor), event.seq))

    # ------------------------------------------------------------------ rounds

    def lot(self, event: Event) -> None:
        after = event.after
        self.round_(event).lots.append(
            (list(after["order"]), after.get("note"), self.user(event.actor), event.seq)
        )

    def round_step(self, event: Event) -> None:
        round_, after = self.round_(event), event.after
        action = event.action.split(".", 1)[1]
        round_.status = str(after["status"])
        # A certificate says whether four eyes was on (other steps' notes are not the column's)
        four_eyes = after.get("four_eyes") if action == RoundAction.CERTIFY else None
        round_.events.append(
            (
                action,
                after.get("reason"),
                after.get("result_sha256"),
                after.get("audit_head"),
                four_eyes,
                self.user(event.actor),
                event.seq,
            )
        )

    def four_eyes(self, event: Event) -> None:
        election = self.expected.elections[str(event.election)]
        election.four_eyes, election.seq = bool(event.after["four_eyes"]), event.seq

    def flag_settings(self, event: Event) -> None:
        election = self.expected.elections[str(event.election)]
        election.flag_settings = dict(event.after["flag_settings"]) or None
        election.seq = event.seq

    def photos_public(self, event: Event) -> None:
        election = self.expected.elections[str(event.election)]
        election.photos_public, election.seq = bool(event.after["photos_public"]), event.seq

    def round_open(self, event: Event) -> None:
        slug, number = str(event.election), int(event.round_number or 0)
        before = self.expected.rounds[(slug, number - 1)].ballot
        self.expected.rounds[(slug, number)] = ExpectedRound(
            status=RoundStatus.OPEN.value,
            held_on=event.after.get("held_on"),
            ballot=sorted(event.after["qualifiers"], key=before.index),
            seq=event.seq,
            events=[
                (RoundAction.OPEN.value, None, None, None, None, self.user(event.actor), event.seq)
            ],
            publish=str(event.after.get("publish", Publishing.LIVE.value)),
            publish_seq=event.seq,
        )

    def publishing(self, event: Event) -> None:
        round_ = self.round_(event)
        round_.publish, round_.publish_seq = str(event.after["publish"]), event.seq
