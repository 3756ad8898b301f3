"""A round's outcome in plain English words (the command line's summary)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _names(codes: Sequence[str], names: Mapping[str, str]) -> str:
    parts = [f"{names.get(c, c)} ({c})" for c in codes]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def describe_outcome(result: Mapping[str, Any], threshold_percent: str) -> str:
    """One sentence for the result JSON's outcome, saying "so far" while the count is partial."""
    outcome = result["outcome"]
    names = {c["code"]: c["name"] for c in result["candidates"]}
    status = outcome["status"]
    so_far = "" if result["complete"] else " (so far: the count is not complete)"
    if status == "no_votes":
        return "No valid votes have been counted yet."
    if status == "winner":
        winner = _names([outcome["winner"]], names)
        if result["round"] == 1:
            return f"{winner} reached {threshold_percent}% and wins outright{so_far}."
        return f"{winner} wins the runoff{so_far}."
    if status == "runoff":
        return (
            f"No candidate reached {threshold_percent}%: runoff between "
            f"{_names(outcome['qualifiers'], names)}{so_far}."
        )
    return (
        f"A lot is required: {_names(outcome['tied'], names)} are tied for "
        f"{outcome['places']} place(s){so_far}."
    )
