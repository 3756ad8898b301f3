"""A file's bytes as text, and text shown safely in a problem.

Every file of the contract is UTF-8 (a byte-order mark allowed and dropped). :func:`decode`
refuses anything else with a problem that says what the file seems to be instead (UTF-16,
another encoding such as Windows-1255); :func:`quote` renders a value in a message so that it
can always be printed, whatever characters it holds.
"""

from __future__ import annotations

import codecs
import json

from .problems import FormatError


def quote(text: str) -> str:
    """``text`` in double quotes, escaped as in JSON, printable whatever it holds."""
    quoted = json.dumps(text, ensure_ascii=False)
    try:
        quoted.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate would break printing the message
        return json.dumps(text)
    return quoted


def decode(raw: bytes | str) -> str:
    """UTF-8 text (a byte-order mark allowed and dropped), or a FormatError saying why not."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatError(
            [
                "the file is not UTF-8 text: it is UTF-16 (it starts with a UTF-16 byte-order "
                "mark); save it as UTF-8"
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise FormatError(
            [
                f"the file is not UTF-8 text: byte 0x{byte:02X} at offset {error.start} "
                "is not valid UTF-8 (is it in another encoding, such as Windows-1255?); "
                "save it as UTF-8"
            ]
        ) from None
    if "\x00" in text:
        offset = raw.index(b"\x00")
        raise FormatError(
            [
                f"the file is not UTF-8 text: it has a NUL byte at offset {offset} "
                "(is it UTF-16?); save it as UTF-8"
            ]
        )
    return text
