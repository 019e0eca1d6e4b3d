"""Entry point :func:`balance_territories`: balanced, compact territories with locks and moves.

The steps live in their own modules: the problem's arrays and one solve
(:mod:`~solver.territory.problem`, :mod:`~solver.territory.assign`), the rounds on the
simulated week (:mod:`~solver.territory.workload`, :mod:`~solver.territory.weeks`,
:mod:`~solver.territory.drive`), the explanation (:mod:`~solver.territory.explain`) and
the plan's figures (:mod:`~solver.territory.report`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from solver.model import HIGHS_STATUS, SolverInfo, StopReason, TravelMatrix, solve_status
from solver.progress import CancelWatch
from solver.roads.source import TravelSource
from solver.territory.explain import (
    Geography,
    band_sentences,
    capacity_figures,
    geographic_causes,
)
from solver.territory.model import (
    BalanceMetric,
    BalanceSummary,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryPlan,
    TerritoryRep,
)
from solver.territory.problem import (
    build_model,
    capacity_shares,
    estimate_workload,
    reachable,
    solve_on,
    validate,
    with_columns,
)
from solver.territory.report import (
    Figures,
    balance_figures,
    basis,
    build_territories,
    gap,
    max_deviation,
    off_network_sentences,
    plan_moves,
    with_polygons,
    within,
)
from solver.territory.simulate import DayRouter, WeekSimulation, order_day
from solver.territory.travel import TerritoryTravel
from solver.territory.weeks import bound_basis, rounds_sentence, settle, team_simulator
from solver.territory.workload import rebalance_on_simulation

__all__ = ["balance_territories", "estimate_workload"]


def balance_territories(
    reps: Sequence[TerritoryRep],
    accounts: Sequence[TerritoryAccount],
    *,
    network: TravelSource | None = None,
    matrix: TravelMatrix | None = None,
    options: TerritoryOptions = TerritoryOptions(),  # noqa: B008 (frozen, immutable)
    day_router: DayRouter = order_day,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
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
    on_progress
        Called as ``on_progress(fraction_done, travel_h)`` after the first solve and each
        simulate-and-rebalance round, and as ``(fraction_done, None)`` about every 0.2 s
        while polishing (``fraction_done``: share of ``time_limit_s`` used). Returning
        True stops the rounds and the polishing: the best plan so far is returned with
        ``solver.stop_reason = "cancelled"`` (a cancelled job). A running HiGHS solve is
        not interrupted: the stop comes after it, within one assignment solve.

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
    cancel = CancelWatch(on_progress, time.monotonic(), options.time_limit_s)
    reps, accounts = tuple(reps), tuple(accounts)
    validate(reps, accounts)
    source = TerritoryTravel(
        reps, accounts, network=network, matrix=matrix, traffic=options.traffic
    )
    model = build_model(reps, accounts, source, options)
    idx, unassigned = reachable(accounts, model, reps, source.off_network_homes)
    share = capacity_shares(reps)
    rep_of, result, notes = solve_on(model, idx, share, options)
    cancel.report(float(model.cost[rep_of, idx].sum()) if idx.size else 0.0)
    estimate = estimate_workload(accounts, model.travel.durations_s, options.visits_per_day)
    visit_h = model.per_week * np.asarray([a.visit_duration_s for a in accounts]) / 3600.0
    simulate = team_simulator(reps, accounts, source, options, day_router)
    best, polished, rounds_cancelled = None, 0, False
    rebalance = not cancel.seen and options.workload_rounds > 0
    if simulate is not None and model.metric == BalanceMetric.WORKLOAD and idx.size:
        best = rebalance_on_simulation(
            estimate[:, idx],
            visit_h[idx],
            share,
            options.tolerance,
            options.workload_rounds if rebalance else 0,
            (rep_of, result, notes),
            solve=lambda w, band: solve_on(
                dataclasses.replace(model, weight=with_columns(model.weight, idx, w)),
                idx,
                share,
                dataclasses.replace(options, tolerance=band),
            ),
            simulate=lambda assigned: simulate.team(reps, idx, assigned),
            travel_h=lambda assigned: float(model.cost[assigned, idx].sum()),
            stop=lambda done: cancel.report(done.travel_h),
        )
        rounds_cancelled = cancel.seen  # the rounds ended on the cancel, not on their own
        if options.max_moves is None and rebalance and not cancel.seen:
            # (with max_moves, single moves could break it: not polished)
            best, polished = settle(
                best, simulate, reps, idx, visit_h[idx], share, options,
                model.cost[:, idx], model.current[idx], stop=cancel,
            )  # fmt: skip
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
        figures = Figures(best.workload_h, targets, best.deviation)
    else:
        figures = balance_figures(model, idx, rep_of, share, len(reps))
    territories = build_territories(
        reps, accounts, model, rep_accounts, simulations, figures, options
    )
    territories = [
        dataclasses.replace(t, estimated_workload_h_per_week=float(estimate[r, mine].sum()))
        for r, (t, mine) in enumerate(zip(territories, rep_accounts, strict=True))
    ]
    outline = getattr(network, "outline", None)  # road networks have one, matrices do not
    area = outline() if outline is not None else None
    territories = with_polygons(reps, accounts, idx, rep_of, territories, area)
    assignment = {accounts[j].id: reps[rep_of[k]].id for k, j in enumerate(idx)}
    moves = plan_moves(accounts, assignment)
    travel_h = float(model.cost[rep_of, idx].sum()) if idx.size else 0.0
    objective_h = travel_h + options.move_penalty_h * len(moves)
    bound = result.lower_bound if result is not None else 0.0
    if polished and objective_h < bound:  # polished plans are outside the bound's model
        bound = float("nan")
    workload = np.asarray([t.workload_h_per_week for t in territories])
    capacity = capacity_figures(reps, workload, options.min_utilisation)
    weight = model.weight if best is None else with_columns(model.weight, idx, best.weight)
    balanced_on = basis(model.metric, best is not None, simulations)
    explanation: list[str] = list(off_network_sentences(reps, source.off_network_homes))
    geography = Geography((), ())
    if not within(figures, options):
        explanation += band_sentences(
            reps, accounts, idx, rep_of, weight, share, options, result, figures.deviation,
            balanced_on.replace("_", " "),
        )  # fmt: skip
        if best is not None:
            explanation.append(rounds_sentence(best, options, polished, cancelled=rounds_cancelled))
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
        max_deviation(np.asarray([t.workload_h_per_week for t in territories]), share)
        if simulated and len(simulated) == len(territories)
        else None
    )
    summary = BalanceSummary(
        metric=model.metric.value,
        tolerance=options.tolerance,
        max_deviation=float(np.abs(figures.deviation).max(initial=0.0)),
        within_tolerance=within(figures, options),
        total_drive_h_per_week=float(sum(t.drive_h_per_week for t in territories)),
        travel_h_per_week=travel_h,
        objective_h_per_week=objective_h,
        lower_bound_h_per_week=bound,
        gap_to_bound=gap(objective_h, bound),
        moves=len(moves),
        explanation=tuple(explanation),
        balanced_on=balanced_on,
        estimate_max_deviation=max_deviation(est_values, share),
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
        stop_reason=StopReason.CANCELLED if cancel.seen else None,
    )
    return TerritoryPlan(
        assignment=assignment,
        territories=tuple(territories),
        moves=moves,
        unassigned=tuple(unassigned),
        summary=summary,
        solver=info,
    )
