"""Mutation testing of the oracles and the figures they check: how many mutants die?

Each target file is parsed with :mod:`ast`; every mutation point gets one mutant (a
comparison flipped, an arithmetic operator swapped, a constant nudged, ``and``/``or``
swapped, a ``not`` dropped, ``min``/``max`` swapped, an ``+=`` turned into ``-=``, a
call statement or a ``return`` value removed ...). Strings (messages, docstrings) are
never mutated. For each mutant the bench writes the mutated file into a private copy
of the tree and runs the target's test subset there (``pytest -x``, in a child forked
from the bench after it has imported the heavy dependencies once); a mutant is
*killed* when the subset fails (or times out), *survives* when it passes.

It prints, per target and overall, the mutation score (killed / mutants) and every
surviving mutant (file, line, what changed), and writes them as JSON with
``--json``. The unmutated tree must pass its subsets first (the baseline).

Usage::

    python bench/mutation.py                  # this tree
    python bench/mutation.py --root OTHER     # another checkout (e.g. before a change)
    python bench/mutation.py --json out.json --only check
    python bench/mutation.py --since before.json   # rerun only the earlier survivors

With ``--since`` (the JSON of an earlier run), a target whose source is unchanged
(same SHA-256) reruns only that run's surviving mutants, under the current tests; the
mutants it killed stay killed (tests were only added). Changed targets run in full.

The targets are the constant :data:`TARGETS`: change it when code moves (the cost
formula is due to move to ``solver/costs.py``). Test paths that do not exist in the
tree are skipped, so an older checkout can be measured with the same list.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Target:
    """A file to mutate, optionally only some of its functions, and the tests to run."""

    path: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()  # empty: the whole file


_ROUTING_TESTS = (
    "tests/solver/routing/test_oracle.py",
    "tests/solver/routing/test_oracle_network.py",
    "tests/solver/routing/test_check.py",
    "tests/solver/routing/test_plan_day.py",
)

#: What is mutated and which tests must catch it. Edit when code moves.
TARGETS: tuple[Target, ...] = (
    Target("solver/routing/check/route.py", _ROUTING_TESTS),
    Target("solver/routing/check/legs.py", _ROUTING_TESTS),
    Target("solver/routing/check/plan.py", _ROUTING_TESTS),
    Target("solver/routing/check/violation.py", _ROUTING_TESTS),
    Target(
        "solver/routing/schedule.py",
        _ROUTING_TESTS,
        functions=("route_cost", "lateness_s", "account_value"),
    ),
    Target(
        "solver/roads/engine.py",
        (
            "tests/solver/roads/test_engine_units.py",
            "tests/solver/roads/test_engine_queries.py",
            "tests/solver/roads/test_engine_fallback.py",
            "tests/solver/roads/test_off_network.py",
            "tests/solver/roads/test_snapping.py",
            "tests/solver/roads/test_matrix.py",
            "tests/solver/roads/test_clipped_and_path.py",
            "tests/solver/roads/test_synthetic_osm.py",
        ),
    ),
    Target(
        "solver/territory/check.py",
        (
            "tests/solver/territory/test_territory_check.py",
            "tests/solver/territory/test_balance.py",
            "tests/solver/territory/test_assign.py",
            "tests/solver/territory/test_coverage_geo.py",
        ),
    ),
)

_COMPARE_SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
_CALL_SWAP = {"min": "max", "max": "min", "any": "all", "all": "any"}


@dataclass(frozen=True)
class Mutant:
    """One mutation: where and what."""

    path: str
    index: int
    line: int
    what: str


class _Mutator(ast.NodeTransformer):
    """Walk a module; apply mutation number ``apply`` (or only count with -1)."""

    def __init__(self, apply: int, functions: tuple[str, ...]) -> None:
        self.apply = apply
        self.functions = functions
        self.count = 0
        self.found: list[tuple[int, str]] = []
        self.scope: list[str] = []

    def _active(self) -> bool:
        return not self.functions or any(name in self.functions for name in self.scope)

    def _point(self, node: ast.AST, what: str) -> bool:
        """Register a mutation point; True when it is the one to apply."""
        if not self._active():
            return False
        index = self.count
        self.count += 1
        self.found.append((getattr(node, "lineno", 0), what))
        return index == self.apply

    def visit_FunctionDef(self, node):  # noqa: N802
        self.scope.append(node.name)
        self.generic_visit(node)  # docstrings are strings: never mutated
        self.scope.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_ClassDef(self, node):  # noqa: N802
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def visit_JoinedStr(self, node):  # noqa: N802
        return node  # messages are not mutated

    def visit_Compare(self, node):  # noqa: N802
        self.generic_visit(node)
        for k, op in enumerate(node.ops):
            swap = _COMPARE_SWAP.get(type(op))
            if swap and self._point(node, f"{type(op).__name__} -> {swap.__name__}"):
                node.ops[k] = swap()
        return node

    def visit_BinOp(self, node):  # noqa: N802
        self.generic_visit(node)
        swap = _BINOP_SWAP.get(type(node.op))
        if swap and self._point(node, f"{type(node.op).__name__} -> {swap.__name__}"):
            node.op = swap()
        return node

    def visit_AugAssign(self, node):  # noqa: N802
        self.generic_visit(node)
        swap = _BINOP_SWAP.get(type(node.op))
        if swap and self._point(node, f"{type(node.op).__name__}= -> {swap.__name__}="):
            node.op = swap()
        return node

    def visit_BoolOp(self, node):  # noqa: N802
        self.generic_visit(node)
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, f"{type(node.op).__name__} -> {other.__name__}"):
            node.op = other()
        return node

    def visit_UnaryOp(self, node):  # noqa: N802
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._point(node, "not x -> x"):
            return node.operand
        if isinstance(node.op, ast.USub) and self._point(node, "-x -> x"):
            return node.operand
        return node

    def visit_Constant(self, node):  # noqa: N802
        value = node.value
        if isinstance(value, bool):
            if self._point(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int | float) and self._point(node, f"{value!r} -> {value + 1!r}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node

    def visit_Call(self, node):  # noqa: N802
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _CALL_SWAP and self._point(node, f"{name}() -> {_CALL_SWAP[name]}()"):
            node.func = ast.copy_location(ast.Name(_CALL_SWAP[name], ast.Load()), node.func)
        return node

    def visit_Expr(self, node):  # noqa: N802
        self.generic_visit(node)
        if isinstance(node.value, ast.Call) and self._point(
            node, f"statement removed: {ast.unparse(node.value)[:60]}"
        ):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Return(self, node):  # noqa: N802
        self.generic_visit(node)
        returns_none = node.value is None or (
            isinstance(node.value, ast.Constant) and node.value.value is None
        )
        if not returns_none and self._point(
            node, f"return {ast.unparse(node.value)[:40]} -> return None"
        ):
            return ast.copy_location(ast.Return(ast.Constant(None)), node)
        return node


def mutants_of(root: Path, target: Target) -> tuple[str, list[Mutant]]:
    """Source of ``target`` and its list of mutants."""
    source = (root / target.path).read_text()
    counter = _Mutator(-1, target.functions)
    counter.visit(ast.parse(source))
    return source, [
        Mutant(target.path, i, line, what) for i, (line, what) in enumerate(counter.found)
    ]


def mutate(source: str, target: Target, index: int) -> str:
    """Source of mutant ``index`` of ``target``."""
    tree = _Mutator(index, target.functions).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


#: Imported once by the bench, before it forks a child per mutant (the children then
#: start pytest in a fraction of a second). Never ``solver`` itself: each child
#: imports it afresh from its private tree.
PRELOAD = (
    "numpy",
    "scipy.optimize",
    "scipy.sparse",
    "scipy.spatial",
    "shapely",
    "osmium",
    "routingkit_cch",
    "ortools.constraint_solver.pywrapcp",
    "ortools.linear_solver.pywraplp",
    "pyvrp",
    "highspy",
    "networkx",
    "pyproj",
    "pytest",
)


def preload() -> None:
    """Import the heavy dependencies once, in the parent."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)
    assert "solver" not in sys.modules, "the bench must not import solver itself"


def _child(tree: Path, tests: list[str]) -> int:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.chdir(tree)
    sys.path.insert(0, str(tree))
    os.environ["PYTHONPATH"] = str(tree)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    import solver  # the private copy, never the checkout the bench runs from

    if not str(Path(solver.__file__).resolve()).startswith(str(tree.resolve())):
        return 98
    import pytest

    return int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests]))


def run_tests(tree: Path, tests: list[str], timeout_s: float) -> tuple[bool, float]:
    """Run ``pytest -x`` on ``tests`` in ``tree`` in a forked child; (passed, seconds)."""
    began = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        code = 97
        try:
            code = _child(tree, tests)
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            if code == 98:
                raise SystemExit(f"the child imported solver from outside {tree}")
            return code == 0, time.monotonic() - began
        if time.monotonic() - began > timeout_s:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False, time.monotonic() - began
        time.sleep(0.02)


def make_tree(root: Path, into: Path) -> Path:
    """A private copy of ``root`` (solver, tests, config; data linked) to mutate."""
    into.mkdir(parents=True)
    for name in ("solver", "tests"):
        shutil.copytree(root / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "pyproject.toml", into / "pyproject.toml")
    (into / "data").symlink_to((root / "data").resolve())
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE, help="checkout to measure")
    parser.add_argument("--only", default="", help="substring of the target paths to run")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--limit", type=int, default=0, help="at most N mutants per target")
    parser.add_argument("--since", type=Path, help="JSON of an earlier run (see above)")
    args = parser.parse_args()
    root = args.root.resolve()
    targets = [t for t in TARGETS if args.only in t.path and (root / t.path).exists()]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still clean up the copies
    work = Path(tempfile.mkdtemp(prefix="mutation-"))
    trees = [make_tree(root, work / "tree")]
    preload()
    results: dict[str, dict] = {}
    earlier = json.loads(args.since.read_text()) if args.since else {}
    began = time.monotonic()
    try:
        for target in targets:
            tests = [t for t in target.tests if (root / t).exists()]
            ok, baseline_s = run_tests(trees[0], tests, 1800)
            if not ok:
                raise SystemExit(f"{target.path}: the unmutated tree fails {tests}")
            source, mutants = mutants_of(root, target)
            if args.limit:
                mutants = mutants[: args.limit]
            digest = hashlib.sha256(source.encode()).hexdigest()
            before = earlier.get(target.path, {})
            carried = 0
            if before.get("source_sha256") == digest and before.get("mutants") == len(mutants):
                again = {m["index"] for m in before["survivors"]}
                carried = len(mutants) - len(again)
                mutants = [m for m in mutants if m.index in again]
            timeout_s = max(60.0, 3 * baseline_s)

            tree = trees[0]
            outcome = []
            for mutant in mutants:
                try:
                    (tree / target.path).write_text(mutate(source, target, mutant.index))
                    passed, _ = run_tests(tree, tests, timeout_s)
                finally:
                    (tree / target.path).write_text(source)
                outcome.append((mutant, not passed))
                if len(outcome) % 20 == 0:
                    done = sum(k for _, k in outcome)
                    print(f"  {len(outcome)}/{len(mutants)} run, {done} killed", flush=True)
            survivors = [m for m, killed in outcome if not killed]
            total = len(outcome) + carried
            killed = total - len(survivors)
            score = killed / total if total else 1.0
            results[target.path] = {
                "tests": tests,
                "source_sha256": digest,
                "mutants": total,
                "killed": killed,
                "carried_from_earlier_run": carried,
                "score": score,
                "baseline_s": round(baseline_s, 1),
                "survivors": [asdict(m) for m in survivors],
            }
            note = f" ({carried} killed in the earlier run)" if carried else ""
            print(f"\n{target.path}: {killed}/{total} killed = {score:.1%}{note}", flush=True)
            for m in survivors:
                print(f"  survived  {m.path}:{m.line}  #{m.index}  {m.what}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(r["mutants"] for r in results.values())
    killed = sum(r["killed"] for r in results.values())
    print(
        f"\nmutation score: {killed}/{total} killed = {killed / max(total, 1):.1%} "
        f"({time.monotonic() - began:.0f} s, root {root})"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
