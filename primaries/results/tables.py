"""The per-branch table of a round: searched, sorted and paged from the query string.

``?q=`` searches code, name and region (case-insensitive, whatever the Unicode form);
``?status=`` keeps counted, pending or annulled branches; ``?region=`` keeps one region;
``?sort=`` is one of :data:`SORT_KEYS` or ``votes-CODE`` for a candidate, ``?dir=asc|desc``;
``?page=`` and ``?per=`` page it. Anything else, or a value out of range, falls back to the
default: a hand-typed address never errors.
Every address is read into one normal form (:func:`parse_query`; ``per`` clamped to the sizes
offered), which names the view: the results pages keep rendered views by it.

The rows come from the cache of the round's data version (:func:`.rows.table_rows`: without
their votes unless the sort needs them), so searching and sorting never reach the database: no
text from the address ever gets near SQL. Only the page's rows are then read with their votes
(:func:`round_table`, by the branch codes found).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..core.limits import CANDIDATE_CODE_RE, page_count, page_number
from ..core.sheets import PublicStatus
from ..models import Round
from .documents import branch_regions
from .rows import BranchRow, code_rows, page_rows, table_rows

if TYPE_CHECKING:
    from .local import LocalNames

SORT_KEYS = ("code", "name", "region", "eligible", "cast", "turnout", "leader", "status")
PER_PAGE = (25, 50, 100, 500)
DEFAULT_PER = 50
STATUSES = (PublicStatus.COUNTED, PublicStatus.PENDING, PublicStatus.ANNULLED)
MAX_QUERY = 100


@dataclass(frozen=True)
class TableQuery:
    q: str = ""
    status: str = ""
    region: str = ""
    sort: str = "code"
    dir: str = "asc"
    page: int = 1
    per: int = DEFAULT_PER

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string of this view (defaults left out), with ``changes`` applied."""
        view = replace(self, **changes)
        defaults = TableQuery()
        return {
            name: str(getattr(view, name))
            for name in ("q", "status", "region", "sort", "dir", "page", "per")
            if getattr(view, name) != getattr(defaults, name)
        }

    def url(self, path: str, **changes: Any) -> str:
        params = self.params(**changes)
        return path + ("?" + urlencode(params) if params else "")

    def sort_url(self, path: str, key: str) -> str:
        """Sort by ``key``; the same key again flips the direction; back to page 1."""
        if self.sort == key:
            direction = "desc" if self.dir == "asc" else "asc"
        else:
            numeric = key in ("eligible", "cast", "turnout") or key.startswith("votes-")
            direction = "desc" if numeric else "asc"
        return self.url(path, sort=key, dir=direction, page=1)

    def aria_sort(self, key: str) -> str | None:
        if self.sort != key:
            return None
        return "ascending" if self.dir == "asc" else "descending"


def _text(value: str | None) -> str:
    """Typed text as one form: NFC, without control or invisible characters, one space between
    words, at most :data:`MAX_QUERY` characters."""
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(text.split())[:MAX_QUERY].strip()


def _per(value: str | None) -> int:
    """``?per=`` clamped to the sizes offered: the smallest that shows as many rows (at most the
    largest); the default when it is not a whole number."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return DEFAULT_PER
    wanted = int(text)
    return next((size for size in PER_PAGE if size >= wanted), PER_PAGE[-1])


def _sort(value: str | None, codes: Sequence[str] | None) -> str:
    sort = value or "code"
    if sort in SORT_KEYS:
        return sort
    code = sort[6:] if sort.startswith("votes-") else ""
    known = CANDIDATE_CODE_RE.match(code) if codes is None else code in codes
    return sort if code and known else "code"


def parse_query(args: Mapping[str, str], codes: Sequence[str] | None = None) -> TableQuery:
    """The table's parameters in their one normal form; unknown values fall back to the defaults.

    ``q`` is also case-folded (the search ignores case), so ``?q=Tel%20 Aviv`` and
    ``?q=tel+aviv`` are one view: pages are kept per normal form (:func:`TableQuery.params`).
    Without ``codes`` a ``votes-CODE`` sort is only checked to be a possible candidate code.
    """
    status = args.get("status", "")
    return TableQuery(
        q=_text(args.get("q")).casefold()[:MAX_QUERY],
        status=status if status in STATUSES else "",
        region=_text(args.get("region")),
        sort=_sort(args.get("sort"), codes),
        dir="desc" if args.get("dir") == "desc" else "asc",
        page=page_number(args.get("page")),
        per=_per(args.get("per")),
    )


def for_ballot(query: TableQuery, codes: Sequence[str]) -> TableQuery:
    """``query`` with a sort by a candidate who is not on this round's ballot undone."""
    if query.sort.startswith("votes-") and query.sort[6:] not in codes:
        return replace(query, sort="code", dir="asc")
    return query


@dataclass(frozen=True)
class TablePage:
    query: TableQuery
    rows: list[BranchRow]
    matched: int
    total: int
    pages: int

    @property
    def first(self) -> int:
        return 0 if not self.matched else (self.query.page - 1) * self.query.per + 1

    @property
    def last(self) -> int:
        return min(self.matched, self.query.page * self.query.per)


def _sort_value(key: str, names: Mapping[str, str]) -> Callable[[BranchRow], Any]:
    if key == "code":
        return lambda row: row.code.casefold()
    if key == "name":
        return lambda row: row.name.casefold()
    if key == "region":
        return lambda row: (row.region or "").casefold()
    if key == "eligible":
        return lambda row: row.eligible
    if key == "cast":
        return lambda row: row.ballots_cast
    if key == "turnout":
        return lambda row: row.turnout_fraction
    if key == "leader":
        return lambda row: names.get(row.leader, "").casefold() if row.leader else None
    if key == "status":
        return lambda row: STATUSES.index(row.status)
    code = key[6:]
    return lambda row: row.votes.get(code) if row.counted else None


def branch_table(
    rows: Sequence[BranchRow],
    query: TableQuery,
    names: Mapping[str, str],
    also: Callable[[BranchRow], str] | None = None,
) -> TablePage:
    """Filter, sort (rows without a value last, in either direction; then by code) and page.

    ``also`` gives more text the search reads for a row: its names in other languages."""
    needle = query.q.casefold()

    def text(row: BranchRow) -> str:
        more = also(row) if also is not None else ""
        return unicodedata.normalize("NFC", f"{row.code}\n{row.name}\n{row.region or ''}\n{more}")

    kept = [
        row
        for row in rows
        if (not needle or needle in text(row).casefold())
        and (not query.status or row.status == query.status)
        and (not query.region or (row.region or "") == query.region)
    ]
    value = _sort_value(query.sort, names)
    kept.sort(key=lambda row: row.code.casefold())
    present = [row for row in kept if value(row) is not None]
    missing = [row for row in kept if value(row) is None]
    present.sort(key=value, reverse=query.dir == "desc")
    ordered = present + missing
    pages = page_count(len(ordered), query.per)
    page = min(query.page, pages)
    query = replace(query, page=page)
    start = (page - 1) * query.per
    return TablePage(
        query=query,
        rows=ordered[start : start + query.per],
        matched=len(ordered),
        total=len(rows),
        pages=pages,
    )


def round_table(
    round_: Round, query: TableQuery, local: LocalNames, names: Mapping[str, str]
) -> tuple[TablePage, list[str]]:
    """The round's table as ``query`` asks (names in ``local``'s language), and the regions of
    its branches (what ``?region=`` offers).

    Only the page's rows are read whole. The rows filtered and sorted have no votes unless the
    sort needs them (:func:`.rows.table_rows`); a view in code order that keeps every branch
    (the first page of the list, as most readers see it) reads only the codes.
    """
    if query.sort == "code" and not (query.q or query.status or query.region):
        rows = code_rows(round_)
        regions = branch_regions(round_)
    else:
        rows = local.rows(table_rows(round_, query.sort))
        regions = sorted({row.region for row in rows if row.region})
    table = branch_table(rows, query, names, also=local.search_text)
    return replace(table, rows=local.rows(page_rows(round_, table.rows))), regions
