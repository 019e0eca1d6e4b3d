"""Check a whole plan: each route (see :mod:`.route`), then reps and accounts across routes."""

from __future__ import annotations

from typing import Any

from solver.model import Plan, Problem, Rep, Route
from solver.routing.check.legs import Legs
from solver.routing.check.route import RouteCheck
from solver.routing.check.violation import Violation


def check_plan(problem: Problem, plan: Plan, *, network: Any = None) -> list[Violation]:
    """Verify a plan against its problem, recomputing every figure from the raw inputs.

    Parameters
    ----------
    problem
        The problem the plan answers.
    plan
        The plan to check (from the solver or hand-made).
    network
        The road network (``solver.roads.RoadNetwork``), for problems with lat/lon
        locations; its ``matrix`` is queried once per distinct leg of the plan.

    Returns
    -------
    list of Violation
        Empty when the plan is feasible.

    Raises
    ------
    InvalidProblemError
        When the problem has lat/lon locations but no network was given.
    """
    legs = Legs(problem, network)
    reps = {rep.id: rep for rep in problem.reps}
    violations: list[Violation] = []
    seen_reps: set[str] = set()
    visited: dict[str, str] = {}
    for route in plan.routes:
        rep = reps.get(route.rep_id)
        if rep is None:
            violations.append(
                Violation(route.rep_id, None, "UNKNOWN_REP", f"Rep '{route.rep_id}' is unknown.")
            )
            continue
        if rep.id in seen_reps:
            violations.append(
                Violation(rep.id, None, "DUPLICATE_ROUTE", f"Rep '{rep.id}' has two routes.")
            )
        seen_reps.add(rep.id)
        violations += _duplicate_visits(rep, route, visited)
        violations += RouteCheck(problem, legs, rep, route).run()
    violations += _account_coverage(problem, plan, visited)
    return violations


def _duplicate_visits(rep: Rep, route: Route, visited: dict[str, str]) -> list[Violation]:
    """Flag accounts of ``route`` already visited (by this or an earlier route)."""
    out = []
    for account_id in route.account_ids:
        if account_id in visited:
            detail = f"Account '{account_id}' is visited twice."
            out.append(Violation(rep.id, account_id, "DUPLICATE_VISIT", detail))
        visited[account_id] = rep.id
    return out


def _account_coverage(problem: Problem, plan: Plan, visited: dict[str, str]) -> list[Violation]:
    """Every account is visited or unassigned, never both."""
    unassigned = {u.account_id for u in plan.unassigned}
    out = []
    for account in problem.accounts:
        routed, dropped = account.id in visited, account.id in unassigned
        if routed and dropped:
            detail = f"Account '{account.id}' is both visited and unassigned."
            out.append(Violation(visited[account.id], account.id, "ROUTED_AND_UNASSIGNED", detail))
        elif not routed and not dropped:
            detail = f"Account '{account.id}' is neither visited nor unassigned."
            out.append(Violation(None, account.id, "MISSING_ACCOUNT", detail))
    return out
