"""Hostile input (hypothesis): random bytes and text, NUL bytes, cp1255 and UTF-16, truncated files,
huge and negative numbers, fed to ``load``, ``import-branches`` and ``import-sheets`` through the
command line, and random path segments and query parameters to every GET route.

Every refusal is exit 1 (exit 2 where click itself refuses an option) with a message and no
traceback, or a 4xx page; never a 500; and the database is exactly as before (every row of every
table), so the audit chain is unchanged too. The election the inputs aim at is the small package
of ``tests/conftest.py``; a package under a new slug could only be loaded if it were valid, and
every generated package is made invalid on purpose.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from primaries.core.limits import MAX_INT
from primaries.extensions import db
from tests.conftest import small_package
from tests.reliability.conftest import snapshot, verify_audit

HOSTILE = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------------------------
# Building blocks

huge_or_negative = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=MAX_INT + 1),
    st.sampled_from([-(2**63), 2**63, 2**64, 10**40, -1, -(10**30)]),
)
not_a_count = st.one_of(
    huge_or_negative,
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["12", "", "1e3", "0x10", "١٢"]),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
unstorable_text = st.one_of(
    st.text(max_size=20).map(lambda s: s + "\x00"),
    st.text(max_size=20).map(lambda s: "\ud800" + s),
)
encodings = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1255", "utf-8-sig"])


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace" if encoding == "cp1255" else "surrogatepass")


def _assert_refused(result: Any, *, usage_ok: bool = False) -> None:
    """Exit 1 (or 2 for click's own usage errors) with a message; no traceback."""
    allowed = (1, 2) if usage_ok else (1,)
    assert result.exit_code in allowed, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.strip(), "a refusal says why"
    assert "Traceback" not in result.output


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i))]
    return [(path, value)]


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(document)
    target = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


def _fresh_package() -> dict[str, Any]:
    package = small_package()
    package["election"]["slug"] = "hostile-2024"
    package["election"]["name"] = "פריימריז עוינים"  # Hebrew: cp1255 and UTF-8 differ
    return package


FRESH = _fresh_package()
COUNT_LEAVES = [
    path
    for path, value in _leaves(FRESH)
    if isinstance(value, int) and not isinstance(value, bool) and path[-1] != "number"
]
TEXT_LEAVES = [path for path, value in _leaves(FRESH) if isinstance(value, str)]


@st.composite
def hostile_packages(draw: st.DrawFn) -> bytes:
    """A package that must be refused, in one of several hostile shapes."""
    kind = draw(st.sampled_from(["bytes", "count", "text", "truncated", "encoding", "text-doc"]))
    if kind == "bytes":
        return draw(st.binary(max_size=3000))
    if kind == "text-doc":
        return _encode(draw(st.text(max_size=500)), draw(encodings))
    if kind == "count":
        path = draw(st.sampled_from(COUNT_LEAVES))
        return json.dumps(_replace(FRESH, path, draw(not_a_count))).encode()
    if kind == "text":
        path = draw(st.sampled_from(TEXT_LEAVES))
        return json.dumps(_replace(FRESH, path, draw(unstorable_text))).encode()
    raw = json.dumps(FRESH, ensure_ascii=False, indent=draw(st.sampled_from([None, 1])))
    if kind == "truncated":
        encoded = raw.encode()
        return encoded[: draw(st.integers(min_value=0, max_value=len(encoded.rstrip()) - 1))]
    return _encode(raw, draw(st.sampled_from(["utf-16", "utf-16-le", "cp1255"])))


csv_cell = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["", "B1", "B2", "0", "1,000", '"', '""', "\x00", "\r\n", "=1+1"]),
)


@st.composite
def hostile_csv(draw: st.DrawFn, header: list[str], bad_rows: list[str]) -> bytes:
    """A CSV with the right header, random rows and at least one row that must be refused,
    in a random encoding, possibly truncated after the bad row."""
    width = len(header)
    rows = draw(st.lists(st.lists(csv_cell, min_size=width, max_size=width), max_size=6))
    lines = [",".join(header), draw(st.sampled_from(bad_rows))]
    lines += [",".join(cells) for cells in rows]
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))
    encoding = draw(encodings)
    raw = _encode(text, encoding)
    # Never cut into the bad row: measured in the file's own encoding (a BOM, two-byte units).
    keep = len(_encode("\n".join(lines[:2]), encoding))
    if draw(st.booleans()) and len(raw) > keep:
        raw = raw[: draw(st.integers(min_value=keep, max_value=len(raw)))]
    return raw


BRANCH_HEADER = ["code", "name", "region", "eligible"]
BAD_BRANCH_ROWS = [
    "B1,Haifa,North,-1",
    "B9,Nowhere,,99999999999999999999",
    "B9,No\x00where,,5",
    "B9,Nowhere,,1e3",
    "B9,Nowhere,,5,extra",
    "B1,,North,5",
    "b@d,Name,,5",
]
SHEET_HEADER = ["branch", "ballots_cast", "invalid", "AAA", "BBB", "CCC", "DDD"]
BAD_SHEET_ROWS = [
    "B1,300,4,100,90,60,-46",
    "B1,300,4,100,90,60,47",
    "B1,99999999999999999999,0,0,0,0,0",
    "B2,500,5,150,160,120,65.0",
    "B3,120,0,30,46,10",
    "NOPE,1,0,1,0,0,0",
    "B5,1,0,1,0,0,0",
]

# --------------------------------------------------------------------------------------------
# The command line


@HOSTILE
@given(raw=hostile_packages())
def test_load_refuses_hostile_packages(
    app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any], raw: bytes
) -> None:
    before = snapshot()
    result = runner.invoke(args=["load", "-"], input=raw)
    _assert_refused(result)
    assert snapshot() == before


@HOSTILE
@given(raw=hostile_csv(BRANCH_HEADER, BAD_BRANCH_ROWS))
def test_import_branches_refuses_hostile_csv(
    app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any], raw: bytes
) -> None:
    before = snapshot()
    result = runner.invoke(args=["import-branches", "test-2024", "-"], input=raw)
    _assert_refused(result)
    assert snapshot() == before


round_option = st.one_of(
    st.just("1"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["0", "2", "2147483648", "9223372036854775808", "one", "", "1\x00"]),
)
reason_option = st.one_of(st.none(), st.just("recount"), st.text(max_size=30), unstorable_text)


@HOSTILE
@given(
    raw=hostile_csv(SHEET_HEADER, BAD_SHEET_ROWS),
    round_number=round_option,
    reason=reason_option,
    slug=st.one_of(st.just("test-2024"), st.text(max_size=20)),
)
def test_import_sheets_refuses_hostile_csv(
    app: Flask,
    runner: FlaskCliRunner,
    loaded: dict[str, Any],
    raw: bytes,
    round_number: str,
    reason: str | None,
    slug: str,
) -> None:
    before = snapshot()
    args = ["import-sheets", slug, "--round", round_number]
    if reason is not None:
        args += ["--correct", "--reason", reason]
    result = runner.invoke(args=[*args, "-"], input=raw)
    _assert_refused(result, usage_ok=True)
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# HTTP: every GET route, with hostile path segments and query parameters

segment_text = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["test-2024", "B1", "1", "..", "%00", "%2e%2e%2f", "\x00", "\ud800", "ﬀ"]),
)
query = st.dictionaries(
    st.one_of(
        st.sampled_from(
            ["next", "q", "status", "region", "sort", "dir", "page", "per", "round", "format"]
        ),
        st.text(max_size=8),
    ),
    segment_text,
    max_size=4,
)


EDGE_SEGMENTS = [
    "2147483648",
    "9223372036854775808",
    "9" * 30,
    "-1",
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%FF",
    "..",
    "%2e%2e%2f%2e%2e%2fsetup.cfg",
    "x" * 5000,
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
]


def _existing(rule: Any, name: str) -> str:
    """A value of argument ``name`` that names something of the loaded election."""
    if isinstance(rule._converters[name], IntegerConverter):
        return "1"
    known = {"filename": "style.css", "slug": "test-2024", "branch": "B1", "code": "B1"}
    return known.get(name, "test-2024" if "election" in name else "B1")


def _quote(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _get_rules(app: Flask) -> list[Any]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())), key=lambda r: r.rule
    )


big_number = st.one_of(
    st.sampled_from(["0", "1", "2147483648", "9223372036854775808", "9" * 30]),
    st.integers(min_value=0, max_value=10**30).map(str),
)


@st.composite
def hostile_paths(draw: st.DrawFn) -> str:
    """Any path at all (never starting with '//', which a client reads as a host name)."""
    segments = draw(st.lists(segment_text, min_size=1, max_size=5))
    return "/" + "/".join(_quote(s) or "x" for s in segments)


@st.composite
def hostile_urls(draw: st.DrawFn, rule: Any) -> str:
    """The rule's path with hostile values for its arguments, and hostile query parameters."""
    path = rule.rule
    for name in rule.arguments:
        if isinstance(rule._converters[name], IntegerConverter) and draw(st.booleans()):
            value = draw(big_number)
        else:
            value = _quote(draw(segment_text)) or "x"
        path = path.replace(f"<{_placeholder(rule, name)}>", value)
    params = draw(query)
    if params:
        encoded = {
            k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
            for k, v in params.items()
        }
        path += "?" + urlencode(encoded)
    return path


def _placeholder(rule: Any, name: str) -> str:
    """The text between < and > for argument ``name`` in the rule (``int:number``, ``slug``)."""
    for part in rule.rule.split("<")[1:]:
        inner = part.split(">", 1)[0]
        if inner.split(":")[-1] == name:
            return inner
    raise AssertionError(f"{name} not in {rule.rule}")


def test_every_get_route_answers_hostile_urls_without_a_server_error(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, loaded: dict[str, Any]
) -> None:
    rules = _get_rules(app)
    assert len(rules) >= 8
    before = snapshot()
    answered: dict[int, int] = {}

    def check(url: str) -> None:
        response = client.get(url)
        response.close()
        db.session.remove()  # a server gives every request a fresh session; so does this test
        answered[response.status_code] = answered.get(response.status_code, 0) + 1
        assert response.status_code < 500, (url, response.status_code)
        assert b"Traceback" not in response.data

    # The known-dangerous values, in every argument of every route, every time...
    # (one argument at a time, the others naming things that exist)...
    for rule in rules:
        for hostile in rule.arguments:
            for value in EDGE_SEGMENTS:
                path = rule.rule
                for name in rule.arguments:
                    given_value = value if name == hostile else _existing(rule, name)
                    path = path.replace(f"<{_placeholder(rule, name)}>", given_value)
                check(path)
                check(f"{path}?next={value}&q={value}&sort={value}&page={value}&per={value}")
    # ...and random ones.
    for rule in [*rules, None]:
        strategy = hostile_paths() if rule is None else hostile_urls(rule)

        @settings(HOSTILE, max_examples=15)
        @given(url=strategy)
        def property_(url: str) -> None:
            check(url)

        property_()
    assert snapshot() == before
    verify_audit(runner)
    assert sum(answered.values()) >= 15 * len(rules)
