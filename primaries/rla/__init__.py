"""Risk-limiting audits of rounds (CONTRACT section 8): :mod:`.service` writes (each change with
its audit event), :mod:`.queries` reads (the reported counts, the audit's state and JSON). The
arithmetic is the pure core's (:mod:`primaries.core.rla`, :mod:`primaries.core.rla_risk`)."""
