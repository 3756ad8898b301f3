"""How the committee's lots order candidates with equal votes.

How lots work (CONTRACT section 3): a lot is an ordering of codes recorded by the committee for a
round. It matters only inside a group of candidates with equal votes, and only for the members
of that group it names. For each such group, the pairwise precedences of the lots are taken
newest lot first; within one lot, pairs are taken in the lot's order (first named against every
later one, then the second, ...). A precedence ``a before b`` is taken only if it does not
contradict (close a cycle with) the precedences already taken, so the most recent lot holds for
any pair it names and a cycle among older lots cannot break anything. The group is then ordered
topologically, remaining freedom broken by code. The first ``k`` members of a group are *decided
by lot* when each of them precedes, through the taken precedences, every member after them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .limits import is_int


@dataclass(frozen=True)
class LotOrder:
    """How the recorded lots order one group of candidates with equal votes.

    ``order``: the group's order (lots, then code). ``precedes``: for each member, the members
    it precedes through the precedences taken from the lots (transitively closed).
    """

    order: tuple[str, ...]
    precedes: Mapping[str, frozenset[str]]

    def decides_first(self, k: int) -> bool:
        """Whether the lots decide which members take the group's first ``k`` places.

        True when each of the first ``k`` members precedes every member after them (so the
        set of the first ``k`` is fixed by lot; their order among themselves may not be).
        """
        if not is_int(k) or not 0 <= k <= len(self.order):
            raise ValueError(f"k must be an int between 0 and {len(self.order)}, got {k!r}")
        rest = frozenset(self.order[k:])
        return all(rest <= self.precedes[code] for code in self.order[:k])


def _check_lot(lot: object) -> tuple[str, ...]:
    if isinstance(lot, str | bytes) or not isinstance(lot, Sequence):
        raise TypeError(f"a lot must be a sequence of codes, got {lot!r}")
    codes = tuple(lot)
    for code in codes:
        if not isinstance(code, str):
            raise TypeError(f"a lot must name codes as str, got {code!r}")
    if len(set(codes)) != len(codes):
        raise ValueError(f"a lot names a candidate twice: {list(codes)}")
    return codes


def check_lots(lots: object, ballot: Iterable[str] | None = None) -> tuple[tuple[str, ...], ...]:
    if isinstance(lots, str | bytes) or not isinstance(lots, Sequence):
        raise TypeError(f"lots must be a sequence of lots, got {lots!r}")
    checked = tuple(_check_lot(lot) for lot in lots)
    if ballot is not None:
        on_ballot = set(ballot)
        for lot in checked:
            if len(lot) < 2:
                raise ValueError(f"a lot must order at least two candidates: {list(lot)}")
            unknown = sorted(set(lot) - on_ballot)
            if unknown:
                raise ValueError(f"a lot names candidates not on the ballot: {unknown}")
    return checked


def lot_orders(group: Iterable[str], lots: Sequence[Sequence[str]] = ()) -> LotOrder:
    """Order one group of candidates with equal votes by the recorded lots, then by code.

    ``lots`` are oldest first; codes a lot names outside ``group`` are ignored. See the module
    docstring for the exact rule.
    """
    members = sorted(set(group))
    for code in members:
        if not isinstance(code, str):
            raise TypeError(f"a candidate code must be a str, got {code!r}")
    checked = check_lots(lots)
    reach: dict[str, set[str]] = {code: set() for code in members}
    for lot in reversed(checked):
        named = [code for code in lot if code in reach]
        for i, a in enumerate(named):
            for b in named[i + 1 :]:
                if a in reach[b] or b in reach[a]:
                    continue  # contradicts a newer precedence, or already implied by them
                gained = {b} | reach[b]
                for u in members:
                    if u == a or a in reach[u]:
                        reach[u] |= gained
    ancestors = dict.fromkeys(members, 0)
    for code in members:
        for later in reach[code]:
            ancestors[later] += 1
    ready = [code for code in members if ancestors[code] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        code = heapq.heappop(ready)
        order.append(code)
        for later in reach[code]:
            ancestors[later] -= 1
            if ancestors[later] == 0:
                heapq.heappush(ready, later)
    return LotOrder(order=tuple(order), precedes={code: frozenset(reach[code]) for code in members})
