"""Leadline's development tooling: `make demo`, the local stacks, the CRM/CallRail/Gmail/Dialpad sandbox and the
synthetic call renderer. Never deployed: production code (the `leadline` package) does not import it."""
