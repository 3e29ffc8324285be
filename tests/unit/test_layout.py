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


DAGS = PACKAGE.parents[1] / "dags"
# what a DAG file may wire together: tasks (operators, sensors), their callbacks and notifiers, and settings;
# never the store, the hooks or the domain, whose use belongs inside a task
DAG_IMPORTS = ("leadline.operators", "leadline.sensors", "leadline.callbacks", "leadline.notifier",
               "leadline.config")


def test_dag_files_import_only_tasks_and_settings():
    import ast

    strays = {}
    for path in sorted(DAGS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                if name.split(".")[0] in ("leadline", "leadline_dev") and not name.startswith(DAG_IMPORTS):
                    strays.setdefault(path.name, []).append(name)
    assert DAGS.is_dir() and strays == {}
