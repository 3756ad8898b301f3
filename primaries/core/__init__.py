"""The pure counting core: rules, order, thresholds, ties, percentages (no Flask, no database)."""
