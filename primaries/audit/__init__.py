"""The tamper-evident audit chain: each change appends an event hashing the one before."""
