"""The data model: elections, their candidates, branches and rounds; sheets and their history;
annulments, lots, the life of a round; accounts; and the audit chain.

Nothing that records what somebody did is updated or deleted: every entry of a sheet is a new
``SheetEntry`` row, every annulment and reinstatement a new ``Annulment`` row, every decision a
``SheetDecision`` row, every close, certification and decertification a new ``RoundEvent`` row.
``Sheet`` is the current state of one branch in one round and points at the entries that made it.
A ``ChangeRequest`` (four eyes) is pending until it is approved, refused or withdrawn.

One module per part of the domain; everything is importable from here.
"""

from __future__ import annotations

from ..core.sheets import DecisionKind, EntryKind
from .accounts import User
from .approvals import ChangeRequest
from .audit import AuditEvent
from .elections import Branch, Candidate, Election, Lot, Round, RoundCandidate, RoundEvent
from .paper import FlagReview, Objection, PaperReceipt, SheetPhoto
from .rla import RlaAudit, RlaCount, RlaDraw, RlaEntry
from .sheets import Annulment, EntryVote, Sheet, SheetDecision, SheetEntry
from .totals import CandidateTotal, RoundTotal

__all__ = [
    "Annulment",
    "AuditEvent",
    "Branch",
    "Candidate",
    "CandidateTotal",
    "ChangeRequest",
    "DecisionKind",
    "Election",
    "EntryKind",
    "EntryVote",
    "FlagReview",
    "Lot",
    "Objection",
    "PaperReceipt",
    "RlaAudit",
    "RlaCount",
    "RlaDraw",
    "RlaEntry",
    "Round",
    "RoundCandidate",
    "RoundEvent",
    "RoundTotal",
    "Sheet",
    "SheetDecision",
    "SheetEntry",
    "SheetPhoto",
    "User",
]
