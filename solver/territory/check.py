"""Independent checker of a :class:`TerritoryPlan`: recomputes what the solver claims.

It shares no code with the solver beyond the input model: every figure it checks is
recomputed here from the reps, the accounts and (optionally) the home->account matrix.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from solver.territory.model import (
    BalanceMetric,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryPlan,
    TerritoryRep,
)

_REL = 1e-6


def _close(a: float, b: float, rel: float = _REL, abs_tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def check_territory_plan(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    plan: TerritoryPlan,
    options: TerritoryOptions,
    *,
    home_durations_s: np.ndarray | None = None,
) -> list[str]:
    """Return every way the plan breaks its own claims or the problem's rules.

    Checks: each account assigned once (or listed as unassigned), to a known rep; the
    territories list exactly the assigned accounts; locks held; moves recounted from
    ``current_rep`` and within ``max_moves`` (moves forced by a lock to another rep are
    allowed beyond it); balance values (recomputed for ``accounts``/``revenue``, and for
    ``workload`` when ``home_durations_s`` is given), targets and deviations; the
    tolerance flag; per-territory and summary totals; objective >= lower bound.

    Parameters
    ----------
    reps, accounts
        The problem.
    plan
        The solver's answer.
    options
        The options it was solved with.
    home_durations_s
        Optional ``(reps, accounts)`` travel times from each home, seconds, to recompute
        the workload metric and the travel objective.

    Returns
    -------
    list[str]
        One sentence per problem; empty when the plan is consistent.
    """
    problems: list[str] = []
    rep_ids = [r.id for r in reps]
    rep_pos = {rid: i for i, rid in enumerate(rep_ids)}
    by_id = {a.id: a for a in accounts}
    unassigned = Counter(u.account_id for u in plan.unassigned)
    for account in accounts:
        placed = account.id in plan.assignment
        if placed == (unassigned[account.id] > 0) or unassigned[account.id] > 1:
            problems.append(f"Account '{account.id}' is not assigned exactly once.")
    for account_id, rep_id in plan.assignment.items():
        if account_id not in by_id:
            problems.append(f"Assignment names unknown account '{account_id}'.")
        if rep_id not in rep_pos:
            problems.append(f"Account '{account_id}' is assigned to unknown rep '{rep_id}'.")
    # territories list exactly the assignment
    listed: dict[str, str] = {}
    for t in plan.territories:
        for account_id in t.account_ids:
            if account_id in listed:
                problems.append(f"Account '{account_id}' is in two territories.")
            listed[account_id] = t.rep_id
        if t.accounts != len(t.account_ids):
            problems.append(f"Territory '{t.rep_id}': accounts {t.accounts} != listed ids.")
    if listed != dict(plan.assignment):
        problems.append("Territories do not list exactly the assigned accounts.")
    if sorted(t.rep_id for t in plan.territories) != sorted(rep_ids):
        problems.append("There is not exactly one territory per rep.")
    # locks
    for account in accounts:
        got = plan.assignment.get(account.id)
        if account.locked_rep is not None and got is not None and got != account.locked_rep:
            problems.append(
                f"Account '{account.id}' is locked to '{account.locked_rep}' but assigned "
                f"to '{got}'."
            )
    # moves
    moved = {
        a.id
        for a in accounts
        if a.current_rep is not None
        and a.id in plan.assignment
        and plan.assignment[a.id] != a.current_rep
    }
    if {m.account_id for m in plan.moves} != moved or len(plan.moves) != len(moved):
        problems.append(f"Moves listed ({len(plan.moves)}) differ from the recount ({len(moved)}).")
    for m in plan.moves:
        a = by_id.get(m.account_id)
        if a is not None and (m.from_rep != a.current_rep or m.to_rep != plan.assignment[a.id]):
            problems.append(f"Move of '{m.account_id}' has wrong reps.")
    if plan.summary.moves != len(moved):
        problems.append(f"Summary moves {plan.summary.moves} != recount {len(moved)}.")
    if options.max_moves is not None:
        forced = {a for a in moved if by_id[a].locked_rep not in (None, by_id[a].current_rep)}
        free = len(moved - forced)
        if free > max(0, options.max_moves - len(forced)):
            problems.append(
                f"{len(moved)} moves ({len(forced)} forced by locks) exceed max_moves = "
                f"{options.max_moves}."
            )
    # per-territory sums
    share = np.asarray([r.capacity_h_per_week for r in reps], dtype=float)
    share /= share.sum()
    metric = BalanceMetric(options.balance)
    values = []
    for t in plan.territories:
        r = rep_pos.get(t.rep_id)
        mine = [by_id[a] for a in t.account_ids if a in by_id]
        visits = sum(a.visits_per_4_weeks for a in mine) / 4
        visit_h = sum(a.visits_per_4_weeks / 4 * a.visit_duration_s for a in mine) / 3600
        revenue = sum(a.revenue or 0.0 for a in mine)
        for name, got, want in (
            ("visits_per_week", t.visits_per_week, visits),
            ("visit_h_per_week", t.visit_h_per_week, visit_h),
            ("revenue", t.revenue, revenue),
            ("workload_h_per_week", t.workload_h_per_week, t.visit_h_per_week + t.drive_h_per_week),
        ):
            if not _close(got, want):
                problems.append(f"Territory '{t.rep_id}': {name} {got} != recomputed {want}.")
        if r is not None and not _close(
            t.utilisation, t.workload_h_per_week / reps[r].capacity_h_per_week
        ):
            problems.append(f"Territory '{t.rep_id}': utilisation does not match.")
        if metric == BalanceMetric.ACCOUNTS:
            value = float(len(mine))
        elif metric == BalanceMetric.REVENUE:
            value = revenue
        elif home_durations_s is not None and r is not None:
            index = {a.id: j for j, a in enumerate(accounts)}
            value = sum(
                a.visits_per_4_weeks
                / 4
                * (
                    a.visit_duration_s / 3600
                    + 2 * home_durations_s[r, index[a.id]] / 3600 / options.visits_per_day
                )
                for a in mine
            )
        else:
            value = t.balance_value
        if not _close(value, t.balance_value):
            problems.append(
                f"Territory '{t.rep_id}': balance value {t.balance_value} != recomputed {value}."
            )
        values.append((r, value, t))
    total = sum(v for _, v, _ in values)
    max_dev = 0.0
    for r, value, t in values:
        if r is None:
            continue
        target = share[r] * total
        deviation = value / target - 1 if target > 0 else 0.0
        max_dev = max(max_dev, abs(deviation))
        if not _close(t.balance_target, target) or not _close(t.deviation, deviation):
            problems.append(f"Territory '{t.rep_id}': target or deviation does not match.")
    s = plan.summary
    if not _close(s.max_deviation, max_dev):
        problems.append(f"Summary max_deviation {s.max_deviation} != recomputed {max_dev}.")
    if s.within_tolerance != (max_dev <= options.tolerance + 1e-9):
        problems.append("Summary within_tolerance disagrees with the recomputed deviation.")
    if not s.within_tolerance and not s.explanation:
        problems.append("The tolerance is not met but there is no explanation.")
    drive = sum(t.drive_h_per_week for t in plan.territories)
    if not _close(s.total_drive_h_per_week, drive):
        problems.append("Summary total drive time is not the sum of the territories'.")
    if home_durations_s is not None:
        index = {a.id: j for j, a in enumerate(accounts)}
        travel = sum(
            by_id[a].visits_per_week * home_durations_s[rep_pos[rid], index[a]] / 3600
            for a, rid in plan.assignment.items()
        )
        if not _close(s.travel_h_per_week, travel):
            problems.append(f"Summary travel {s.travel_h_per_week} != recomputed {travel}.")
    want_objective = s.travel_h_per_week + options.move_penalty_h * len(moved)
    if not _close(s.objective_h_per_week, want_objective):
        problems.append("Summary objective != travel + move penalties.")
    if s.within_tolerance and s.objective_h_per_week < s.lower_bound_h_per_week * (1 - 1e-6) - 1e-6:
        problems.append(
            f"Objective {s.objective_h_per_week} is below the lower bound "
            f"{s.lower_bound_h_per_week}: the bound is wrong."
        )
    return problems
