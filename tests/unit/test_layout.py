"""The package stays in rooms a newcomer can hold: no module over 300 lines (the schema, one source of truth,
and the migrations aside). The import map itself is checked by import-linter in `make lint`."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "leadline"
MAX_LINES = 300
EXEMPT = {PACKAGE / "store" / "schema.py"}


def test_no_module_over_300_lines():
    too_long = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
                if path not in EXEMPT and "migrations" not in path.parts
                and (lines := len(path.read_text().splitlines())) > MAX_LINES}
    assert too_long == {}
