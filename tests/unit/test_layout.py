"""The package stays in rooms a newcomer can hold: no module over 300 lines (the migrations
aside). The import map itself is checked by import-linter in `make lint`."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "leadline"
MAX_LINES = 300


def test_no_module_over_300_lines():
    too_long = {str(path.relative_to(PACKAGE)): lines for path in sorted(PACKAGE.rglob("*.py"))
                if "migrations" not in path.parts
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


ROOTS = {"leadline": PACKAGE, "leadline_dev": PACKAGE.parents[1] / "devtools" / "leadline_dev"}
SOURCES = ("plugins", "devtools", "dags", "tests", "bench", "deploy")


def _module_path(module: str) -> Path | None:
    top, *rest = module.split(".")
    base = ROOTS[top].joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _top_level_names(tree) -> set[str]:
    import ast

    names, pending = set(), list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.If, ast.Try)):  # names defined under a version or import guard
            pending.extend(node.body + node.orelse + getattr(node, "finalbody", [])
                           + [stmt for handler in getattr(node, "handlers", []) for stmt in handler.body])
    return names


def test_every_import_of_our_own_names_resolves():
    """Imports inside functions run only when the task does: a name moved away fails a DAG run, not the linter.
    Every `from leadline… import name`, at any depth, must name a module or a top-level definition."""
    import ast

    repo, cache, missing = PACKAGE.parents[1], {}, []
    for source in SOURCES:
        for path in sorted((repo / source).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                        and node.module.split(".")[0] in ROOTS):
                    continue
                module = _module_path(node.module)
                if module is None:
                    missing.append(f"{path.relative_to(repo)}:{node.lineno} {node.module}")
                    continue
                if module not in cache:
                    cache[module] = _top_level_names(ast.parse(module.read_text()))
                for alias in node.names:
                    if alias.name not in cache[module] and _module_path(f"{node.module}.{alias.name}") is None:
                        missing.append(f"{path.relative_to(repo)}:{node.lineno} {node.module}.{alias.name}")
    assert missing == []
