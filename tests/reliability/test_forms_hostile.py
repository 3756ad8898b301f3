"""Hostile input to the staff forms, over real HTTP (hypothesis).

The app (CSRF on) is served on 127.0.0.1; staff sessions sign in through the real form and take
each form's real CSRF token and hidden version from the page, then post random text, huge,
negative and non-decimal numbers, NUL bytes, invalid UTF-8, very long strings, missing and
repeated fields to the entry form, the mismatch decision and send-back, the correction, the
annulment and its reversal, and the lot; and CSV files in cp1255 and UTF-16, truncated, binary
or with NUL bytes to both imports. Every answer is a success, or a 4xx page with a message a
person can act on (never a 500, never a traceback), and a refusal changes nothing at all (every
row of every table is as before). Bodies over the limits are refused with 413 and a message by
gunicorn itself: a 50 MB upload, and a form field larger than a form field may be.
"""

from __future__ import annotations

import html
import re
import select
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from primaries.core.limits import MAX_INT
from primaries.extensions import db
from primaries.sheets.place import locate
from tests.browser.conftest import LiveServer
from tests.reliability.conftest import (
    Gunicorn,
    StaffSession,
    create_admin,
    flashes,
    post_forms,
    problems_in,
    sign_in,
    snapshot,
    verify_audit,
)

pytestmark = pytest.mark.slow

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SLUG = "test-2024"
ROUND2 = f"/staff/elections/{SLUG}/rounds/2"
SHEETS = f"{ROUND2}/sheets"


@pytest.fixture
def served(make_app: Callable[..., Flask], counting: None) -> Iterator[str]:
    """The app with CSRF protection on, served by werkzeug on 127.0.0.1."""
    with LiveServer(make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False)) as server:
        yield server.url


_OPEN: list[StaffSession] = []


@pytest.fixture(autouse=True)
def _close_sessions() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def signed_in(url: str, name: str) -> StaffSession:
    """A new browser session signed in as ``name`` (closed after the test)."""
    session = StaffSession([url])
    _OPEN.append(session)
    session.sign_in(name)
    return session


# --------------------------------------------------------------------------------------------
# Judging an answer

_ERROR_PAGE = re.compile(r"<h1>.*?</h1>\s*<p>(.*?)</p>", re.S)
# Why the sheet cannot be typed (any more): "You made the first entry of this sheet..."
_NOTICES = re.compile(r'<p class="notice[^"]*">(.*?)</p>', re.S)


def judge(session: StaffSession, answer: Any) -> str:
    """``saved`` or ``refused``; anything but a success or a 4xx with a message fails."""
    assert answer.status_code < 500, (answer.status_code, answer.text[:2000])
    assert "Traceback" not in answer.text
    if answer.status_code in (302, 303):
        page = session.follow(answer)
        assert page.status_code == 200, page.status_code
        said = flashes(page.text)
        assert said, f"a redirect to {answer.headers['Location']} without a message"
        return "saved" if all(category == "success" for category, _ in said) else "refused"
    assert answer.status_code in (400, 401, 403, 404, 409, 413, 422), answer.status_code
    message = problems_in(answer.text) or [
        html.unescape(text).strip()
        for text in [*_NOTICES.findall(answer.text), *_ERROR_PAGE.findall(answer.text)[:1]]
    ]
    assert any(message), f"a {answer.status_code} without a message: {answer.text[:1000]}"
    return "refused"


class Tally:
    """Counts the answers and checks that a refusal changed nothing."""

    def __init__(self) -> None:
        self.before = snapshot()
        self.answers: dict[str, int] = {}

    def after(self, what: str, outcome: str) -> None:
        self.answers[f"{what} {outcome}"] = self.answers.get(f"{what} {outcome}", 0) + 1
        now = snapshot()
        if outcome == "refused":
            assert now == self.before, f"{what}: a refused post changed the database"
        self.before = now


# --------------------------------------------------------------------------------------------
# Hostile values

numbers_text = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "+5",
            "1e3",
            "0x10",
            "12.0",
            "1,000",
            "١٢",  # Arabic-Indic digits
            "\uff11\uff12",  # full-width digits
            "NaN",
            "Infinity",
            str(MAX_INT),
            str(MAX_INT + 1),
            str(2**64),
            "9" * 400,
            "0" * 5000 + "1",
            "12\x00",
            "\x00",
            "<script>alert(1)</script>",
            '=HYPERLINK("http://example.com")',
        ]
    ),
    st.text(max_size=30),
)
reason_text = st.one_of(
    st.text(max_size=60),
    st.text(max_size=20).map(lambda s: f"{s}\x00{s}"),
    st.sampled_from(["", "   ", "\r\n", "<script>alert(1)</script>", "=cmd|' /C calc'!A0"]),
    st.integers(min_value=1990, max_value=2010).map(lambda n: "r" * n),
    st.integers(min_value=10_000, max_value=200_000).map(lambda n: "long " * (n // 5)),
)
version_text = st.one_of(
    st.sampled_from(["", "-1", "0", "1", "2", "3", "99999999999999999999999", "1.0", "x"]),
    st.integers(min_value=-5, max_value=10).map(str),
)


MISSING, FORGED = object(), object()


@st.composite
def hostile_changes(draw: st.DrawFn, values: dict[str, Any]) -> dict[str, Any]:
    """Changes to a real form (its token, version, plausible values): one or more fields
    replaced by hostile values, left out (``MISSING``) or repeated, fields the form does not
    have, now and then a forged or missing CSRF token. Drawn without looking at the page, so
    that hypothesis can replay an example whatever the database holds by then."""
    changes: dict[str, Any] = {}
    names = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, max_size=3, unique=True))
    for name in names:
        how = draw(st.sampled_from(["value", "value", "value", "missing", "repeated"]))
        if how == "missing":
            changes[name] = MISSING
        elif how == "repeated":
            changes[name] = [draw(values[name]), draw(values[name])]
        else:
            changes[name] = draw(values[name])
    if draw(st.integers(0, 9)) == 0:
        changes[draw(st.text(min_size=1, max_size=10))] = draw(st.text(max_size=10))
    if draw(st.integers(0, 19)) == 0:
        changes["csrf_token"] = draw(st.sampled_from(["", "forged", FORGED]))
    return changes


def changed(form: dict[str, str], changes: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = dict(form)
    for name, value in changes.items():
        if value is MISSING:
            data.pop(name, None)
        elif value is FORGED:  # a real token, damaged
            data[name] = form.get("csrf_token", "x")[:-2] + "AA"
        else:
            data[name] = value
    return data


def sheet_values(codes: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {"ballots_cast": numbers_text, "invalid": numbers_text}
    values.update({f"votes_{code}": numbers_text for code in codes})
    values["version"] = version_text
    return values


def raw_body(fields: dict[str, str], hostile: dict[str, bytes]) -> bytes:
    """An urlencoded body whose hostile values are arbitrary bytes (invalid UTF-8, NUL...)."""
    pairs = [(k.encode(), v.encode()) for k, v in fields.items() if k not in hostile]
    pairs += [(k.encode(), v) for k, v in hostile.items()]
    return b"&".join(
        quote_from_bytes(k).encode() + b"=" + quote_from_bytes(v).encode() for k, v in pairs
    )


def the_form(session: StaffSession, path: str, has: str) -> dict[str, str] | None:
    page = session.get(path)
    assert page.status_code == 200, (path, page.status_code)
    form = next((f for f in post_forms(page.text) if has in f.fields), None)
    return None if form is None else dict(form.fields)


# --------------------------------------------------------------------------------------------
# The forms of a sheet and of the round


def test_the_staff_forms_answer_hostile_input_with_a_message_and_change_nothing(
    app: Flask, runner: FlaskCliRunner, served: str
) -> None:
    clerk, supervisor = signed_in(served, "clerk2"), signed_in(served, "super1")
    tally = Tally()
    plausible = {"ballots_cast": "150", "invalid": "0", "votes_AAA": "75", "votes_BBB": "75"}
    sheet = sheet_values(["AAA", "BBB"])

    def form_or_token(session: StaffSession, path: str, has: str) -> dict[str, str]:
        """The page's form, or (where the page has none now) the token and version 0: a post
        from a page kept open from before."""
        return the_form(session, path, has) or {"csrf_token": csrf_of(session), "version": "0"}

    @HOSTILE
    @given(branch=st.sampled_from(["B3", "B4"]), changes=hostile_changes(sheet))
    def entry(branch: str, changes: dict[str, Any]) -> None:
        path = f"{SHEETS}/{branch}"
        form = {**form_or_token(clerk, path, "ballots_cast"), **plausible}
        tally.after("entry", judge(clerk, clerk.post(path, changed(form, changes))))

    @HOSTILE
    @given(
        hostile=st.dictionaries(
            st.sampled_from(["ballots_cast", "votes_AAA", "version", "csrf_token", "x\x00"]),
            st.binary(max_size=40),
            min_size=1,
        )
    )
    def entry_bytes(hostile: dict[str, bytes]) -> None:
        path = f"{SHEETS}/B4"
        form = {**form_or_token(clerk, path, "ballots_cast"), **plausible}
        answer = clerk.post(
            path,
            raw_body(form, hostile),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        tally.after("entry (bytes)", judge(clerk, answer))

    @HOSTILE
    @given(changes=hostile_changes({**sheet, "reason": reason_text}))
    def correction(changes: dict[str, Any]) -> None:
        path = f"{SHEETS}/B1/correct"
        form = form_or_token(supervisor, path, "ballots_cast")
        tally.after("correction", judge(supervisor, supervisor.post(path, changed(form, changes))))

    choice = st.one_of(st.sampled_from(["1", "2", "paper", "3", ""]), st.text(max_size=5))
    decision = {f"choice_votes_{c}": choice for c in ("AAA", "BBB")}
    decision.update({f"paper_votes_{c}": numbers_text for c in ("AAA", "BBB")})
    decision["version"] = version_text

    @HOSTILE
    @given(
        decide=st.booleans(),
        to_decide=hostile_changes(decision),
        to_send_back=hostile_changes({"reason": reason_text, "version": version_text}),
    )
    def mismatch(decide: bool, to_decide: dict[str, Any], to_send_back: dict[str, Any]) -> None:
        if decide:
            path = f"{SHEETS}/B2/resolve"
            form = form_or_token(supervisor, path, "version")
            posted = changed(form, to_decide)
        else:
            path = f"{SHEETS}/B2/send-back"
            form = form_or_token(supervisor, f"{SHEETS}/B2", "reason")
            posted = changed(form, to_send_back)
        tally.after("mismatch", judge(supervisor, supervisor.post(path, posted)))

    @HOSTILE
    @given(changes=hostile_changes({"reason": reason_text, "version": version_text}))
    def annulment(changes: dict[str, Any]) -> None:
        path = f"{SHEETS}/B5/annulment"
        form = form_or_token(supervisor, path, "reason")
        tally.after("annulment", judge(supervisor, supervisor.post(path, changed(form, changes))))

    place = st.one_of(st.sampled_from(["AAA", "BBB", "CCC", "", "aaa"]), st.text(max_size=6))

    @HOSTILE
    @given(
        changes=hostile_changes(
            {"place_1": place, "place_2": place, "place_3": place, "note": reason_text}
        )
    )
    def lot(changes: dict[str, Any]) -> None:
        path = f"{ROUND2}/lot"
        form = form_or_token(supervisor, path, "note")
        tally.after("lot", judge(supervisor, supervisor.post(path, changed(form, changes))))

    for form in (entry, entry_bytes, correction, mismatch, annulment, lot):
        form()
    verify_audit(runner)
    print(f"\nhostile staff forms: {sum(tally.answers.values())} posts: {tally.answers}")
    assert sum(tally.answers.values()) >= 6 * 20


def csrf_of(session: StaffSession) -> str:
    """The session's CSRF token, from any form of the workspace's home page."""
    return post_forms(session.get("/staff/").text)[0].fields["csrf_token"]


# --------------------------------------------------------------------------------------------
# Regressions found by the property test above


def test_a_count_of_only_spaces_is_refused_with_a_message_not_a_server_error(
    make_app: Callable[..., Flask], runner: FlaskCliRunner, counting: None
) -> None:
    """A count field holding only spaces passed ``InputRequired`` as no number at all, and the
    entry and the correction then failed with a TypeError (500)."""
    create_admin(runner)
    web = make_app().test_client()
    sign_in(web)
    before = snapshot()
    for path, extra in ((f"{SHEETS}/B4", {}), (f"{SHEETS}/B1/correct", {"reason": "recount"})):
        branch = path.split("/")[7]
        for blank in (" ", "\t", " \u00a0 "):
            for name in ("ballots_cast", "votes_AAA"):
                data = {
                    "version": str(locate(SLUG, 2, branch).version),
                    "ballots_cast": "150",
                    "invalid": "0",
                    "votes_AAA": "75",
                    "votes_BBB": "75",
                    **extra,
                    name: blank,
                }
                db.session.remove()
                page = web.post(path, data=data)
                assert page.status_code == 422, (path, name, blank, page.status_code)
                assert "Type the number on the sheet (0 if there is none)." in page.text
    assert snapshot() == before


def test_a_damaged_hidden_version_is_explained_on_the_page(
    make_app: Callable[..., Flask], runner: FlaskCliRunner, counting: None
) -> None:
    """The hidden version field's error was shown nowhere: a 422 page without a word."""
    create_admin(runner)
    web = make_app().test_client()
    sign_in(web)
    before = snapshot()
    sheet = {"ballots_cast": "150", "invalid": "0", "votes_AAA": "75", "votes_BBB": "75"}
    for path, data in (
        (f"{SHEETS}/B4", sheet),
        (f"{SHEETS}/B1/correct", {**sheet, "reason": "recount"}),
        (f"{SHEETS}/B2/resolve", {"choice_votes_AAA": "1", "choice_votes_BBB": "1"}),
        (f"{SHEETS}/B5/annulment", {"reason": "observers removed"}),
    ):
        for version in ("", "-1", "two"):
            page = web.post(path, data={**data, "version": version})
            assert page.status_code == 422, (path, version, page.status_code)
            assert "This form is damaged: reload the page." in page.text, path
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# CSV uploads

encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1255"])
csv_cell = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["", "B4", "B5", "0", "50", "1,000", '"', "\x00", "\r\n", "=1+1", "שלום"]),
)


@st.composite
def hostile_csv(draw: st.DrawFn, header: list[str], rows: list[str]) -> bytes:
    """A CSV in a random encoding: the header (sometimes damaged), plausible and random rows,
    possibly cut short; or random bytes."""
    if draw(st.integers(0, 7)) == 0:
        return draw(st.binary(max_size=2000))
    head = list(header)
    if draw(st.integers(0, 4)) == 0:
        head[draw(st.integers(0, len(head) - 1))] = draw(csv_cell)
    width = len(head)
    lines = [",".join(head), *draw(st.lists(st.sampled_from(rows), max_size=3))]
    lines += [
        ",".join(cells)
        for cells in draw(st.lists(st.lists(csv_cell, min_size=width, max_size=width), max_size=4))
    ]
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(encodings)
    raw = text.encode(encoding, errors="replace")
    if draw(st.booleans()) and raw:
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    return raw


filenames = st.one_of(
    st.sampled_from(["sheets.csv", "../../etc/passwd", "a\x00b.csv", "", "x" * 300, "גיליון.csv"]),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
SHEET_ROWS = ["B4,100,0,50,50", "B4,100,0,50,51", "B5,400,0,200,200", "B1,300,4,148,148"]
BRANCH_ROWS = ["B6,New branch,North,100", "B1,Haifa - Carmel,North,-5", "B4,Mitzpe,South,10"]


def test_the_csv_uploads_answer_hostile_files_with_a_message_and_change_nothing(
    app: Flask, runner: FlaskCliRunner, served: str
) -> None:
    supervisor, admin = signed_in(served, "super1"), signed_in(served, "admin1")
    tally = Tally()

    def upload(session: StaffSession, path: str, raw: bytes, name: str, extra: dict) -> str:
        form = the_form(session, path, "csrf_token") or {"csrf_token": csrf_of(session)}
        answer = session.post(
            path,
            {**form, **extra},
            files={"file": (name, raw, "text/csv")},
        )
        if answer.status_code == 200 and '<div class="notice ok"' in answer.text:
            return "saved"
        return judge(session, answer)

    @HOSTILE
    @given(
        raw=hostile_csv(["branch", "ballots_cast", "invalid", "AAA", "BBB"], SHEET_ROWS),
        name=filenames,
        correct=st.sampled_from([{}, {"correct": "y"}, {"correct": "\x00"}]),
        reason=st.one_of(st.just({}), reason_text.map(lambda r: {"reason": r})),
    )
    def sheets(raw: bytes, name: str, correct: dict, reason: dict) -> None:
        path = f"{ROUND2}/import/sheets"
        tally.after("sheets.csv", upload(supervisor, path, raw, name, {**correct, **reason}))

    @HOSTILE
    @given(raw=hostile_csv(["code", "name", "region", "eligible"], BRANCH_ROWS), name=filenames)
    def branches(raw: bytes, name: str) -> None:
        path = f"/staff/elections/{SLUG}/import/branches"
        tally.after("branches.csv", upload(admin, path, raw, name, {}))

    sheets()
    branches()
    verify_audit(runner)
    print(f"\nhostile uploads: {sum(tally.answers.values())} posts: {tally.answers}")
    assert sum(tally.answers.values()) >= 2 * 20


# --------------------------------------------------------------------------------------------
# Bodies over the limits, through gunicorn


def stream_post(url: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """POST ``body`` over a plain socket and read the answer as soon as it comes: a server that
    refuses a body too large answers before it has read it all, and may then close."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", int(parts.port or 80)
    with socket.create_connection((host, port), timeout=60) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        sent = 0
        while sent < len(body):
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable or not writable:
                break
            try:
                sent += sock.send(body[sent : sent + 256 * 1024])
            except OSError:  # the server closed its side: its answer may be waiting
                break
        raw = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
            top, found, rest = raw.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", top)
            if found and length and len(rest) >= int(length.group(1)):
                break
    top, _, rest = raw.partition(b"\r\n\r\n")
    assert top.startswith(b"HTTP/1."), raw[:200]
    return int(top.split()[1]), rest.decode("utf-8", errors="replace")


def multipart(fields: dict[str, str], file: bytes) -> tuple[str, bytes]:
    boundary = "hostile-boundary-7f3a"
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    out += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '.encode()
    out += b'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n' + file + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


def test_bodies_over_the_limits_get_413_with_a_message_from_gunicorn(
    app: Flask, runner: FlaskCliRunner, counting: None, database_url: str, tmp_path: Any
) -> None:
    path = f"{ROUND2}/import/sheets"
    with Gunicorn(database_url, tmp_path / "gunicorn.log", threads=2) as server:
        supervisor = signed_in(server.url, "super1")
        token = the_form(supervisor, path, "csrf_token")
        assert token is not None
        cookie = "; ".join(f"{k}={v}" for k, v in supervisor.http.cookies.get_dict().items())
        before = snapshot()

        row = b"B4,100,0,50,50\n"
        fifty_mb = b"branch,ballots_cast,invalid,AAA,BBB\n" + row * (50 * 1024 * 1024 // len(row))
        kind, body = multipart({"csrf_token": token["csrf_token"]}, fifty_mb)
        status, page = stream_post(server.url, path, {"Content-Type": kind, "Cookie": cookie}, body)
        assert status == 413, (status, page[:500])
        assert "at most 20 MB" in page and "Split the file" in page

        kind, body = multipart({"csrf_token": token["csrf_token"], "reason": "x" * 600_000}, row)
        status, page = stream_post(server.url, path, {"Content-Type": kind, "Cookie": cookie}, body)
        assert status == 413, (status, page[:500])
        assert "The form is too large" in page and "shorten the text" in page

        assert snapshot() == before
        # The server took no harm: the same upload, of a sane size, is imported.
        small = b"branch,ballots_cast,invalid,AAA,BBB\n" + row
        answer = supervisor.post(path, token, files={"file": ("b4.csv", small, "text/csv")})
        assert answer.status_code == 200 and "Added: B4." in answer.text, answer.text[:2000]
        assert server.log_problems() == []
