"""Hebrew, Arabic and English: choosing the language, right-to-left pages, the catalogues
themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from primaries.i18n import select_locale
from tests.results.conftest import text_of

TRANSLATIONS = Path(__file__).resolve().parents[2] / "primaries" / "translations"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("he-IL,he;q=0.9,en;q=0.5", "he_IL"),
        ("he", "he"),
        ("iw", "he_IL"),  # the old code of Hebrew
        ("en-GB,en;q=0.8", "en_GB"),
        ("fr-FR,fr;q=0.9,he;q=0.5", "he"),
        ("fr-FR", "en"),
        ("*", "en"),
        ("", "en"),
        ("xx-!!", "en"),
    ],
)
def test_accept_language_picks_the_first_page_language(
    app: Flask, header: str, expected: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": header}):
        assert select_locale() == expected


def test_the_switch_beats_the_cookie_and_the_cookie_beats_the_browser(app: Flask) -> None:
    with app.test_request_context("/?lang=en", headers={"Cookie": "lang=he"}):
        assert select_locale() == "en"
    with app.test_request_context("/", headers={"Cookie": "lang=he", "Accept-Language": "en"}):
        assert select_locale() == "he"
    with app.test_request_context("/?lang=klingon", headers={"Accept-Language": "he"}):
        assert select_locale() == "he"


def test_hebrew_page_is_right_to_left_and_translated(client: FlaskClient, demo: str) -> None:
    response = client.get("/elections/labor-2011/rounds/1", headers={"Accept-Language": "he"})
    html = response.get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in html
    page = text_of(html)
    assert "תוצאה מאושרת" in page  # "Certified result"
    assert "דיווחו 171 מתוך 171 קלפיות" in page
    assert "אף מועמד לא הגיע ל־40%" in page and "21 בספטמבר 2011" in page
    assert "שלי יחימוביץ'" in page and "Shelly Yacimovich" not in page  # its Hebrew name
    assert "14,203" in page and "32.34%" in page
    assert 'direction="rtl"' in html  # the chart is mirrored
    assert "Provisional result" not in page and "Certified result" not in page


def test_arabic_page_is_right_to_left_and_translated(client: FlaskClient, demo: str) -> None:
    response = client.get("/elections/labor-2011/rounds/1?lang=ar")
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    page = text_of(html)
    assert "Provisional result" not in page and "Certified result" not in page
    assert "No candidate reached" not in page
    assert "14,203" in page  # digits as Arab members in Israel read them (Latin)
    assert "Shelly Yacimovich" in page  # the demo gives no Arabic name: the fallback
    assert 'direction="rtl"' in html
    assert 'href="/elections/labor-2011/rounds/1?lang=he"' in html  # the other two languages
    assert 'href="/elections/labor-2011/rounds/1?lang=en"' in html


def test_english_page_is_left_to_right_with_the_readers_date(
    client: FlaskClient, demo: str
) -> None:
    html = client.get(
        "/elections/labor-2011/rounds/1", headers={"Accept-Language": "en-GB"}
    ).get_data(as_text=True)
    assert '<html lang="en-GB" dir="ltr">' in html and "12 September 2011" in html
    us = client.get("/elections/labor-2011/rounds/1", headers={"Accept-Language": "en-US"})
    assert "September 12, 2011" in us.get_data(as_text=True)


def test_language_switch_is_remembered(client: FlaskClient, demo: str) -> None:
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/?lang=he"' in english and 'lang="he"' in english
    switched = client.get("/elections/labor-2011?lang=he", headers={"Accept-Language": "en"})
    assert 'dir="rtl"' in switched.get_data(as_text=True)
    assert "lang=he" in switched.headers["Set-Cookie"]
    later = client.get("/elections/labor-2011/rounds/2", headers={"Accept-Language": "en"})
    assert 'dir="rtl"' in later.get_data(as_text=True)
    back = client.get("/?lang=en")
    assert 'dir="ltr"' in back.get_data(as_text=True)
    assert 'dir="ltr"' in client.get("/elections/labor-2011").get_data(as_text=True)


def test_switch_link_keeps_the_other_parameters(client: FlaskClient, demo: str) -> None:
    html = client.get("/elections/labor-2011/rounds/2/branches?q=tel&sort=name&lang=en").get_data(
        as_text=True
    )
    assert 'href="/elections/labor-2011/rounds/2/branches?q=tel&amp;sort=name&amp;lang=he"' in html


@pytest.mark.parametrize("language", ["he", "ar"])
def test_every_message_has_a_translation(language: str) -> None:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    assert untranslated == []
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    assert {m.id for m in template if m.id} <= {m.id for m in catalog if m.id}


@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_compiled_catalogues_match_their_sources(language: str) -> None:
    """The .mo files are committed (a fresh clone needs no compile step): keep them current."""
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as fh:
        source = read_po(fh, locale=language)
    with (folder / "messages.mo").open("rb") as fh:
        compiled = read_mo(fh)

    def key(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    expected = {
        key(m.id): key(m.string) for m in source if m.id and any(key(m.string)) and not m.fuzzy
    }
    actual = {key(m.id): key(m.string) for m in compiled if m.id}
    assert actual == expected, "run: pybabel compile -d primaries/translations"


def test_interface_text_is_marked_for_translation() -> None:
    """Every template of the results site goes through the catalogue (no bare English)."""
    import re

    templates = Path(__file__).resolve().parents[2] / "templates" / "results"
    bare = []
    for path in templates.glob("*.html"):
        text = re.sub(r"{[{%#].*?[}%#]}", "", path.read_text(), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        text = re.sub(r"data-[a-z-]+=\"\"", " ", text)  # attributes written by a macro
        for word in re.findall(r"[A-Za-z][a-z]{3,}", text):
            bare.append(f"{path.name}: {word}")
    assert bare == []


def test_the_catalogue_template_holds_every_marked_string() -> None:
    """Every string marked for translation in the code and the templates is in messages.pot (and
    so, by the test above, translated into Hebrew): run pybabel extract and update (README)."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    root = TRANSLATIONS.parents[1]
    method_map = [("primaries/**.py", "python"), ("templates/**.html", "jinja2")]
    marked = {
        message if isinstance(message, str) else next(iter(message))
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, {}, keywords={**DEFAULT_KEYWORDS, "_l": None, "plural": (1, 2)}
        )
        if message
    }
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    known = {m.id if isinstance(m.id, str) else next(iter(m.id)) for m in template if m.id}
    assert sorted(marked - known) == [], "run: pybabel extract and update (README)"


def test_no_words_are_marked_inside_an_f_string() -> None:
    """pybabel does not read inside f-strings: ``f"{_('Words')}"`` never reaches the catalogue,
    so the words stay English on every page (it happened to "its public keys"). Mark them
    outside the f-string. A call on a variable (``_(label)``) is fine: its words are marked
    where they are written."""
    import ast

    root = TRANSLATIONS.parents[1] / "primaries"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Name)
                    and inner.func.id in {"_", "_l", "gettext", "ngettext", "lazy_gettext"}
                    and inner.args
                    and isinstance(inner.args[0], ast.Constant)
                ):
                    found.append(f"{path.relative_to(root.parent)}:{inner.lineno}")
    assert found == []


@pytest.mark.parametrize("language", ["he", "ar"])
def test_every_translation_keeps_the_placeholders(language: str) -> None:
    """A translation that drops or misspells ``%(name)s`` would fail when shown: each keeps the
    English's placeholders (a plural form may leave the number out, as Arabic's one and two)."""
    import re

    placeholder = re.compile(r"%\([a-z_]+\)[sd]|%%")
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            allowed = set(placeholder.findall(" ".join(message.id)))
            wrong += [
                message.id[0] for s in message.string if not set(placeholder.findall(s)) <= allowed
            ]
        elif set(placeholder.findall(message.id)) != set(placeholder.findall(message.string)):
            wrong.append(message.id)
    assert wrong == []
