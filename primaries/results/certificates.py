"""A round's certificate: who certified it, when, and the digests they certified.

Certifying a round (``primaries.elections.rounds``) records a ``certify`` round event carrying
:func:`result_digest` of the result JSON at that moment, the head of the audit chain and whether
four eyes was on. The read side only reads that event: :func:`current_certificate` while the
round is certified, :func:`certificate_of` for the pages (cached per data version). Anyone
holding a result JSON can check it against the certificate with :func:`result_digest`, and the
pages and the API do: a certificate whose result SHA-256 is not that of the result shown now
(numbers changed behind the application's back) says so (``result_matches``), and the round is
never shown as certified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..core.rounds import RoundAction, RoundStatus
from ..extensions import db
from ..models import AuditEvent, Round, RoundEvent
from .cache import cached
from .versions import round_key


def result_digest(result: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the result JSON in its canonical form: sorted keys, no spaces, UTF-8."""
    canonical = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_certificate(round_: Round) -> RoundEvent | None:
    """The ``certify`` event behind the round's certified status (None unless certified)."""
    if round_.status != RoundStatus.CERTIFIED:
        return None
    return db.session.scalar(
        select(RoundEvent)
        .where(RoundEvent.round_id == round_.id, RoundEvent.action == RoundAction.CERTIFY)
        .order_by(RoundEvent.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Certificate:
    certified_at: dt.datetime
    certified_by: str
    result_sha256: str | None
    audit_head: str | None
    four_eyes: bool | None = None  # was four eyes on (None: certified before it was recorded)
    result_matches: bool = True
    """Is ``result_sha256`` that of the round's result as it is shown now?"""


@dataclass(frozen=True)
class Withdrawal:
    """The committee withdrew the round's certificate: when, and the reason it gave."""

    withdrawn_at: dt.datetime
    reason: str


def withdrawal_of(round_: Round) -> Withdrawal | None:
    """The decertification behind a round that was certified and is not now (None otherwise):
    the public pages say so, with the reason, instead of silently going back to provisional."""

    def compute() -> Withdrawal | None:
        if round_.status == RoundStatus.CERTIFIED:
            return None
        event = db.session.scalar(
            select(RoundEvent)
            .where(
                RoundEvent.round_id == round_.id,
                RoundEvent.action.in_((RoundAction.CERTIFY, RoundAction.DECERTIFY)),
            )
            .order_by(RoundEvent.id.desc())
            .limit(1)
        )
        if event is None or event.action != RoundAction.DECERTIFY:
            return None
        return Withdrawal(event.created_at, event.reason or "")

    return cached(round_key("withdrawal", round_), compute)


def matches(certificate: RoundEvent, result: Mapping[str, Any]) -> bool:
    """Does the certificate hold the SHA-256 of this result JSON?"""
    return certificate.result_sha256 == result_digest(result)


def certificate_of(round_: Round, result: Mapping[str, Any]) -> Certificate | None:
    """Who certified the round, when, the digests they certified, and whether ``result`` (the
    round's result as shown now) is the one certified; None unless certified.

    ``certified_by`` is the person ("Rina Levi (rina)", or the user name of an account without a
    full name), or the actor of the audit event (a command line user).
    """

    def compute() -> Certificate | None:
        event = current_certificate(round_)
        if event is None:
            return None
        actor = db.session.scalar(
            select(AuditEvent.actor)
            .where(
                AuditEvent.action == f"round.{RoundAction.CERTIFY}",
                AuditEvent.election == round_.election.slug,
                AuditEvent.round_number == round_.number,
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        by = event.user.shown if event.user is not None else (actor or "")
        return Certificate(
            event.created_at,
            by,
            event.result_sha256,
            event.audit_head,
            event.four_eyes,
            matches(event, result),
        )

    return cached(round_key("certificate", round_), compute)
