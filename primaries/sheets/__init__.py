"""The life of a count sheet: the only package that writes sheets, their entries and decisions.

A sheet is one branch's count in one round. Its transitions are the functions here, each a
service that begins a change, checks the sheet's version and the round's rules, writes its rows
and its audit event in the same transaction, and leaves the commit to its caller:

- :mod:`.entry`: a clerk's entry (first or second of a blind pair, or the only one), a
  supervisor's resolution of a mismatch, a send-back;
- :mod:`.decisions`: a correction (recount) of a counted sheet, an annulment, a reinstatement;
- :mod:`.imports`: counted sheets imported from a CSV file;
- :mod:`.bulk`: counted sheets written many at a time (packages and imports: COPY on
  PostgreSQL, multi-row INSERTs on SQLite);
- :mod:`.rows`: the row-level writes every transition is made of;
- :mod:`.place`: finding a sheet by its public names, and beginning a change on it.

The rules a sheet's numbers must keep are in :mod:`primaries.core.sheets`. A test
(``tests/test_architecture.py``) fails if another module writes these rows.
"""
