"""Names in other languages changed after set-up (``election.names`` events,
:mod:`primaries.elections.names`) replayed, so that :func:`primaries.audit.data.verify_data`
compares the election's, candidates', regions' and branches' ``names`` with what the chain says.
"""

from __future__ import annotations

from collections.abc import Callable

from .expected import Event, Expected


def handlers(expected: Expected) -> dict[str, Callable[[Event], None]]:
    """The replay's handler of a change of names."""

    def names(event: Event) -> None:
        slug, after = str(event.election), event.after
        election = expected.elections[slug]
        if "names" in after:
            election.local_names = after["names"]
        if "regions" in after:
            election.region_names = after["regions"]
        changed = after.get("candidates", {})
        election.candidates = [
            (code, name, changed.get(code, local)) for code, name, local in election.candidates
        ]
        election.seq = event.seq
        for code, local in after.get("branches", {}).items():
            expected.branch_names[(slug, code)] = (local, event.seq)

    return {"election.names": names}
