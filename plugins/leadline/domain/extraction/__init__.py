"""The rule-based analyzer's parts: one module per field, all working on speaker-attributed turns."""
