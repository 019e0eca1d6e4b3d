"""The assignment problem of :func:`~solver.territory.balance_territories` (internal).

Validation of the input, the arrays of the model (cost, balance weight, locks, current
reps), the accounts no rep can reach, and one solve of the assignment
(:mod:`solver.territory.assign`) on those arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from solver.errors import InvalidProblemError
from solver.model import TravelMatrix
from solver.territory.assign import AssignmentInput, AssignmentResult, solve_assignment
from solver.territory.model import (
    BalanceMetric,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
    UnassignedAccount,
)
from solver.territory.travel import TerritoryTravel


def _unique_ids(
    items: Sequence[TerritoryRep | TerritoryAccount], collection: str
) -> dict[str, int]:
    """Return id -> position; raise :class:`InvalidProblemError` on an id used twice."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            raise InvalidProblemError(
                entity=f"{collection}[{i}]",
                entity_id=item.id,
                reason=f"id is used twice ({collection}[{seen[item.id]}] and {collection}[{i}]).",
                field=f"{collection}[{i}].id",
            )
        seen[item.id] = i
    return seen


def validate(reps: Sequence[TerritoryRep], accounts: Sequence[TerritoryAccount]) -> None:
    """Raise :class:`InvalidProblemError` on duplicate ids or unknown rep ids."""
    if not reps:
        raise InvalidProblemError(
            entity="Territories", reason="at least one rep is required.", field="reps"
        )
    seen = _unique_ids(reps, "reps")
    _unique_ids(accounts, "accounts")
    for i, account in enumerate(accounts):
        for name in ("locked_rep", "current_rep"):
            value = getattr(account, name)
            if value is not None and value not in seen:
                raise InvalidProblemError(
                    entity=f"accounts[{i}]",
                    entity_id=account.id,
                    reason=f"{name} names unknown rep '{value}'.",
                    field=f"accounts[{i}].{name}",
                )


def estimate_workload(
    accounts: Sequence[TerritoryAccount], durations_s: np.ndarray, visits_per_day: float
) -> np.ndarray:
    """Weekly workload of each account for each rep, hours (the optimisation's estimate).

    A visit costs its duration plus ``2 x travel(home, account) / visits_per_day`` of
    driving: the round trip of a day from the home shared by the day's visits.

    Parameters
    ----------
    accounts
        The accounts.
    durations_s
        ``(reps, accounts)`` travel times from each home, seconds (-1 = unreachable).
    visits_per_day
        Typical visits per day.

    Returns
    -------
    numpy.ndarray
        ``(reps, accounts)`` hours per week (``inf`` where unreachable).
    """
    per_week = np.asarray([a.visits_per_week for a in accounts])
    visit_h = np.asarray([a.visit_duration_s for a in accounts]) / 3600.0
    travel_h = np.where(durations_s < 0, np.inf, durations_s / 3600.0)
    return per_week * (visit_h + 2.0 * travel_h / visits_per_day)


@dataclass(frozen=True)
class TeamModel:
    """The arrays of the assignment model, one column per account.

    ``cost`` is the visits-weighted travel, hours per week, from each rep's home (inf:
    not allowed, unreachable or locked to another rep); ``weight`` what each account
    adds to each rep's balance metric.
    """

    metric: BalanceMetric
    travel: TravelMatrix
    per_week: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray
    weight: np.ndarray
    locked: np.ndarray
    current: np.ndarray


def build_model(
    reps: tuple[TerritoryRep, ...],
    accounts: tuple[TerritoryAccount, ...],
    source: TerritoryTravel,
    options: TerritoryOptions,
) -> TeamModel:
    """Return the costs and weights of every (rep, account) pair; locks applied."""
    rep_index = {rep.id: i for i, rep in enumerate(reps)}
    metric = BalanceMetric(options.balance)
    revenue = np.asarray([a.revenue or 0.0 for a in accounts])
    if metric == BalanceMetric.REVENUE and accounts and revenue.sum() <= 0:
        raise InvalidProblemError(
            entity="TerritoryOptions",
            reason="balance 'revenue' needs accounts with revenue > 0.",
            field="balance",
        )
    travel = source.homes_to_accounts()
    durations = travel.durations_s
    per_week = np.asarray([a.visits_per_week for a in accounts])
    cost = np.where(durations < 0, np.inf, per_week * durations / 3600.0)
    locked = np.asarray([rep_index.get(a.locked_rep, -1) for a in accounts], dtype=np.int64)
    for j in np.flatnonzero(locked >= 0):
        keep = cost[locked[j], j]
        cost[:, j] = np.inf
        cost[locked[j], j] = keep
    if metric == BalanceMetric.WORKLOAD:
        weight = estimate_workload(accounts, durations, options.visits_per_day)
    elif metric == BalanceMetric.REVENUE:
        weight = np.broadcast_to(revenue, cost.shape)
    else:
        weight = np.ones(cost.shape)
    current = np.asarray([rep_index.get(a.current_rep, -1) for a in accounts], dtype=np.int64)
    return TeamModel(metric, travel, per_week, revenue, cost, weight, locked, current)


def reachable(
    accounts: tuple[TerritoryAccount, ...],
    model: TeamModel,
    reps: Sequence[TerritoryRep] = (),
    off_network_homes: frozenset[str] = frozenset(),
) -> tuple[np.ndarray, list[UnassignedAccount]]:
    """Return the indices of accounts some rep may serve, and the others as unassigned.

    When the reps that could serve an account live off the road network, they (not
    the account) are named as the cause.
    """
    active = np.isfinite(model.cost).any(axis=0)
    unassigned = []
    for j in np.flatnonzero(~active):
        account = accounts[j]
        if model.locked[j] >= 0:
            candidates = [reps[model.locked[j]]] if reps else []
            who = f"its locked rep '{account.locked_rep}'"
        else:
            candidates, who = list(reps), "no rep"
        off = [rep.id for rep in candidates if rep.id in off_network_homes]
        if candidates and len(off) == len(candidates):
            names = ", ".join(f"'{rep_id}'" for rep_id in off[:3])
            more = f" and {len(off) - 3} more" if len(off) > 3 else ""
            reason, detail = (
                "REP_OFF_NETWORK",
                f"Account '{account.id}': the home of rep {names}{more} is off the road "
                "network (too far from any road), so no rep can reach it.",
            )
        else:
            reason = "UNREACHABLE"
            detail = f"Account '{account.id}': {who} can reach it on the road network."
        unassigned.append(UnassignedAccount(account.id, reason, detail))
    return np.flatnonzero(active), unassigned


def capacity_shares(reps: tuple[TerritoryRep, ...]) -> np.ndarray:
    """Return each rep's share of the team's weekly capacity (the balance targets)."""
    share = np.asarray([r.capacity_h_per_week for r in reps], dtype=float)
    return share / share.sum()


def solve_on(
    model: TeamModel, idx: np.ndarray, share: np.ndarray, options: TerritoryOptions
) -> tuple[np.ndarray, AssignmentResult | None, list[str]]:
    """Solve the assignment of the reachable accounts ``idx``; return rep of each, result, notes.

    A current rep whose column is not allowed (locked elsewhere, unreachable) is a forced
    move, counted against ``max_moves`` first.
    """
    current = model.current[idx]
    sub_cost = model.cost[:, idx]
    forced = (current >= 0) & ~np.isfinite(sub_cost[np.maximum(current, 0), np.arange(idx.size)])
    max_moves = options.max_moves
    notes: list[str] = []
    if max_moves is not None:
        n_forced = int(forced.sum())
        if n_forced > max_moves:
            notes.append(
                f"{n_forced} accounts must move (locked to another rep or unreachable from "
                f"their current rep), more than max_moves = {max_moves}; no other move is made."
            )
        max_moves = max(0, max_moves - n_forced)
    if not idx.size:
        return np.empty(0, dtype=np.int64), None, notes
    data = AssignmentInput(
        cost=sub_cost,
        weight=np.ascontiguousarray(model.weight[:, idx]),
        share=share,
        tolerance=options.tolerance,
        current=np.where(forced, -1, current),
        max_moves=max_moves,
        move_penalty=options.move_penalty_h,
    )
    result = solve_assignment(
        data,
        candidate_reps=options.candidate_reps,
        time_limit_s=options.time_limit_s,
        seed=options.seed,
        max_gap=options.max_gap,
        deterministic=options.deterministic,
    )
    return result.rep_of, result, notes + result.notes


def with_columns(weight: np.ndarray, idx: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Return ``weight`` with the columns ``idx`` replaced by ``sub``."""
    full = weight.copy()
    full[:, idx] = sub
    return full
