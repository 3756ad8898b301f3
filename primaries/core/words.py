"""Sentences the services say, to be translated where a page shows them: :data:`Words` (a sentence
marked with ``N_``, with ``%(name)s`` placeholders, and its values), :func:`spelled` (the same
in English, for the command line, files and the services' refusals) and :class:`Said` (a
refusal's sentence: English text that remembers its words). A value may itself be words.
"""

from __future__ import annotations

from typing import Any

Words = tuple[str, dict[str, Any]]
"""A sentence marked for translation (``%(name)s`` placeholders) and its values. A sentence
with a plural has its plural under :data:`PLURAL` among the values, and its count as ``num``."""

PLURAL = "__plural__"


def plural(singular: str, plural_text: str, num: int, **values: Any) -> Words:
    """A sentence said one way for one (``num`` 1) and another for more, translated with
    ``ngettext`` (a language may have more forms). ``pybabel extract -k plural:1,2`` finds both
    (README, Translations)."""
    return singular, {**values, "num": num, PLURAL: plural_text}


def spelled(words: Words | None) -> str | None:
    """The sentence of ``words`` in English (the command line's, and the services' refusals); a
    value that is itself words is spelled first."""
    if words is None:
        return None
    text, values = words
    if not values:  # as gettext does: a sentence without values is not formatted
        return text
    if PLURAL in values and values["num"] != 1:
        text = values[PLURAL]
    return text % {k: spelled(v) if isinstance(v, tuple) else v for k, v in values.items()}


def N_(text: str) -> str:
    """Mark ``text`` for translation where it is defined; it is translated where it is shown."""
    return text


class Said(str):
    """A sentence of the services, as English text (it *is* the ``str`` the command line, files
    and the contract's JSON read) that keeps its :data:`Words`, so that a page can say it in
    the reader's language (``primaries.i18n.said``). A value that is itself a :class:`Said` is
    kept as words: ``Said(N_("reason: %(problem)s"), problem=text_problem(...))``."""

    words: Words

    def __new__(cls, text: str | Words, **values: Any) -> Said:
        sentence, given = (
            (text[0], {**text[1], **values}) if isinstance(text, tuple) else (text, values)
        )
        kept = {k: v.words if isinstance(v, Said) else v for k, v in given.items()}
        words: Words = (sentence, kept)
        made = super().__new__(cls, spelled(words) or "")
        made.words = words
        return made


def about(field: str, problem: str) -> Said:
    """``problem`` about a form's or a file's ``field`` (marked with ``N_``, or a :class:`Said`
    such as ``line 3``): ``reason: at most 2000 characters``, each part said in the reader's
    language where it is shown."""
    where: Words = field.words if isinstance(field, Said) else (field, {})
    return Said(N_("%(field)s: %(problem)s"), field=where, problem=problem)


def on_line(number: int) -> Said:
    """A file's line, as its problems name it (``line 3``)."""
    return Said(N_("line %(line)s"), line=number)


def literal(text: str) -> Said:
    """``text`` shown as it is in every language: a file's column (``invalid``), a JSON path, a
    code; for :func:`about`'s field, which is otherwise translated."""
    return Said("%(literal)s", literal=text)
