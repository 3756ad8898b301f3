"""Four eyes on what one person could otherwise decide alone (the rules: ``core.approvals``).

- :mod:`.service`: asking for a change, and its approval, refusal or withdrawal; the only
  writer of ``change_requests``. An approval makes the change through its owner
  (``sheets.decisions``, ``sheets.imports``, ``elections.rounds``, ``elections.settings``) in
  the same transaction, so the change records the same audit event as ever, naming both people.
- :mod:`.queries`: the requests as the staff pages show them (reads only).
"""
