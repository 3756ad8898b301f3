"""The shape of the code, checked: one owner for the sheet's rows, a read side that never imports
a write module, a pure core, and modules a person reads in one sitting.

These read the source (``ast``), so they fail on the line that breaks the rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from primaries import ROOT

PACKAGE = ROOT / "primaries"

# The rows of a sheet's life, and the only package that writes them.
SHEET_MODELS = {"Sheet", "SheetEntry", "EntryVote", "SheetDecision", "Annulment"}
SHEET_TABLES = ("sheets", "sheet_entries", "entry_votes", "sheet_decisions", "annulments")
SHEET_OWNER = "primaries.sheets"
SHEET_COLUMNS = {
    "state", "counted_entry_id", "first_entry_id", "second_entry_id", "annulled", "annul_reason",
}  # fmt: skip
_WRITE_SQL = re.compile(
    r"\b(INSERT\s+INTO|COPY|UPDATE|DELETE\s+FROM)\s+(" + "|".join(SHEET_TABLES) + r")\b", re.I
)

# Modules that change data (they begin changes or write rows) and those that only read.
WRITE_MODULES = (
    "primaries.sheets",
    "primaries.elections.packages",
    "primaries.elections.branches",
    "primaries.elections.lots",
    "primaries.elections.runoff",
    "primaries.elections.rounds",
    "primaries.elections.versions",
    "primaries.elections.settings",
    "primaries.approvals.service",
    "primaries.auth.services",
    "primaries.demo.service",
)
READ_SIDE = ("primaries.results", "primaries.api", "primaries.tally")


def modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def imported(name: str, path: Path, tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every module ``tree`` imports (relative imports resolved), with its line."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            for alias in node.names:  # ``from ..sheets import entry`` imports a module too
                yield node.lineno, f"{base}.{alias.name}"


def sheet_writes(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SHEET_MODELS:
                yield node.lineno, f"creates a {func.id} row"
            if (
                isinstance(func, ast.Name)
                and func.id in ("insert", "update", "delete")
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in SHEET_MODELS
            ):
                yield node.lineno, f"{func.id}({node.args[0].id})"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _WRITE_SQL.search(node.value):
                yield node.lineno, f"SQL that writes: {node.value[:60]!r}"
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(element, ast.Attribute) and element.attr in SHEET_COLUMNS:
                        yield node.lineno, f"sets .{element.attr}"


def test_only_the_sheet_package_writes_sheets_entries_and_decisions() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for name, path, tree in modules()
        if not within(name, SHEET_OWNER) and not within(name, "primaries.models")
        for line, what in sheet_writes(tree)
    ]
    assert found == []


def test_the_sheet_check_finds_a_write_where_there_is_one() -> None:
    source = (
        "sheet.state = 'counted'\n"
        "db.session.add(SheetEntry(kind='entry'))\n"
        "conn.exec_driver_sql('INSERT INTO entry_votes VALUES (1, 2, 3)')\n"
        "db.session.execute(update(Sheet).values(annulled=True))\n"
    )
    assert [line for line, _ in sheet_writes(ast.parse(source))] == [1, 2, 3, 4]


def test_only_the_approvals_package_writes_requests() -> None:
    """Four eyes has one owner: ``primaries.approvals`` files and decides every request."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: creates a ChangeRequest row"
        for name, path, tree in modules()
        if not within(name, "primaries.approvals") and not within(name, "primaries.models")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ChangeRequest"
    ]
    assert found == []


def test_the_read_side_imports_no_write_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {target}"
        for name, path, tree in modules()
        if any(within(name, side) for side in READ_SIDE)
        for line, target in imported(name, path, tree)
        if any(within(target, writer) for writer in WRITE_MODULES)
        or target in ("primaries.database.begin_change", "primaries.audit.chain.record")
    ]
    assert found == []


def test_the_core_is_pure() -> None:
    """The rules import neither Flask nor the database: plain data in, plain data out."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: imports {target}"
        for name, path, tree in modules()
        if within(name, "primaries.core")
        for line, target in imported(name, path, tree)
        if target.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")
        or (within(target, "primaries") and not within(target, "primaries.core"))
    ]
    assert found == []


def test_no_module_shadows_the_standard_library() -> None:
    import sys

    shadows = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.stem in sys.stdlib_module_names
    ]
    assert shadows == []


@pytest.mark.parametrize("limit", [400])
def test_modules_are_read_in_one_sitting(limit: int) -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit
    }
    assert long == {}


def test_every_module_says_what_it_is_for() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for name, path, tree in modules()
        if path.stat().st_size and not ast.get_docstring(tree)
    ]
    assert missing == []
