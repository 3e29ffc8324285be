"""Custom sensors."""
