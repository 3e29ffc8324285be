"""Custom operators: thin, templated, idempotent, returning small PII-free XComs."""
