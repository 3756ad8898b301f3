"""Languages of the interface (English, Hebrew and Arabic): wired into the app by ``init_i18n``.

The reader's language is, in this order: ``?lang=he`` / ``?lang=en`` in the address (the language
switch; it is remembered in the ``lang`` cookie for a year), the ``lang`` cookie, the browser's
``Accept-Language`` (a regional variant such as ``en-GB`` is kept, so that dates and numbers come
out the way that reader writes them), and English otherwise.

Interface text is marked with ``_()`` / ``gettext`` and translated from the catalogues in
``primaries/translations/`` (``babel.cfg`` at the top of the repository says what is extracted;
the compiled ``.mo`` files are committed and a test checks they match the ``.po`` files).
Candidate and branch names are never translated: they appear as entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError
from babel import numbers as babel_numbers
from flask import Flask, has_request_context, request
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    format_time,
    get_locale,
    get_timezone,
    gettext,
    ngettext,
    refresh,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from .core.words import PLURAL, Said, Words

LANGUAGES: dict[str, str] = {"en": "English", "he": "עברית", "ar": "العربية"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DASH = "–"
LRM = "\u200e"  # keeps a leading sign on the left of its number in right-to-left text

babel = Babel()

_Number = TypeVar("_Number", int, Decimal)  # abs() of an int | Decimal would type as object


def _chosen_language() -> str | None:
    """The language the reader picked with the switch (this request) or before (the cookie)."""
    for value in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if value in LANGUAGES:
            return value
    return None


def select_locale() -> str | None:
    """Flask-Babel's locale selector (see the module docstring for the order)."""
    if not has_request_context():  # a command: the default locale
        return None
    chosen = _chosen_language()
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        try:
            locale = Locale.parse(tag, sep="-")
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        language = "he" if locale.language == "iw" else locale.language
        if language in LANGUAGES:
            if language == locale.language and locale.territory:
                return f"{language}_{locale.territory}"
            return language
    return "en"


def language() -> str:
    """The interface language of this request: ``en``, ``he`` or ``ar``."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def text_direction() -> str:
    locale = get_locale()
    return "rtl" if locale is not None and locale.text_direction == "rtl" else "ltr"


def lang_tag() -> str:
    """The BCP 47 tag of the page (``<html lang>``), e.g. ``he`` or ``en-GB``."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else "en"


def said(words: Words | None) -> str | None:
    """A sentence of the services (:data:`primaries.core.words.Words`) in the reader's
    language; a value that is itself words is translated first."""
    if words is None:
        return None
    text, values = words
    given = {k: said(v) if isinstance(v, tuple) else v for k, v in values.items() if k != PLURAL}
    if PLURAL in values:
        del given["num"]
        return ngettext(text, values[PLURAL], int(values["num"]), **given)
    return gettext(text, **given)


def said_problems(problems: Iterable[str]) -> list[str]:
    """A refusal's problems in the reader's language: each :class:`~primaries.core.words.Said`
    by its words, a plain text as it is."""
    return [
        said(problem.words) or problem if isinstance(problem, Said) else problem
        for problem in problems
    ]


CANONICAL_ARGS = "primaries.canonical_args"  # a key of the request's WSGI environ


def switch_url(code: str) -> str:
    """The current address with ``lang=code``, keeping every other query parameter (on results
    pages, those the page read, in their normal form: ``results.etags.page_etag``)."""
    kept: list[tuple[str, str]] | None = request.environ.get(CANONICAL_ARGS)
    if kept is None:
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args = list(kept)
    args.append(("lang", code))
    return request.path + "?" + urlencode(args)


# --- number and date formatting (the reader's locale; exact values in, text out) -------------


@lru_cache(maxsize=65536, typed=True)
def _formatted(value: int | Decimal, pattern: str, locale: Locale | None) -> str:
    return babel_numbers.format_decimal(value, format=pattern, locale=locale)


def format_decimal(value: int | Decimal, format: str) -> str:
    """Flask-Babel's ``format_decimal``, each distinct (value, pattern, locale) formatted once.

    A results page shows the same few thousand numbers again and again (and Babel's pattern
    formatting is most of a page's rendering time); the formatted text only depends on these
    three, so it is kept in a bounded LRU shared by every request of the process.
    """
    return _formatted(value, format, get_locale())


def number(value: int | Decimal | None) -> str:
    """An integer with the locale's thousands separators; a dash for "none"."""
    if value is None:
        return DASH
    return format_decimal(value, format="#,##0")


def percent_text(value: str | Decimal | None, *, decimals: int = 2) -> str:
    """A contract percentage string ("32.41") in the locale: "32.41%"; a dash for ``None``."""
    if value is None:
        return DASH
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(Decimal(value), format=pattern) + "%"


def threshold(value: str | Decimal) -> str:
    """A rule's threshold ("40", "33.5") as a percentage, without needless decimals."""
    return format_decimal(Decimal(value), format="#,##0.##") + "%"


def _with_sign(value: _Number | None, pattern: str) -> str:
    if value is None:
        return DASH
    text = format_decimal(abs(value), format=pattern)
    if value > 0:
        return LRM + "+" + text
    if value < 0:
        return LRM + "−" + text
    return text


def signed(value: int | None) -> str:
    """A change in votes with its sign: +1,234 / −56 / 0."""
    return _with_sign(value, "#,##0")


def points(value: Decimal | None) -> str:
    """A change in percentage points with its sign (e.g. turnout), two decimals."""
    return _with_sign(value, "#,##0.00")


def long_date(value: dt.date | None) -> str:
    return format_date(value, format="long") if value is not None else ""


def date_time(value: dt.datetime | None) -> str:
    return format_datetime(value, format="medium") if value is not None else ""


def clock(value: dt.datetime) -> str:
    return format_time(value, format="HH:mm:ss")


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel, the locale selector and the template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Jerusalem")
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the locale on ``g``; where an app context outlives a request (the test
    # client inside a pushed app context) the next request must choose again.
    app.before_request(refresh)

    app.jinja_env.filters.update(
        num=number,
        pct=percent_text,
        threshold=threshold,
        signed=signed,
        points=points,
        long_date=long_date,
        date_time=date_time,
        clock=clock,
    )

    @app.context_processor
    def i18n_context() -> dict[str, Any]:
        return {
            "html_lang": lang_tag(),
            "html_dir": text_direction(),
            "language": language(),
            "languages": LANGUAGES,
            "switch_url": switch_url,
            "bdi": lambda text: Markup("<bdi>{}</bdi>").format(text),
            # One time zone on every page, the election committee's (BABEL_DEFAULT_TIMEZONE,
            # Asia/Jerusalem by default), also for the times live.js writes after an update.
            "time_zone": str(get_timezone()),
        }

    @app.after_request
    def remember_language(response: Response) -> Response:
        """The language switch is remembered; an answer that sets it is never shared by caches."""
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(
                COOKIE,
                chosen,
                max_age=COOKIE_MAX_AGE,
                samesite="Lax",
                httponly=True,
                secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
            )
            response.cache_control.public = False
            response.cache_control.private = True
        return response
