"""An election's settings that are not rules of the count: four eyes (on by default), the
thresholds of its red-flag checks (:mod:`primaries.core.flag_settings`; ``election.flag_settings``),
whether certified rounds' photos of signed sheets are public (``election.photos_public``),
and when each round's results go public (:class:`primaries.core.rounds.Publishing`;
``round.publishing``).

Four eyes (:mod:`primaries.core.approvals`) is not one of the package's rules (CONTRACT section
5 fixes those): it is set here, by an admin on the web or by ``primaries four-eyes`` on the
server, and every change of it is audited (``election.four_eyes``). Turning it on takes effect at
once; turning it off is itself a decision one person may not take alone: on the web it is a
request a second supervisor or admin approves (``approval``), and the command line's event says
four eyes was bypassed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..audit.chain import record
from ..changes import Actor
from ..core.approvals import Approval, direct_change_problem, four_eyes_note
from ..core.flag_settings import apply_changes, check_changes
from ..core.rounds import Publishing
from ..core.text import storable_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import Refused
from ..models import Election
from .lookup import get_election, get_round
from .versions import bump_election_versions, bump_version


def check_four_eyes(election: Election, on: bool, reason: str) -> str:
    """Refuse a change of the setting that changes nothing or lacks a reason; return the reason."""
    if election.four_eyes == on:
        raise Refused(
            Said(N_("four eyes is already on for %(slug)s"), slug=election.slug)
            if on
            else Said(N_("four eyes is already off for %(slug)s"), slug=election.slug)
        )
    text = (reason or "").strip()
    if not text:
        needs = (
            N_("turning four eyes on needs a reason")
            if on
            else N_("turning four eyes off needs a reason")
        )
        raise Refused(about(N_("reason"), Said(needs)))
    problem = storable_problem(text)
    if problem:
        raise Refused(about(N_("reason"), problem))
    return text


def set_four_eyes(
    slug: str, on: bool, reason: str, *, actor: Actor, approval: Approval | None = None
) -> None:
    """Turn the election's four eyes on or off, with a reason."""
    begin_change()
    election = get_election(slug)
    reason = check_four_eyes(election, on, reason)
    note: dict[str, Any] = {}
    if not on:
        problem = direct_change_problem(True, staff=actor.user_id is not None, approval=approval)
        if problem:
            raise Refused(Said(N_("%(slug)s: %(problem)s"), slug=slug, problem=problem))
        note = four_eyes_note(True, approval, key="bypassed")  # "four_eyes" is the setting
    election.four_eyes = on
    record(
        "election.four_eyes",
        actor=actor.name,
        object_type="election",
        object_id=slug,
        election=slug,
        before={"four_eyes": not on},
        after={"four_eyes": on, "reason": reason, **note},
    )


def set_flag_settings(
    slug: str, changes: Mapping[str, str], reason: str, *, actor: Actor
) -> dict[str, str]:
    """Change some of the election's red-flag settings (``default`` takes one back to its
    default), with a reason; return the settings it keeps. Refused, naming every problem, when a
    setting is unknown or its value out of range, or when nothing would change."""
    begin_change()
    election = get_election(slug)
    problems = check_changes(changes)
    text = (reason or "").strip()
    problem = (
        Said(N_("changing the red-flag settings needs a reason"))
        if not text
        else storable_problem(text)
    )
    if problem:
        problems.append(about(N_("reason"), problem))
    if not changes:
        problems.append(Said(N_("give at least one setting to change (NAME=VALUE)")))
    if problems:
        raise Refused(problems)
    before = dict(election.flag_settings or {})
    after = apply_changes(before, changes)
    if after == before:
        raise Refused(
            Said(N_("%(slug)s: the red-flag settings are already so: nothing changes"), slug=slug)
        )
    election.flag_settings = after or None
    bump_election_versions(election)  # the cached flags of every round are stale
    record(
        "election.flag_settings",
        actor=actor.name,
        object_type="election",
        object_id=slug,
        election=slug,
        before={"flag_settings": before},
        after={"flag_settings": after, "reason": text},
    )
    return after


def set_publishing(slug: str, number: int, publish: str, reason: str, *, actor: Actor) -> None:
    """Choose when round ``number``'s results go public (live, complete or certified), with a
    reason. Refused, naming every problem, for an unknown choice, no reason, or no change."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    problems: list[str] = []
    if publish not in tuple(Publishing):
        choices = ", ".join(Publishing)
        not_one = Said(
            N_("%(value)s is not one of %(choices)s"), value=repr(publish), choices=choices
        )
        problems.append(about(N_("publish"), not_one))
    elif publish == round_.publish:
        problems.append(
            Said(
                N_(
                    "round %(number)s of %(slug)s is already published %(publish)s: nothing changes"
                ),
                number=number,
                slug=slug,
                publish=publish,
            )
        )
    text = (reason or "").strip()
    if not text:
        problems.append(Said(N_("publishing: a change needs a reason")))
    elif problem := storable_problem(text):
        problems.append(about(N_("reason"), problem))
    if problems:
        raise Refused(problems)
    before = round_.publish
    round_.publish = publish
    bump_version(round_)  # every cached page and answer of the round is stale
    record(
        "round.publishing",
        actor=actor.name,
        object_type="round",
        object_id=f"{slug}/{number}",
        election=slug,
        round_number=number,
        before={"publish": before},
        after={"publish": publish, "reason": text},
    )


def set_photos_public(slug: str, on: bool, reason: str, *, actor: Actor) -> None:
    """Show (or stop showing) the photos of certified rounds' signed sheets on the public branch
    pages, with a reason. Refused when it changes nothing or lacks a reason."""
    begin_change()
    election = get_election(slug)
    if election.photos_public == on:
        raise Refused(
            Said(N_("the photos of %(slug)s's signed sheets are already public"), slug=slug)
            if on
            else Said(
                N_("the photos of %(slug)s's signed sheets are already not public"), slug=slug
            )
        )
    text = (reason or "").strip()
    problem = storable_problem(text) if text else Said(N_("changing it needs a reason"))
    if problem:
        raise Refused(about(N_("reason"), problem))
    election.photos_public = on
    bump_election_versions(election)  # the public branch pages change
    record(
        "election.photos_public",
        actor=actor.name,
        object_type="election",
        object_id=slug,
        election=slug,
        before={"photos_public": not on},
        after={"photos_public": on, "reason": text},
    )
