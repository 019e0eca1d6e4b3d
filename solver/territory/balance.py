"""Entry point :func:`balance_territories`: balanced, compact territories with locks and moves."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from solver.costs import travel_cost
from solver.errors import InvalidProblemError
from solver.model import HIGHS_STATUS, SolverInfo, TravelMatrix, solve_status
from solver.roads.source import TravelSource
from solver.territory.assign import AssignmentInput, AssignmentResult, solve_assignment
from solver.territory.explain import (
    TOLERANCE_SLACK,
    Geography,
    band_sentences,
    capacity_figures,
    geographic_causes,
)
from solver.territory.geometry import territory_polygons
from solver.territory.model import (
    BalanceMetric,
    BalanceSummary,
    Move,
    Territory,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryPlan,
    TerritoryRep,
    UnassignedAccount,
)
from solver.territory.simulate import DayRouter, WeekSimulation, order_day
from solver.territory.travel import TerritoryTravel
from solver.territory.weeks import (
    bound_basis,
    rounds_sentence,
    team_simulator,
)
from solver.territory.workload import polish, rebalance_on_simulation


def _validate(reps: Sequence[TerritoryRep], accounts: Sequence[TerritoryAccount]) -> None:
    if not reps:
        raise InvalidProblemError(
            entity="Territories", reason="at least one rep is required.", field="reps"
        )
    seen: dict[str, int] = {}
    for i, rep in enumerate(reps):
        if rep.id in seen:
            raise InvalidProblemError(
                entity=f"reps[{i}]",
                entity_id=rep.id,
                reason=f"id is used twice (reps[{seen[rep.id]}] and reps[{i}]).",
                field=f"reps[{i}].id",
            )
        seen[rep.id] = i
    seen_accounts: dict[str, int] = {}
    for i, account in enumerate(accounts):
        if account.id in seen_accounts:
            raise InvalidProblemError(
                entity=f"accounts[{i}]",
                entity_id=account.id,
                reason=f"id is used twice "
                f"(accounts[{seen_accounts[account.id]}] and accounts[{i}]).",
                field=f"accounts[{i}].id",
            )
        seen_accounts[account.id] = i
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


def balance_territories(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    *,
    network: TravelSource | None = None,
    matrix: TravelMatrix | None = None,
    options: TerritoryOptions = TerritoryOptions(),  # noqa: B008 (frozen, immutable)
    day_router: DayRouter = order_day,
) -> TerritoryPlan:
    """Split accounts among reps: balanced within a tolerance, with the least travel.

    Minimises the visits-weighted travel from each rep's home to its accounts (plus a
    penalty per move against ``current_rep``), with every rep's balance metric within
    ``target x (1 +- tolerance)``, locks fixed and at most ``max_moves`` moves; see
    :mod:`solver.territory.assign` for the model and the method. The LP relaxation of the
    same model is the reported lower bound.

    Parameters
    ----------
    reps
        The reps (at least one).
    accounts
        The accounts; ids unique; ``locked_rep``/``current_rep`` must name reps.
    network
        A loaded :class:`~solver.roads.RoadNetwork` (locations lat/lon), or
    matrix
        an explicit square :class:`~solver.model.TravelMatrix` (locations ``index``).
    options
        Metric, tolerance, moves, time limit and seed (:class:`TerritoryOptions`).
    day_router
        Orders the visits of one simulated day (see :mod:`solver.territory.simulate`);
        e.g. :func:`~solver.territory.simulate.plan_day_router` for the day-plan engine.

    Returns
    -------
    TerritoryPlan
        Assignment, territories with weekly figures and polygons (on a road network
        they cover the network's whole area, see :mod:`solver.territory.geometry`),
        moves, unassigned accounts (no rep can reach them) and the summary with the LP
        bound. A tolerance
        that cannot be met is reported in ``summary.explanation``, not raised.

    Raises
    ------
    InvalidProblemError
        Bad input: duplicate ids, unknown rep ids, locations that do not fit the travel
        source, or ``balance="revenue"`` without any revenue.
    """
    started = time.perf_counter()
    reps, accounts = tuple(reps), tuple(accounts)
    _validate(reps, accounts)
    source = TerritoryTravel(
        reps, accounts, network=network, matrix=matrix, traffic=options.traffic
    )
    model = _build_model(reps, accounts, source, options)
    idx, unassigned = _reachable(accounts, model, reps, source.off_network_homes)
    share = _capacity_shares(reps)
    rep_of, result, notes = _assign(model, idx, share, options)
    estimate = estimate_workload(accounts, model.travel.durations_s, options.visits_per_day)
    visit_h = model.per_week * np.asarray([a.visit_duration_s for a in accounts]) / 3600.0
    simulate = team_simulator(accounts, source, options, day_router)
    best, polished = None, 0
    if simulate is not None and model.metric == BalanceMetric.WORKLOAD and idx.size:
        best = rebalance_on_simulation(
            estimate[:, idx],
            visit_h[idx],
            share,
            options.tolerance,
            options.workload_rounds,
            (rep_of, result, notes),
            solve=lambda w, band: _assign(
                dataclasses.replace(model, weight=_full(model.weight, idx, w)),
                idx,
                share,
                dataclasses.replace(options, tolerance=band),
            ),
            simulate=lambda assigned: simulate.team(reps, idx, assigned),
            travel_h=lambda assigned: float(model.cost[assigned, idx].sum()),
        )
        if options.max_moves is None and options.workload_rounds > 0:
            # (with max_moves, single moves could break it: not polished)
            best, polished = polish(
                best,
                visit_h[idx],
                share,
                options.tolerance,
                model.cost[:, idx],
                simulate_rep=lambda r, assigned: simulate.week(
                    reps[r].home, idx[assigned == r], r=r
                ),
                travel_h=lambda assigned: float(model.cost[assigned, idx].sum()),
            )
        rep_of, result, notes = best.rep_of, best.result, best.notes
        simulations: list[WeekSimulation | None] = list(best.simulations)
    else:
        simulations = (
            list(simulate.team(reps, idx, rep_of)) if simulate is not None else [None] * len(reps)
        )
    solve_s = time.perf_counter() - started
    rep_accounts = [idx[rep_of == r] for r in range(len(reps))]
    if best is not None:
        targets = share * best.workload_h.sum()
        figures = _Figures(best.workload_h, targets, best.deviation)
    else:
        figures = _balance_figures(model, idx, rep_of, share, len(reps))
    territories = _territories(reps, accounts, model, rep_accounts, simulations, figures, options)
    territories = [
        dataclasses.replace(t, estimated_workload_h_per_week=float(estimate[r, mine].sum()))
        for r, (t, mine) in enumerate(zip(territories, rep_accounts, strict=True))
    ]
    outline = getattr(network, "outline", None)  # road networks have one, matrices do not
    area = outline() if outline is not None else None
    territories = _with_polygons(reps, accounts, idx, rep_of, territories, area)
    assignment = {accounts[j].id: reps[rep_of[k]].id for k, j in enumerate(idx)}
    moves = _moves(accounts, assignment)
    travel_h = float(model.cost[rep_of, idx].sum()) if idx.size else 0.0
    objective_h = travel_h + options.move_penalty_h * len(moves)
    bound = result.lower_bound if result is not None else 0.0
    if polished and objective_h < bound:  # polished plans are outside the bound's model
        bound = float("nan")
    workload = np.asarray([t.workload_h_per_week for t in territories])
    capacity = capacity_figures(reps, workload, options.min_utilisation)
    weight = model.weight if best is None else _full(model.weight, idx, best.weight)
    basis = _basis(model.metric, best is not None, simulations)
    explanation: list[str] = list(_off_network_homes(reps, source.off_network_homes))
    geography = Geography((), ())
    if not _within(figures, options):
        explanation += band_sentences(
            reps, accounts, idx, rep_of, weight, share, options, result, figures.deviation,
            basis.replace("_", " "),
        )  # fmt: skip
        if best is not None:
            explanation.append(rounds_sentence(best, options, polished))
            geography = geographic_causes(
                reps, accounts, idx, rep_of, model.travel.durations_s, best.workload_h,
                best.simulations, share, options.tolerance,
                lambda home, members, visits: simulate.week(home, members, visits),
            )  # fmt: skip
            explanation += geography.sentences
    explanation += notes
    explanation += capacity.sentences
    est_values = np.bincount(rep_of, weights=estimate[rep_of, idx], minlength=len(reps))
    simulated = [t for t in territories if t.drive_method == "simulated"]
    sim_dev = (
        _max_dev(np.asarray([t.workload_h_per_week for t in territories]), share)
        if simulated and len(simulated) == len(territories)
        else None
    )
    summary = BalanceSummary(
        metric=model.metric.value,
        tolerance=options.tolerance,
        max_deviation=float(np.abs(figures.deviation).max(initial=0.0)),
        within_tolerance=_within(figures, options),
        total_drive_h_per_week=float(sum(t.drive_h_per_week for t in territories)),
        travel_h_per_week=travel_h,
        objective_h_per_week=objective_h,
        lower_bound_h_per_week=bound,
        gap_to_bound=_gap(objective_h, bound),
        moves=len(moves),
        explanation=tuple(explanation),
        balanced_on=basis,
        estimate_max_deviation=_max_dev(est_values, share),
        simulated_max_deviation=sim_dev,
        rounds=len(best.history) - 1 if best is not None else 0,
        round_deviations=tuple(best.history) if best is not None else (),
        bound_basis=bound_basis(model.metric, best, options, polished),
        capacity_h_per_week=capacity.capacity_h_per_week,
        workload_h_per_week=capacity.workload_h_per_week,
        utilisation=capacity.utilisation,
        capacity_status=capacity.status,
        missing_h_per_week=capacity.missing_h_per_week,
        missing_reps=capacity.missing_reps,
        spare_reps=capacity.spare_reps,
        geographic_accounts=geography.account_ids,
    )
    info = SolverInfo(
        status=solve_status(result.status if result is not None else "empty", HIGHS_STATUS),
        seed=options.seed,
        time_limit_s=options.time_limit_s,
        time_s=round(solve_s, 3),
        objective=objective_h,
        deterministic=options.deterministic,
    )
    return TerritoryPlan(
        assignment=assignment,
        territories=tuple(territories),
        moves=moves,
        unassigned=tuple(unassigned),
        summary=summary,
        solver=info,
    )


@dataclass(frozen=True)
class _Model:
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


def _build_model(
    reps: tuple[TerritoryRep, ...],
    accounts: tuple[TerritoryAccount, ...],
    source: TerritoryTravel,
    options: TerritoryOptions,
) -> _Model:
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
    return _Model(metric, travel, per_week, revenue, cost, weight, locked, current)


def _reachable(
    accounts: tuple[TerritoryAccount, ...],
    model: _Model,
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


def _capacity_shares(reps: tuple[TerritoryRep, ...]) -> np.ndarray:
    """Return each rep's share of the team's weekly capacity (the balance targets)."""
    share = np.asarray([r.capacity_h_per_week for r in reps], dtype=float)
    return share / share.sum()


def _assign(
    model: _Model, idx: np.ndarray, share: np.ndarray, options: TerritoryOptions
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


@dataclass(frozen=True)
class _Figures:
    """Each rep's balance value, its target and the relative deviation."""

    values: np.ndarray
    targets: np.ndarray
    deviation: np.ndarray


def _balance_figures(
    model: _Model, idx: np.ndarray, rep_of: np.ndarray, share: np.ndarray, n_reps: int
) -> _Figures:
    """Return the balance value, target and deviation of every rep."""
    weight_of = model.weight[rep_of, idx] if idx.size else np.empty(0)
    values = np.bincount(rep_of, weights=weight_of, minlength=n_reps)
    targets = share * values.sum()
    deviation = np.divide(values, targets, out=np.zeros(n_reps), where=targets > 0) - 1.0
    deviation[targets <= 0] = 0.0
    return _Figures(values, targets, deviation)


def _territories(
    reps: tuple[TerritoryRep, ...],
    accounts: tuple[TerritoryAccount, ...],
    model: _Model,
    rep_accounts: list[np.ndarray],
    simulations: list[WeekSimulation | None],
    figures: _Figures,
    options: TerritoryOptions,
) -> list[Territory]:
    """Return every rep's territory with its weekly figures (no polygon yet)."""
    per_week, durations = model.per_week, model.travel.durations_s
    visit_s = np.asarray([a.visit_duration_s for a in accounts], dtype=float)
    distances_km = np.where(model.travel.distances_m < 0, 0, model.travel.distances_m) / 1000.0
    territories = []
    for r, rep in enumerate(reps):
        members = rep_accounts[r]
        visits = float(per_week[members].sum())
        visit_h = float((per_week[members] * visit_s[members]).sum() / 3600.0)
        sim = simulations[r]
        if sim is not None:
            drive_h = sim.drive_s_per_week / 3600.0
            drive_km = sim.distance_m_per_week / 1000.0
            method = "simulated"
        else:
            share_of_trip = 2.0 * per_week[members] / options.visits_per_day
            drive_h = float((share_of_trip * durations[r, members]).sum() / 3600.0)
            drive_km = float((share_of_trip * distances_km[r, members]).sum())
            method = "estimated"
        workload_h = visit_h + drive_h
        territories.append(
            Territory(
                rep_id=rep.id,
                account_ids=tuple(accounts[j].id for j in members),
                accounts=int(members.size),
                visits_per_week=visits,
                visit_h_per_week=visit_h,
                drive_h_per_week=drive_h,
                drive_km_per_week=drive_km,
                drive_method=method,
                cost_per_week=round(
                    travel_cost(drive_km, drive_h, rep.cost_per_km, rep.cost_per_hour), 2
                ),
                revenue=float(model.revenue[members].sum()),
                workload_h_per_week=workload_h,
                utilisation=workload_h / rep.capacity_h_per_week,
                balance_value=float(figures.values[r]),
                balance_target=float(figures.targets[r]),
                deviation=float(figures.deviation[r]),
            )
        )
    return territories


def _with_polygons(
    reps: tuple[TerritoryRep, ...],
    accounts: tuple[TerritoryAccount, ...],
    idx: np.ndarray,
    rep_of: np.ndarray,
    territories: list[Territory],
    area: shapely.Geometry | None,
) -> list[Territory]:
    """Return the territories with their polygons (geographic locations only).

    ``area`` (a shapely geometry, e.g. the road network's outline) is covered by the
    cells too, so that coastlines and edges of the network are not left unassigned.
    """
    geo = bool(accounts) and all(a.location.is_geo for a in accounts)
    if not (geo and idx.size):
        return territories
    polygons = territory_polygons(
        [accounts[j].location for j in idx],
        rep_of,
        len(reps),
        [r.home for r in reps],
        area=area,
    )
    return [dataclasses.replace(t, polygon=p) for t, p in zip(territories, polygons, strict=True)]


def _moves(accounts: tuple[TerritoryAccount, ...], assignment: dict[str, str]) -> tuple[Move, ...]:
    """Return the accounts that change rep against their ``current_rep``."""
    return tuple(
        Move(a.id, a.current_rep, assignment[a.id])
        for a in accounts
        if a.current_rep is not None and a.id in assignment and assignment[a.id] != a.current_rep
    )


def _within(figures: _Figures, options: TerritoryOptions) -> bool:
    """Whether every rep's deviation is within the tolerance (up to float noise)."""
    return float(np.abs(figures.deviation).max(initial=0.0)) <= options.tolerance + TOLERANCE_SLACK


def _off_network_homes(
    reps: Sequence[TerritoryRep], off_network_homes: frozenset[str]
) -> tuple[str, ...]:
    """Say which reps live off the road network: they, not their accounts, are the cause."""
    return tuple(
        f"Rep '{rep.id}': the home is off the road network (too far from any road), so "
        "the rep can reach no account; check its home's lat/lon."
        for rep in reps
        if rep.id in off_network_homes
    )


def _gap(objective: float, bound: float) -> float:
    """Relative gap of the objective above the bound (nan without a bound)."""
    if np.isnan(bound):
        return float("nan")
    # the bound is proven: an objective below it is floating-point noise, not a gap
    return max(0.0, objective / bound - 1.0) if bound > 0 else 0.0


def _full(weight: np.ndarray, idx: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Return ``weight`` with the columns ``idx`` replaced by ``sub``."""
    full = weight.copy()
    full[:, idx] = sub
    return full


def _basis(metric: BalanceMetric, rebalanced: bool, simulations: list) -> str:
    """Name the figure the deviations measure (``summary.balanced_on``)."""
    if metric != BalanceMetric.WORKLOAD:
        return metric.value
    return "simulated_workload" if rebalanced else "estimated_workload"


def _max_dev(values: np.ndarray, share: np.ndarray) -> float:
    """Largest relative deviation of ``values`` from their capacity-share targets."""
    values = np.asarray(values, dtype=float)
    target = share * values.sum()
    deviation = np.divide(values, target, out=np.zeros_like(values), where=target > 0) - 1.0
    deviation[target <= 0] = 0.0
    return float(np.abs(deviation).max(initial=0.0))
