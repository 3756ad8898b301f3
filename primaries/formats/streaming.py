"""A package's JSON text as a document: decoded whole, or, when large, sheet by sheet.

:func:`read_document` decodes with the hooks of :mod:`.values` (keys given twice remembered,
refused numbers kept as written). A text of at least :data:`STREAM_THRESHOLD` characters is not
decoded whole: the structure around the sheets is, and every ``rounds[i].sheets`` array is left
in the text as a :class:`LazyArray` whose items are decoded one at a time when iterated. Once the
package parser has checked them, a round's sheets are a :class:`LazySheets`, which decodes each
sheet again when it is read. A large package is so read with bounded memory (its sheets are
never all held at once), and what is found is the same either way; JSON that is not well-formed
is always reported by the whole-document parse, which names the problem exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from .problems import FormatError
from .specs import SheetSpec
from .values import Unrepresentable, object_pairs, parse_json_int

STREAM_THRESHOLD = 16 * 2**20
"""Packages of at least this many characters are read sheet by sheet (``_lazy_document``)."""

_LONG_DIGITS_RE = re.compile(r"[0-9]{20}")
# Public in json.decoder but absent from its stubs.
_SCANSTRING: Callable[[str, int, bool], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")


def _decoder(text: str) -> json.JSONDecoder:
    # Integers of up to 19 digits are what ``parse_json_int`` returns as plain ints; when the
    # text has no run of 20 digits anywhere, the C parser's own ints are the same and much faster
    # than a Python call per number.
    return json.JSONDecoder(
        object_pairs_hook=object_pairs,
        parse_int=parse_json_int if _LONG_DIGITS_RE.search(text) else None,
        parse_float=Unrepresentable,  # never accepted, and shown as written
        parse_constant=Unrepresentable,
    )


def read_document(text: str) -> Any:
    """The decoded JSON document of a package's text (not empty).

    Raises :class:`FormatError` when the text is not well-formed JSON. A text of at least
    ``STREAM_THRESHOLD`` characters gives its rounds' ``sheets`` as :class:`LazyArray` lists.
    """
    decoder = _decoder(text)
    if len(text) >= STREAM_THRESHOLD:
        try:
            return _lazy_document(text, decoder)
        except _NotStreamable:
            pass  # broken JSON: the whole-document parse below names the problem exactly
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as error:
        raise FormatError([f"line {error.lineno} column {error.colno}: {error.msg}"]) from None
    except RecursionError:
        raise FormatError(["the JSON is nested too deeply"]) from None


class _NotStreamable(Exception):
    """The text is not well-formed JSON; the ordinary parse reports why."""


class LazyArray(list[Any]):
    """A JSON array left in the text: its items are decoded one at a time when iterated.

    It is a ``list`` only so that type checks of the package's shape treat it as the JSON array
    it is; it holds no items itself."""

    def __init__(self, text: str, starts: list[int], scan: Any) -> None:
        super().__init__()
        self.text, self.starts, self.scan = text, starts, scan

    def __iter__(self) -> Any:
        for start in self.starts:
            yield self.scan(self.text, start)[0]

    def __len__(self) -> int:
        return len(self.starts)

    def __bool__(self) -> bool:
        return bool(self.starts)


def _lazy_document(text: str, decoder: json.JSONDecoder) -> Any:
    """The package with every ``rounds[i].sheets`` array left in the text (a ``LazyArray``).

    The structure around them is read here, every other value by the JSON module's own scanner,
    with the same hooks as the whole-document parse, so the values are the same. Raises
    ``_NotStreamable`` at anything that is not well-formed JSON.
    """
    untyped: Any = decoder  # scan_once is set by JSONDecoder.__init__, absent from the stubs
    scan: Callable[[str, int], tuple[Any, int]] = untyped.scan_once

    def skip(index: int) -> int:
        blank = _WHITESPACE_RE.match(text, index)
        assert blank is not None  # the pattern matches the empty string too
        return blank.end()

    def value(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        char = text[index : index + 1]
        if path == () and char == "{":
            return members(index, path)
        if path == ("rounds",) and char == "[":
            return items(index, path)
        if len(path) == 2 and path[0] == "rounds" and char == "{":
            return members(index, path)
        if len(path) == 3 and path[2] == "sheets" and char == "[":
            return lazy(index)
        try:
            return scan(text, index)
        except (StopIteration, json.JSONDecodeError, RecursionError):
            raise _NotStreamable from None

    def members(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        pairs: list[tuple[str, Any]] = []
        index = skip(index + 1)
        if text[index : index + 1] == "}":
            return object_pairs(pairs), index + 1
        while True:
            if text[index : index + 1] != '"':
                raise _NotStreamable
            try:
                key, index = _SCANSTRING(text, index + 1, True)
            except json.JSONDecodeError:
                raise _NotStreamable from None
            index = skip(index)
            if text[index : index + 1] != ":":
                raise _NotStreamable
            item, index = value(skip(index + 1), (*path, key))
            pairs.append((key, item))
            index = skip(index)
            char = text[index : index + 1]
            if char == "}":
                return object_pairs(pairs), index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    def items(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        out: list[Any] = []
        index = skip(index + 1)
        if text[index : index + 1] == "]":
            return out, index + 1
        while True:
            item, index = value(index, (*path, len(out)))
            out.append(item)
            index = skip(index)
            char = text[index : index + 1]
            if char == "]":
                return out, index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    def lazy(index: int) -> tuple[Any, int]:
        starts: list[int] = []
        index = skip(index + 1)
        if text[index : index + 1] == "]":
            return LazyArray(text, starts, scan), index + 1
        while True:
            try:
                _, end = scan(text, index)  # decoded to find its end, then dropped
            except (StopIteration, json.JSONDecodeError, RecursionError):
                raise _NotStreamable from None
            starts.append(index)
            index = skip(end)
            char = text[index : index + 1]
            if char == "]":
                return LazyArray(text, starts, scan), index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    document, end = value(skip(0), ())
    if skip(end) != len(text):
        raise _NotStreamable
    return document


class LazySheets(Sequence[SheetSpec]):
    """A round's checked sheets, decoded again from the text each time they are read.

    ``read(index, item)`` turns the decoded item at ``index`` of the array into its sheet.
    """

    def __init__(self, array: LazyArray, read: Callable[[int, Any], SheetSpec]) -> None:
        self.array, self.read = array, read

    def __iter__(self) -> Iterator[SheetSpec]:
        for index, item in enumerate(self.array):
            yield self.read(index, item)

    def __len__(self) -> int:
        return len(self.array)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # unhashable, like a list (mypy wants a method)

    @overload
    def __getitem__(self, index: int) -> SheetSpec: ...

    @overload
    def __getitem__(self, index: slice) -> list[SheetSpec]: ...

    def __getitem__(self, index: int | slice) -> SheetSpec | list[SheetSpec]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = self.array.starts[index]
        return self.read(index % len(self), self.array.scan(self.array.text, start)[0])
