# Flask-Babel ships no py.typed and there is no stub package: the part of its API this project
# uses, so that translated text is a str. Anything not written here is Any.
import datetime as dt
from collections.abc import Callable
from typing import Any

from babel import Locale
from flask import Flask

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: Any = None,
        configure_jinja: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], Any] | None = None,
    ) -> None: ...

def get_locale() -> Locale | None: ...
def refresh() -> None: ...
def gettext(string: str, **variables: Any) -> str: ...

_ = gettext

def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def format_datetime(
    datetime: dt.datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_date(
    date: dt.date | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_time(
    time: dt.time | dt.datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def __getattr__(name: str) -> Any: ...
