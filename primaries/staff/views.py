"""The staff blueprint's routes, by page family: importing this module registers them all.

- :mod:`.sheet_pages`: the workspace, choosing and entering a sheet, a mismatch decided;
- :mod:`.decision_pages`: a counted sheet's correction and annulment;
- :mod:`.round_pages`: a round's dashboard and life, the lot, the runoff, a branch's history;
- :mod:`.audit_pages`: the audit log; :mod:`.import_pages`: imports of files;
- :mod:`.request_pages`: four eyes (requests, their approval, the election's setting);
- :mod:`.rla_pages`: the risk-limiting audit of a round (start, draws, hand counts);
- :mod:`.paper_pages`: the printed papers of a round (blank count sheets, results protocol);
- :mod:`.flag_pages`: an election's red-flag thresholds;
- :mod:`.receipt_pages`: the signed sheets received on paper;
- :mod:`.publish_pages`: when a round's results go public;
- :mod:`.objection_pages`: observers' objections to a box's count, and their decisions;
- :mod:`.photo_pages`: photos of the signed count sheets;
- :mod:`.setup_pages`: an election set up, and its definition changed, in the browser;
- :mod:`.review_pages`: clearing a box red flags hold for review;
- :mod:`.names_pages`: names in other languages, changed by an admin at any time.
"""

from . import (
    audit_pages,
    decision_pages,
    flag_pages,
    import_pages,
    names_pages,
    objection_pages,
    paper_pages,
    photo_pages,
    publish_pages,
    receipt_pages,
    request_pages,
    review_pages,
    rla_pages,
    round_pages,
    setup_pages,
    sheet_pages,
)

__all__ = [
    "audit_pages",
    "decision_pages",
    "flag_pages",
    "import_pages",
    "names_pages",
    "objection_pages",
    "paper_pages",
    "photo_pages",
    "publish_pages",
    "receipt_pages",
    "request_pages",
    "review_pages",
    "rla_pages",
    "round_pages",
    "setup_pages",
    "sheet_pages",
]
