"""The public, read-only JSON API (CONTRACT section 7)."""
