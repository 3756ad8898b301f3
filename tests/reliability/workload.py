"""Election night over real HTTP: staff at their browsers, all at once, on overlapping sheets.

A :class:`Workload` runs one thread per member of staff (its own ``requests`` session, its own
account), each filling in the real staff forms with their real CSRF tokens and hidden ``version``
fields: clerks type sheets from the chooser's lists (sometimes with a typo, sometimes pressing
Save twice); supervisors resolve mismatches field by field, send sheets back, correct counted
sheets (recounts), annul and reinstate. Every POST's answer is recorded as an :class:`Answer`:
acknowledged (a redirect to where success leads, with a success message), refused because the
sheet changed meanwhile (409 "changed while you were editing", or the flashed equivalent),
refused otherwise (4xx with a message), no answer at all (the server was killed), or unexpected
(anything else: a 500, a redirect without a message...).

:func:`check_night` then reads the database directly and checks what must hold however the
requests interleaved: one sheet row per branch and round; every counted sheet is either a pair of
identical entries by two different accounts or a supervisor's decision; every acknowledged save
is in the history and nothing refused is; the round's result equals a recount computed here from
the counted entries' vote rows; the audit chain verifies and never forks.
"""

from __future__ import annotations

import json
import os
import random
import re
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text

from primaries.audit.chain import verify
from primaries.elections.lookup import get_election, get_round
from primaries.extensions import db
from primaries.models import (
    Annulment,
    AuditEvent,
    Branch,
    Candidate,
    EntryVote,
    Sheet,
    SheetEntry,
    User,
)
from primaries.results.cache import DEFAULT_RECHECK_SECONDS
from primaries.tally import round_result
from tests.reliability.conftest import (
    STALE,
    StaffSession,
    create_accounts,
    flashes,
    post_forms,
    problems_in,
    state_in,
    write_json,
)

SLUG = "night-2024"
ROUND = 1
CODES = ("AAA", "BBB", "CCC")
BASE = f"/staff/elections/{SLUG}/rounds/{ROUND}"
CHOOSER = f"{BASE}/sheets"
MISMATCHES = f"{BASE}?state=mismatch"

# (ballots cast, invalid, votes in CODES order): the paper sheet, or what was typed.
Numbers = tuple[int, int, tuple[int, ...]]

OK, STALE_REFUSED, REFUSED, NO_ANSWER, UNEXPECTED = (
    "acknowledged",
    "refused: changed meanwhile",
    "refused",
    "no answer",
    "unexpected",
)
READS = (
    f"/elections/{SLUG}/rounds/{ROUND}",
    f"/elections/{SLUG}/rounds/{ROUND}/branches",
    f"/elections/{SLUG}",
    f"/api/v1/elections/{SLUG}/rounds/{ROUND}",
    f"/api/v1/elections/{SLUG}/rounds/{ROUND}/branches",
    BASE,
)
SAVES = ("enter", "resubmit", "resolve", "send_back", "correct", "annul", "reinstate")


BRANCHES = 60
# How long the staff work (bounded: the whole suite runs in CI).
NIGHT_SECONDS = float(os.environ.get("PRIMARIES_NIGHT_SECONDS", "15"))
# Eight members of staff, each with an own account: five clerks and three supervisors.
STAFF = {
    "clerk1": "clerk",
    "clerk2": "clerk",
    "clerk3": "clerk",
    "clerk4": "clerk",
    "clerk5": "clerk",
    "super1": "supervisor",
    "super2": "supervisor",
    "super3": "supervisor",
}


# Thirty-two at once (issue 16: entry for hundreds of clerks): twenty-six clerks and six
# supervisors, served by four gthread workers of eight threads.
STAFF_32 = {
    **{f"clerk{i}": "clerk" for i in range(1, 27)},
    **{f"super{i}": "supervisor" for i in range(1, 7)},
}


def branch_codes(count: int) -> list[str]:
    return [f"N{i:02d}" for i in range(1, count + 1)]


def night_package(branches: int) -> dict[str, Any]:
    """An election with blind double entry on and round 1 open with nothing entered."""
    return {
        "format": "primaries/election@1",
        "election": {
            "slug": SLUG,
            "name": "Election night under load",
            "rules": {"double_entry": True},
            "candidates": [{"code": c, "name": f"Candidate {c}"} for c in CODES],
            "branches": [
                {"code": code, "name": f"Branch {code}", "region": f"R{i % 3}", "eligible": 900}
                for i, code in enumerate(branch_codes(branches))
            ],
        },
        "rounds": [{"number": ROUND, "held_on": "2024-06-01", "sheets": []}],
    }


def paper(code: str) -> Numbers:
    """The count sheet of a branch as it was filled in at the branch (the truth)."""
    i = int(code[1:])
    votes = (120 + (i * 37) % 90, 100 + (i * 53) % 110, 40 + (i * 17) % 60)
    invalid = i % 7
    return (sum(votes) + invalid, invalid, votes)


def moved(numbers: Numbers, source: int, target: int, n: int) -> Numbers:
    """The same sheet with ``n`` votes moved from one candidate to another: sums still agree."""
    votes = list(numbers[2])
    n = min(n, votes[source])
    votes[source] -= n
    votes[target] += n
    return (numbers[0], numbers[1], tuple(votes))


def form_numbers(numbers: Numbers) -> dict[str, str]:
    cast, invalid, votes = numbers
    data = {"ballots_cast": str(cast), "invalid": str(invalid)}
    data.update({f"votes_{code}": str(n) for code, n in zip(CODES, votes, strict=True)})
    return data


def numbers_of_form(fields: dict[str, str]) -> Numbers:
    votes = tuple(int(fields[f"votes_{code}"]) for code in CODES)
    return (int(fields["ballots_cast"]), int(fields["invalid"]), votes)


def paper_value(code: str, key: str) -> int:
    cast, invalid, votes = paper(code)
    if key == "ballots_cast":
        return cast
    if key == "invalid":
        return invalid
    return votes[CODES.index(key.removeprefix("votes_"))]


def _success_target(op: str, branch: str) -> str:
    """Where a successful save of ``op`` sends the browser (path and query)."""
    if op in ("enter", "resubmit"):
        return CHOOSER
    if op == "resolve":
        return MISMATCHES
    if op == "send_back":
        return BASE
    return f"{CHOOSER}/{branch}"  # correct, annul, reinstate: back to the sheet


@dataclass
class Answer:
    """One POST of a form and what came back."""

    client: str
    role: str
    op: str
    branch: str
    server: str
    version: str
    status: int | None
    outcome: str
    message: str
    numbers: Numbers | None = None
    started: float = 0.0
    ended: float = 0.0


def _network_errors() -> tuple[type[BaseException], ...]:
    import requests

    # A body cut off half-way (the server killed while answering) is a ChunkedEncodingError.
    return (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
        ConnectionError,
    )


class Staff(threading.Thread):
    """One member of staff at one browser, working until ``stop`` is set."""

    TYPO = 0.2  # a clerk types a sheet with votes in the wrong row
    RESUBMIT = 0.1  # a clerk presses Save again on the page already saved
    THINK = 0.06  # at most this long between reading a form and saving it, seconds
    READ = 0.1  # a look at the results while they change, as members and the press do

    def __init__(self, workload: Workload, name: str, role: str, seed: int) -> None:
        super().__init__(name=f"staff-{name}", daemon=True)
        self.workload = workload
        self.account, self.role = name, role
        self.rng = random.Random(seed)
        self.session = StaffSession(workload.servers, self.rng)
        self.answers: list[Answer] = []
        self.looks = 0  # pages read that offered nothing to save
        self.reads = 0  # results read while they change
        self.lost_gets = 0  # GETs without an answer (a killed server)
        self.errors: list[str] = []
        self.signed_in = threading.Event()
        self._next_page: str | None = None

    # -- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        stop = self.workload.stop
        try:
            self.session.sign_in(self.account)
            self.signed_in.set()
            self.workload.start_gate.wait(timeout=300)
            while not stop.is_set():
                try:
                    if self.rng.random() < self.READ:
                        self.read_results()
                    elif self.role == "clerk" or self.rng.random() < 0.25:
                        self.enter(self.pick_sheet_to_enter())
                    else:
                        self.supervise()
                except _network_errors():
                    self.lost_gets += 1
                    self._next_page = None
                    self.await_server()
        except BaseException:
            self.errors.append(traceback.format_exc())
        finally:
            self.signed_in.set()
            self.session.close()

    def await_server(self) -> None:
        """After a connection error: poll until a server answers again (or the night ends)."""
        stop = self.workload.stop
        while not stop.is_set():
            if self.workload.any_server_up():
                return
            stop.wait(0.1)

    def think(self) -> None:
        time.sleep(self.rng.uniform(0, self.THINK))

    def read_results(self) -> None:
        path = self.rng.choice(READS if self.role != "clerk" else READS[:-1])  # no dashboard
        answer = self.session.get(path)
        self.reads += 1
        if answer.status_code != 200:
            self.errors.append(f"GET {path}: {answer.status_code}")

    # -- saving a form ----------------------------------------------------------------------

    def save(
        self, op: str, branch: str, path: str, data: dict[str, str], numbers: Numbers | None = None
    ) -> Answer:
        server = self.session.server()
        started = time.monotonic()
        answer = Answer(
            self.account,
            self.role,
            op,
            branch,
            server,
            data.get("version", ""),
            None,
            NO_ANSWER,
            "",
            numbers,
            started,
        )
        try:
            response = self.session.post(path, data, server=server)
        except _network_errors() as exc:
            answer.message = f"{type(exc).__name__}: {exc}"[:300]
            answer.ended = time.monotonic()
            self.answers.append(answer)
            self._next_page = None
            self.await_server()
            return answer
        answer.ended = time.monotonic()  # when the answer came (before the page after it)
        answer.status = response.status_code
        answer.outcome, answer.message = self.classify(op, branch, response)
        if answer.outcome == STALE_REFUSED and answer.status == 409:
            self.check_kept(answer, response.text, data)
        self.answers.append(answer)
        return answer

    def classify(self, op: str, branch: str, response: Any) -> tuple[str, str]:
        code = response.status_code
        self._next_page = None
        if code in (302, 303):
            target = urlsplit(response.headers.get("Location", ""))
            where = target.path + (f"?{target.query}" if target.query else "")
            succeeded = where == _success_target(op, branch)
            try:
                page = self.session.follow(response).text
            except _network_errors():  # the answer came; the page after it did not
                return (OK, "(no page after the redirect)") if succeeded else (REFUSED, where)
            said = flashes(page)
            good = [m for c, m in said if c == "success"]
            bad = [m for c, m in said if c == "error"]
            if succeeded and good and not bad:
                self._next_page = page
                return OK, good[0]
            if not succeeded and bad and not good:
                message = " | ".join(bad)
                stale = STALE in message or "any more" in message
                return (STALE_REFUSED if stale else REFUSED), message
            return UNEXPECTED, f"{code} to {where} saying {said!r}"
        if code in (409, 422):
            said = problems_in(response.text)
            if not said:
                return UNEXPECTED, f"{code} without a message a person could act on"
            message = " | ".join(said)
            return (STALE_REFUSED if STALE in message else REFUSED), message
        return UNEXPECTED, f"status {code}: {response.text[:300]!r}"

    def check_kept(self, answer: Answer, page: str, sent: dict[str, str]) -> None:
        """A stale save shows the sheet as it is now, with its current version, keeping what was
        typed, so that saving again applies it to the sheet as it is: nothing typed is lost."""
        form = next(
            (
                f
                for f in post_forms(page)
                if "version" in f.fields and not f.action.endswith("/send-back")
            ),
            None,
        )
        if form is None:  # the sheet can no longer be typed (counted, in mismatch...)
            return
        if form.fields["version"] == sent.get("version"):
            answer.outcome, answer.message = UNEXPECTED, "the stale version was kept"
        elif answer.numbers is not None and "ballots_cast" in form.fields:
            if numbers_of_form(form.fields) != answer.numbers:
                answer.outcome, answer.message = UNEXPECTED, "the typed numbers were not kept"
        elif "reason" in sent and form.fields.get("reason", sent["reason"]) != sent["reason"]:
            answer.outcome, answer.message = UNEXPECTED, "the typed reason was not kept"

    # -- clerks (and supervisors typing) ----------------------------------------------------

    def pick_sheet_to_enter(self) -> str:
        """From the chooser's lists, as a clerk would: a sheet awaiting a second entry, else
        one not entered yet, else any."""
        page = self._next_page or self.session.get(CHOOSER).text
        self._next_page = None
        awaiting_part, _, rest = page.partition("<h2>Not entered yet</h2>")
        if "<h2>Awaiting a second entry you may make</h2>" not in awaiting_part:
            awaiting_part, rest = "", page
        awaiting = _sheet_links(awaiting_part)
        empty = _sheet_links(rest.partition("<h2>Your sheets")[0])
        if awaiting and (not empty or self.rng.random() < 0.6):
            return self.rng.choice(awaiting)
        if empty:
            return self.rng.choice(empty)
        return self.rng.choice(self.workload.branches)

    def enter(self, branch: str, page: str | None = None) -> None:
        path = f"{CHOOSER}/{branch}"
        page = page or self.session.get(path).text
        form = next((f for f in post_forms(page) if "ballots_cast" in f.fields), None)
        if form is None:  # counted, in mismatch, annulled, or this account typed the first entry
            self.looks += 1
            return
        numbers = paper(branch)
        if self.rng.random() < self.TYPO:
            source, target = self.rng.sample(range(len(CODES)), 2)
            numbers = moved(numbers, source, target, self.rng.randint(1, 3))
        data = {**form.fields, **form_numbers(numbers)}
        self.think()
        answer = self.save("enter", branch, path, data, numbers)
        if answer.outcome == OK and self.rng.random() < self.RESUBMIT:
            self.save("resubmit", branch, path, data, numbers)

    # -- supervisors ------------------------------------------------------------------------

    def supervise(self) -> None:
        rng = self.rng
        if rng.random() < 0.35:  # the dashboard's list of mismatches
            page = self._next_page or self.session.get(MISMATCHES).text
            self._next_page = None
            waiting = _resolve_links(page)
            if waiting:
                self.resolve(rng.choice(waiting))
                return
        branch = rng.choice(self.workload.branches)
        page = self.session.get(f"{CHOOSER}/{branch}").text
        state = state_in(page)
        roll = rng.random()
        if state == "mismatch":
            if roll < 0.75:
                self.resolve(branch)
            else:
                self.send_back(branch, page)
        elif state == "awaiting_second":
            if roll < 0.3:
                self.send_back(branch, page)
            else:
                self.enter(branch, page)
        elif state == "counted":
            if roll < 0.35:
                self.correct(branch)
            elif roll < 0.45:
                self.annulment(branch)
            else:
                self.looks += 1
        elif state == "annulled":
            if roll < 0.6:
                self.annulment(branch)
            else:
                self.looks += 1
        elif roll < 0.05:
            self.annulment(branch)
        else:
            self.enter(branch, page)

    def resolve(self, branch: str) -> None:
        path = f"{CHOOSER}/{branch}/resolve"
        response = self.session.get(path)
        if not response.url.endswith("/resolve"):  # not in mismatch (any more)
            self.looks += 1
            return
        form = next((f for f in post_forms(response.text) if f.radios), None)
        if form is None:
            self.looks += 1
            return
        data = dict(form.fields)
        mode = self.rng.choice(["paper", "paper", "1", "2"])
        for name in form.radios:
            key = name.removeprefix("choice_")
            data[name] = mode
            if mode == "paper":
                data[f"paper_{key}"] = str(paper_value(branch, key))
        self.think()
        self.save("resolve", branch, path, data)

    def send_back(self, branch: str, page: str) -> None:
        form = next((f for f in post_forms(page) if f.action.endswith("/send-back")), None)
        if form is None:
            self.looks += 1
            return
        data = {**form.fields, "reason": f"to be keyed again ({self.account})"}
        self.think()
        self.save("send_back", branch, form.action, data)

    def correct(self, branch: str) -> None:
        path = f"{CHOOSER}/{branch}/correct"
        page = self.session.get(path).text
        form = next((f for f in post_forms(page) if "ballots_cast" in f.fields), None)
        if form is None:
            self.looks += 1
            return
        counted = numbers_of_form(form.fields)
        truth = paper(branch)
        numbers = truth if counted != truth else moved(truth, 0, 1, 1)
        data = {
            **form.fields,
            **form_numbers(numbers),
            "reason": f"recount ordered by the committee ({self.account})",
        }
        self.think()
        self.save("correct", branch, path, data, numbers)

    def annulment(self, branch: str) -> None:
        path = f"{CHOOSER}/{branch}/annulment"
        page = self.session.get(path).text
        form = next((f for f in post_forms(page) if "reason" in f.fields), None)
        if form is None:
            self.looks += 1
            return
        op = "reinstate" if "Reverse the annulment</button>" in page else "annul"
        reason = "observers removed during the count" if op == "annul" else "the court reinstated"
        data = {**form.fields, "reason": f"{reason} ({self.account})"}
        self.think()
        self.save(op, branch, path, data)


def _sheet_links(fragment: str) -> list[str]:
    return sorted(set(re.findall(rf'href="{CHOOSER}/([A-Za-z0-9]+)"', fragment)))


def _resolve_links(page: str) -> list[str]:
    return sorted(set(re.findall(rf'href="{CHOOSER}/([A-Za-z0-9]+)/resolve"', page)))


@dataclass
class Workload:
    """The whole night: ``roles`` (account -> role) working against ``servers``."""

    servers: list[str]
    roles: dict[str, str]
    branches: list[str]
    seed: int = 2024
    stop: threading.Event = field(default_factory=threading.Event)
    start_gate: threading.Event = field(default_factory=threading.Event)
    staff: list[Staff] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0
    up: Callable[[], bool] | None = None

    def any_server_up(self) -> bool:
        return self.up() if self.up is not None else True

    def start(self) -> None:
        """Sign everybody in, then release them all at once."""
        self.staff = [
            Staff(self, name, role, self.seed * 100 + i)
            for i, (name, role) in enumerate(self.roles.items())
        ]
        for member in self.staff:
            member.start()
        deadline = time.monotonic() + 300
        for member in self.staff:
            member.signed_in.wait(timeout=max(1.0, deadline - time.monotonic()))
        self.raise_errors()
        self.started = time.monotonic()
        self.start_gate.set()

    def finish(self) -> None:
        self.stop.set()
        for member in self.staff:
            member.join(timeout=300)
            assert not member.is_alive(), f"{member.name} did not stop"
        self.seconds = time.monotonic() - self.started
        self.raise_errors()

    def raise_errors(self) -> None:
        errors = [e for member in self.staff for e in member.errors]
        errors += [e for member in self.staff for e in member.session.server_errors]
        assert not errors, "\n".join(errors)

    @property
    def answers(self) -> list[Answer]:
        return sorted((a for m in self.staff for a in m.answers), key=lambda a: a.started)

    def acknowledged(self) -> int:
        return sum(1 for m in self.staff for a in m.answers if a.outcome == OK)

    def figures(self) -> dict[str, Any]:
        answers = self.answers
        by = Counter((a.op, a.outcome) for a in answers)
        return {
            "clients": len(self.staff),
            "seconds": round(self.seconds, 1),
            "requests": sum(m.session.requests for m in self.staff),
            "saves": len(answers),
            "acknowledged": sum(1 for a in answers if a.outcome == OK),
            "refused_stale": sum(1 for a in answers if a.outcome == STALE_REFUSED),
            "refused_other": sum(1 for a in answers if a.outcome == REFUSED),
            "no_answer": sum(1 for a in answers if a.outcome == NO_ANSWER),
            "unexpected": sum(1 for a in answers if a.outcome == UNEXPECTED),
            "looks": sum(m.looks for m in self.staff),
            "result_reads": sum(m.reads for m in self.staff),
            "by_op": {f"{op} {outcome}": n for (op, outcome), n in sorted(by.items())},
        }


# --------------------------------------------------------------------------------------------
# What must hold afterwards


def _entry_numbers(entry_ids: list[int]) -> dict[int, Numbers]:
    """Each entry's numbers, read from its own row and its EntryVote rows (nothing else)."""
    code_of = {c.id: c.code for c in db.session.scalars(select(Candidate))}
    votes: dict[int, dict[str, int]] = {}
    for entry_id, candidate_id, n in db.session.execute(
        select(EntryVote.entry_id, EntryVote.candidate_id, EntryVote.votes)
    ):
        votes.setdefault(entry_id, {})[code_of[candidate_id]] = int(n)
    out: dict[int, Numbers] = {}
    for entry in db.session.scalars(select(SheetEntry).where(SheetEntry.id.in_(entry_ids))):
        mine = votes.get(entry.id, {})
        assert sorted(mine) == sorted(CODES), f"entry {entry.id} has votes for {sorted(mine)}"
        out[entry.id] = (
            int(entry.ballots_cast),
            int(entry.invalid),
            tuple(mine[c] for c in CODES),
        )
    return out


def _within(acked: Counter[Any], stored: Counter[Any], in_doubt: Counter[Any], what: str) -> int:
    """Every acknowledged save is stored; whatever else is stored was a save left unanswered.
    Returns how many unanswered saves are stored (they were committed, the answer was lost)."""
    lost = acked - stored
    assert not lost, f"{what}: acknowledged but not in the database: {dict(lost)}"
    phantom = stored - acked - in_doubt
    assert not phantom, f"{what}: in the database but refused or never sent: {dict(phantom)}"
    return (stored - acked).total()


def check_night(workload: Workload, *, killed: bool = False) -> dict[str, Any]:
    """Check every invariant (needs an app context on the test's database); return figures."""
    db.session.remove()
    answers = workload.answers
    unexpected = [a for a in answers if a.outcome == UNEXPECTED]
    assert not unexpected, "answers no person could act on:\n" + "\n".join(
        f"{a.client} {a.op} {a.branch}: {a.message}" for a in unexpected[:20]
    )
    if not killed:
        silent = [a for a in answers if a.outcome == NO_ANSWER]
        assert not silent, f"saves without an answer: {[(a.op, a.message) for a in silent[:5]]}"
    twice = [a for a in answers if a.op == "resubmit" and a.outcome == OK]
    assert not twice, "a form saved twice was accepted twice"

    election = get_election(SLUG)
    round_ = get_round(election, ROUND)
    users = {u.id: (u.username, u.role) for u in db.session.scalars(select(User))}
    codes = {b.id: b.code for b in db.session.scalars(select(Branch))}

    # One sheet row per branch and round.
    duplicates = db.session.execute(
        select(Sheet.round_id, Sheet.branch_id, func.count())
        .group_by(Sheet.round_id, Sheet.branch_id)
        .having(func.count() > 1)
    ).all()
    assert not duplicates, f"more than one sheet row for a branch and round: {duplicates}"
    sheets = list(db.session.scalars(select(Sheet).where(Sheet.round_id == round_.id)))
    touched = {a.branch for a in answers if a.outcome == OK}
    assert touched <= {codes[s.branch_id] for s in sheets}

    entries = list(db.session.scalars(select(SheetEntry).where(SheetEntry.round_id == round_.id)))
    numbers = _entry_numbers([e.id for e in entries])
    by_id = {e.id: e for e in entries}

    # Every counted sheet: two identical entries by two accounts, or a supervisor's decision.
    states: Counter[str] = Counter()
    for sheet in sheets:
        code = codes[sheet.branch_id]
        states["annulled" if sheet.annulled else sheet.state] += 1
        first = by_id.get(sheet.first_entry_id) if sheet.first_entry_id else None
        second = by_id.get(sheet.second_entry_id) if sheet.second_entry_id else None
        if sheet.state == "counted":
            counted = by_id[sheet.counted_entry_id]
            if counted.kind in ("resolution", "correction"):
                assert users[counted.user_id][1] in ("supervisor", "admin"), (code, counted.id)
            else:
                assert counted.kind == "entry", (code, counted.kind)
                assert second is counted and first is not None, code
                assert first.kind == "entry", code
                assert first.user_id != counted.user_id, f"{code}: one account made both entries"
                assert numbers[first.id] == numbers[counted.id], f"{code}: entries differ"
                assert first.id < counted.id, code
        else:
            assert sheet.counted_entry_id is None, code
        if sheet.state == "mismatch":
            assert first is not None and second is not None, code
            assert first.user_id != second.user_id, code
            assert numbers[first.id] != numbers[second.id], code
        if sheet.state == "awaiting_second":
            assert first is not None and second is None, code
        if sheet.state == "empty":
            assert first is None and second is None, code

    # Acknowledged saves are in the history; refused ones are not.
    def acked(op: str, key: Callable[[Answer], Any]) -> tuple[Counter[Any], Counter[Any]]:
        """(acknowledged, unanswered) saves of ``op``, counted by ``key``."""
        ops = {op, "resubmit"} if op == "enter" else {op}
        mine = [a for a in answers if a.op in ops]
        return (
            Counter(key(a) for a in mine if a.outcome == OK),
            Counter(key(a) for a in mine if a.outcome == NO_ANSWER),
        )

    with_numbers = lambda a: (a.client, a.branch, a.numbers)  # noqa: E731
    who_where = lambda a: (a.client, a.branch)  # noqa: E731
    for kind, op in (("entry", "enter"), ("correction", "correct")):
        stored = Counter(
            (users[e.user_id][0], codes[e.branch_id], numbers[e.id])
            for e in entries
            if e.kind == kind
        )
        _within(acked(op, with_numbers)[0], stored, acked(op, with_numbers)[1], kind)
    resolutions = Counter(
        (users[e.user_id][0], codes[e.branch_id]) for e in entries if e.kind == "resolution"
    )
    _within(acked("resolve", who_where)[0], resolutions, acked("resolve", who_where)[1], "resolve")
    assert not [e for e in entries if e.kind not in ("entry", "correction", "resolution")]
    for action in ("annul", "reinstate"):
        stored = Counter(
            (users[a.user_id][0], codes[a.branch_id])
            for a in db.session.scalars(
                select(Annulment).where(Annulment.round_id == round_.id, Annulment.action == action)
            )
        )
        _within(acked(action, who_where)[0], stored, acked(action, who_where)[1], action)

    # No lost update: every acknowledged save of a sheet was made on the sheet as the save
    # before it left it. Each save raises the sheet's version by one (the first, which creates
    # the row, from 0 to 2), so the versions the acknowledged saves were shown are 0, 2, 3...
    version_of = {codes[s.branch_id]: s.version for s in sheets}
    for code in sorted({a.branch for a in answers}):
        shown = sorted(int(a.version) for a in answers if a.branch == code and a.outcome == OK)
        assert len(shown) == len(set(shown)), f"{code}: two saves made on one version: {shown}"
        if killed or not shown:
            continue
        assert shown == [0, *range(2, len(shown) + 1)], f"{code}: saves on versions {shown}"
        assert version_of[code] == len(shown) + 1, (code, version_of[code], shown)

    # The audit log says the same, one event per save, each with the entry it made.
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("sheet.%"))))
    audited = {
        "enter": "sheet.enter",
        "resolve": "sheet.resolve",
        "send_back": "sheet.send_back",
        "correct": "sheet.correct",
        "annul": "sheet.annul",
        "reinstate": "sheet.reinstate",
    }
    unanswered_but_stored = 0
    for op, action in audited.items():
        stored = Counter((e.actor, e.branch) for e in events if e.action == action)
        unanswered_but_stored += _within(
            acked(op, who_where)[0], stored, acked(op, who_where)[1], f"audit {action}"
        )
    entry_events = Counter(
        e.after["entry_id"] for e in events if e.action in ("sheet.enter", "sheet.resolve")
    )
    made = Counter(e.id for e in entries if e.kind in ("entry", "resolution"))
    assert entry_events == made, "an entry without its audit event, or an event without its entry"

    # The round's result equals a recount from the counted entries' vote rows.
    result = round_result(round_)
    counting = [s for s in sheets if s.state == "counted" and not s.annulled]
    recount = {
        "counted": len(counting),
        "annulled": sum(1 for s in sheets if s.annulled),
        "ballots_cast": sum(numbers[s.counted_entry_id][0] for s in counting),
        "invalid": sum(numbers[s.counted_entry_id][1] for s in counting),
        "votes": {
            code: sum(numbers[s.counted_entry_id][2][i] for s in counting)
            for i, code in enumerate(CODES)
        },
        "eligible": int(
            db.session.scalar(
                select(func.coalesce(func.sum(Branch.eligible), 0)).where(
                    Branch.id.in_([s.branch_id for s in counting] or [-1])
                )
            )
        ),
    }
    tallied = {
        "counted": result["branches"]["counted"],
        "annulled": result["branches"]["annulled"],
        "ballots_cast": result["totals"]["ballots_cast"],
        "invalid": result["totals"]["invalid"],
        "votes": {c["code"]: c["votes"] for c in result["candidates"]},
        "eligible": result["totals"]["eligible"],
    }
    assert tallied == recount, (tallied, recount)
    assert result["totals"]["valid"] == recount["ballots_cast"] - recount["invalid"]
    assert result["branches"]["total"] == len(workload.branches)

    # The audit chain verifies and never forks.
    verification = verify()
    assert verification.ok, verification.message
    forks = db.session.execute(
        select(AuditEvent.prev_hash, func.count())
        .group_by(AuditEvent.prev_hash)
        .having(func.count() > 1)
    ).all()
    assert not forks, f"audit events sharing a predecessor: {forks}"
    seqs = db.session.execute(
        select(func.min(AuditEvent.seq), func.max(AuditEvent.seq), func.count())
    ).one()
    assert (seqs[0], seqs[1]) == (1, seqs[2]), seqs
    db.session.execute(text("SELECT 1"))  # still a working session
    db.session.remove()

    figures = workload.figures()
    figures.update(
        {
            "sheets_by_state": dict(states),
            "entries": len(entries),
            "unanswered_but_stored": unanswered_but_stored,
            "audit_events": verification.events,
            "result": {"votes": recount["votes"], "counted": recount["counted"]},
        }
    )
    return figures


def served_result(session: StaffSession, server: str) -> dict[str, Any]:
    """The round's result JSON as a server answers it (its own per-process cache).

    Asked once the workers' recheck interval has passed since the last change: a worker may
    answer from the version it read less than RESULTS_RECHECK_SECONDS ago (by design).
    """
    time.sleep(DEFAULT_RECHECK_SECONDS + 0.1)
    answer = session.get(f"/api/v1/elections/{SLUG}/rounds/{ROUND}", server=server)
    assert answer.status_code == 200, answer.status_code
    return dict(answer.json())


def prepare_night(runner: FlaskCliRunner, tmp_path: Path, staff: dict[str, str]) -> list[str]:
    """Load the night's election and create the staff's accounts; the branch codes.

    The night's committee works with four eyes off (its supervisors correct and annul alone):
    the night is about concurrent saves, crashes and double entry; four eyes has tests of its
    own (tests/staff/test_four_eyes.py)."""
    loaded = runner.invoke(
        args=["load", str(write_json(tmp_path / "night.json", night_package(BRANCHES)))]
    )
    assert loaded.exit_code == 0, loaded.output
    off = runner.invoke(args=["four-eyes", SLUG, "off", "--reason", "a small committee"])
    assert off.exit_code == 0, off.output
    create_accounts(runner, staff)
    db.session.remove()
    return branch_codes(BRANCHES)


def database_result(slug: str = SLUG, number: int = ROUND) -> dict[str, Any]:
    """The round's result as the database holds it now (a fresh session)."""
    db.session.remove()
    result = json.loads(json.dumps(round_result(get_round(get_election(slug), number))))
    db.session.remove()
    return dict(result)


def report(title: str, figures: dict[str, Any]) -> None:
    print(f"\n{title}: " + json.dumps(figures, indent=1, sort_keys=True))
