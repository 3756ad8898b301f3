"""Sentences the services say, to be translated where a page shows them: :data:`Words` (a sentence
marked with ``N_``, with ``%(name)s`` placeholders, and its values) and :func:`spelled` (the same
in English, for the command line, files and the services' refusals). A value may itself be words.
"""

from __future__ import annotations

from typing import Any

Words = tuple[str, dict[str, Any]]
"""A sentence marked for translation (``%(name)s`` placeholders) and its values."""


def spelled(words: Words | None) -> str | None:
    """The sentence of ``words`` in English (the command line's, and the services' refusals); a
    value that is itself words is spelled first."""
    if words is None:
        return None
    text, values = words
    return text % {k: spelled(v) if isinstance(v, tuple) else v for k, v in values.items()}
