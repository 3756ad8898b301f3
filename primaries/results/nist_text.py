"""The words and ids of the NIST ERR v2 file (:mod:`primaries.results.nist`): ``@id`` values
escaped injectively from codes, and names as ``InternationalizedText`` tagged by their script."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

TYPE = "ElectionResults."
_TYPE = TYPE

_UNSAFE = re.compile(r"[^A-Za-z0-9]")


def _escape(match: re.Match[str]) -> str:
    return "".join(f"_{byte:02X}" for byte in match.group().encode())


def ncname(prefix: str, value: str) -> str:
    """An ``@id`` from ``prefix`` and a code: injective for any code, safe in an XML NCName.

    Ids hold only ``[A-Za-z0-9_-]``, so they go into JSON text as they are.
    """
    return f"{prefix}-{_UNSAFE.sub(_escape, value)}"


def script_language(text: str, default: str) -> str:
    """The language of ``text`` by its first letter's script (Hebrew ``he``, Arabic ``ar``,
    Cyrillic ``ru``, other letters ``en``); ``default`` when it has no letter at all."""
    for char in text:
        point = ord(char)
        if 0x0590 <= point <= 0x05FF or 0xFB1D <= point <= 0xFB4F:
            return "he"
        if (
            0x0600 <= point <= 0x06FF
            or 0x0750 <= point <= 0x077F
            or 0x08A0 <= point <= 0x08FF
            or 0xFB50 <= point <= 0xFDFF
            or 0xFE70 <= point <= 0xFEFF
        ):
            return "ar"
        if 0x0400 <= point <= 0x04FF:
            return "ru"
        if char.isalpha():
            return "en"
    return default


def text(name: str, default: str, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``name`` (and every other language in ``names``) as an ``InternationalizedText``."""
    language = script_language(name, default)
    strings = [(language, name)]
    for tag, other in sorted((names or {}).items()):
        if tag != language and other:
            strings.append((tag, other))
    return {
        "@type": _TYPE + "InternationalizedText",
        "Text": [
            {"@type": _TYPE + "LanguageString", "Content": content, "Language": tag}
            for tag, content in strings
        ],
    }
