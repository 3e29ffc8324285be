"""The store is SQL: it never runs client tools (subprocess) nor drives the Spanner database admin API; those are
the hooks' (leadline.hooks.database_dump, leadline.hooks.spanner_backups). import-linter cannot forbid a standard
library module or an external package's subpackage, so this reads the store's imports itself, at any depth
(imports inside functions too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "plugins" / "leadline" / "store"
FORBIDDEN = ("subprocess", "google.cloud.spanner_admin_database_v1", "google.cloud.spanner_admin_instance_v1")


def imported_modules(source: str) -> list[str]:
    """Every module an import statement names (`from a import b` names a and a.b: b may be a submodule)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def forbidden_imports(source: str) -> list[str]:
    return [name for name in imported_modules(source)
            if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN)]


@pytest.mark.parametrize("source", [
    "import subprocess", "from subprocess import run", "def f():\n    import subprocess.run as r",
    "from google.cloud import spanner_admin_database_v1",
    "def f():\n    from google.cloud.spanner_admin_database_v1 import DatabaseAdminClient",
])
def test_the_check_sees_a_forbidden_import(source):
    assert forbidden_imports(source)


def test_the_check_lets_the_store_s_own_libraries_be():
    assert forbidden_imports("import sqlite3\nfrom google.cloud import spanner\nfrom sqlalchemy import text") == []


def test_no_store_module_runs_subprocesses_or_admin_clients():
    modules = sorted(STORE.rglob("*.py"))
    assert len(modules) > 10  # the store is where this test thinks it is
    found = {str(path.relative_to(STORE)): bad for path in modules
             if (bad := forbidden_imports(path.read_text(encoding="utf-8")))}
    assert found == {}
