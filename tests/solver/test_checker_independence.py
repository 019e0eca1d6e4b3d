"""The checkers are independent oracles: an import-linter contract (pyproject.toml) says so.

The contract must hold on this tree, and it must break when a checker imports solver
code (shown on a throw-away copy of the package with one bad import added).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = (
    "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
)


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True
    )


def test_checkers_import_only_the_model_errors_roads_and_checkers():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(ROOT / "solver", tmp_path / "solver", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("checker", "line"),
    [
        ("routing/check/route.py", "from solver.routing.schedule import route_cost"),
        ("routing/check/legs.py", "from solver.routing.data import resolve_problem"),
        ("routing/check/__init__.py", "from solver.costs import route_cost"),
        ("territory/check.py", "from solver.territory.balance import estimate_workload"),
        ("schedule/check.py", "from solver.costs import route_cost"),
    ],
)
def test_contract_breaks_when_a_checker_imports_solver_code(copy, checker, line):
    # a future solver/costs.py and solver/schedule/check.py are covered as well
    (copy / "solver" / "costs.py").write_text("def route_cost():\n    return 0.0\n")
    (copy / "solver" / "schedule").mkdir(exist_ok=True)
    (copy / "solver" / "schedule" / "__init__.py").touch()
    schedule_check = copy / "solver" / "schedule" / "check.py"
    schedule_check.write_text("from solver.routing.check import check_plan  # allowed\n")
    assert lint(copy).returncode == 0  # the copy itself keeps the contract
    path = copy / "solver" / checker
    path.write_text(line + "\n" + path.read_text())
    result = lint(copy)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert line.split()[1] in result.stdout  # the offending module is named
