"""The tenant store: one schema (schema/), one engine factory (engine.py), tenant-scoped repositories."""
