"""Functions stay short enough to read in one screen: none in the package spans more than 60 lines.

A function's length is counted from its `def` line to its last line (end_lineno - lineno + 1), decorators not
included; a nested function counts both on its own and inside the function that holds it. The migrations are
exempt, as in test_layout."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "leadline"
MAX_LINES = 60


def _long_functions(path: Path, root: Path = PACKAGE) -> dict[str, int]:
    found = {}
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_LINES:
                found[f"{path.relative_to(root)}:{node.name}"] = lines
    return found


def test_the_checker_sees_a_long_function(tmp_path):
    """The checker can fail: a 61-line function is reported, a short one is not."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    sample = tmp_path / "sample.py"
    sample.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n")
    assert _long_functions(sample, root=tmp_path) == {"sample.py:long": MAX_LINES + 1}


def test_no_function_over_60_lines():
    too_long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            too_long.update(_long_functions(path))
    assert too_long == {}
