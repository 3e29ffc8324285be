"""Incremental syncs, one module per source: each reads its run's data interval, so a backfill repeats."""
