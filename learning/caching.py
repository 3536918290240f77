"""Cache keys and invalidation for the catalogue (filled in below)."""
