"""Outcomes, states, statuses and round names in the reader's language (English or Hebrew).

The command line keeps its own English sentence (:mod:`primaries.cli_words`); these are the
pages' sentences. They are careful about what is known: "won" only once the round is
certified, "provisionally" while it is complete but not certified, "so far" with the number of
branches reported while it is not complete.

Candidate names go into the sentences as plain text; templates escape them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ..core.rounds import Publishing
from ..core.sheets import PublicStatus
from ..i18n import long_date, number, threshold
from .local import local_names
from .overview import ElectionOverview, RoundView


def names_list(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C" in the reader's language."""
    names = list(names)
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def round_title(number_: int) -> str:
    if number_ == 1:
        return _("Round 1")
    if number_ == 2:
        return _("Runoff")
    return _("Round %(number)s", number=number_)


def state_label(state: str) -> str:
    return {
        "decided": _("Decided"),
        "runoff_scheduled": _("Runoff scheduled"),
        "counting": _("Counting"),
        "not_started": _("Not started"),
    }.get(state, state)


def status_label(view: RoundView) -> str:
    if view.certificate_broken:
        return _("The result no longer matches its certificate")
    return _("Certified result") if view.certified else _("Provisional result")


def branch_status_label(status: str) -> str:
    """A branch's public status (counted, pending, annulled) as the tables name it."""
    labels: dict[str, str] = {
        PublicStatus.COUNTED: _("Counted"),
        PublicStatus.PENDING: _("Not yet reported"),
        PublicStatus.ANNULLED: _("Annulled"),
    }
    return labels.get(status, status)


def progress_text(result: Mapping[str, Any]) -> str:
    """ "160 of 171 branches reported, 1 annulled" (reported = counted or annulled)."""
    branches = result["branches"]
    reported = int(branches["counted"]) + int(branches["annulled"])
    total = int(branches["total"])
    text = ngettext(
        "%(reported)s of %(total)s branch reported",
        "%(reported)s of %(total)s branches reported",
        total,
        reported=number(reported),
        total=number(total),
    )
    if branches["annulled"]:
        text += ", " + ngettext(
            "%(count)s annulled",
            "%(count)s annulled",
            int(branches["annulled"]),
            count=number(int(branches["annulled"])),
        )
    return text


def _threshold_phrase(rules: Mapping[str, Any]) -> str:
    share = threshold(rules["threshold_percent"])
    if rules.get("threshold_inclusive", True):
        return share
    return _("more than %(share)s", share=share)


def not_published(number: int, publish: str) -> str:
    """Why round ``number``'s results are not shown yet, and when they will be."""
    if publish == Publishing.COMPLETE:
        return _(
            "The results of round %(number)s are not published yet: the committee publishes "
            "them once every branch is counted.",
            number=number,
        )
    return _(
        "The results of round %(number)s are not published yet: the committee publishes them "
        "once the round is certified.",
        number=number,
    )


def outcome_sentence(view: RoundView, rules: Mapping[str, Any]) -> str:
    """The round's outcome as it stands, in one sentence."""
    if not view.published:
        return not_published(view.number, view.round.publish)
    result = view.result
    outcome = result["outcome"]
    names = local_names(view.round.election).mapping(view.names)
    status = outcome["status"]
    branches = result["branches"]
    reported = number(int(branches["counted"]) + int(branches["annulled"]))
    total = number(int(branches["total"]))
    complete = bool(result["complete"])
    t = _threshold_phrase(rules)

    if status == "no_votes":
        return _("No valid votes have been counted yet.")
    if status == "lot_required":
        tied = names_list([names.get(c, c) for c in outcome["tied"]])
        return ngettext(
            "Tied: a lot must decide between %(names)s for %(num)s place.",
            "Tied: a lot must decide between %(names)s for %(num)s places.",
            int(outcome["places"]),
            names=tied,
        )
    if status == "winner":
        name = names.get(outcome["winner"], outcome["winner"])
        if view.number == 1:
            if view.certified:
                return _("%(name)s reached %(share)s and won outright.", name=name, share=t)
            if complete:
                return _(
                    "%(name)s reached %(share)s and wins outright, provisionally: "
                    "the result is not yet certified.",
                    name=name,
                    share=t,
                )
            return _(
                "So far %(name)s has reached %(share)s, enough to win outright; "
                "%(reported)s of %(total)s branches reported.",
                name=name,
                share=t,
                reported=reported,
                total=total,
            )
        if view.certified:
            return _("%(name)s won the runoff.", name=name)
        if complete:
            return _(
                "%(name)s wins the runoff, provisionally: the result is not yet certified.",
                name=name,
            )
        return _(
            "%(name)s leads the runoff; %(reported)s of %(total)s branches reported.",
            name=name,
            reported=reported,
            total=total,
        )
    # runoff
    qualifiers = names_list([names.get(c, c) for c in outcome["qualifiers"]])
    if view.final:
        held_on = view.next_round.held_on if view.next_round is not None else None
        if held_on is not None:
            return _(
                "No candidate reached %(share)s: runoff between %(names)s on %(date)s.",
                share=t,
                names=qualifiers,
                date=long_date(held_on),
            )
        return _(
            "No candidate reached %(share)s: runoff between %(names)s.", share=t, names=qualifiers
        )
    if complete:
        return _(
            "No candidate reached %(share)s: %(names)s go to a runoff, provisionally: "
            "the result is not yet certified.",
            share=t,
            names=qualifiers,
        )
    return _(
        "So far no candidate has reached %(share)s; %(names)s lead; "
        "%(reported)s of %(total)s branches reported.",
        share=t,
        names=qualifiers,
        reported=reported,
        total=total,
    )


def election_sentence(overview: ElectionOverview) -> str:
    """Where the election stands: the latest round's outcome, or the runoff it is waiting for."""
    views = overview.rounds
    if not views:
        return _("No rounds yet.")
    last = views[-1]
    if len(views) > 1 and last.reported == 0:
        return outcome_sentence(views[-2], overview.rules)
    return outcome_sentence(last, overview.rules)


def rules_sentence(rules: Mapping[str, Any]) -> str:
    """The election's rules for winning outright, in words."""
    basis = _("valid votes") if rules["threshold_basis"] == "valid" else _("ballots cast")
    if rules["threshold_inclusive"]:
        first = _(
            "A candidate with at least %(share)s of %(basis)s in round 1 wins outright;",
            share=threshold(rules["threshold_percent"]),
            basis=basis,
        )
    else:
        first = _(
            "A candidate with more than %(share)s of %(basis)s in round 1 wins outright;",
            share=threshold(rules["threshold_percent"]),
            basis=basis,
        )
    return (
        first
        + " "
        + ngettext(
            "otherwise the top %(num)s goes to a runoff.",
            "otherwise the top %(num)s go to a runoff.",
            int(rules["runoff_size"]),
        )
    )
