"""The tenant store: one schema (schema.py), one engine factory (engine.py), tenant-scoped repositories."""
