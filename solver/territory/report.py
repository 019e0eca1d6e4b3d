"""The figures and outputs of a territory plan (internal).

Each rep's balance value and deviation, the territories with their weekly figures and
polygons, the moves against the current reps, and the small figures of the summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from solver.costs import travel_cost
from solver.territory.explain import TOLERANCE_SLACK
from solver.territory.geometry import territory_polygons
from solver.territory.model import (
    BalanceMetric,
    Move,
    Territory,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
)
from solver.territory.problem import TeamModel
from solver.territory.simulate import WeekSimulation


@dataclass(frozen=True)
class Figures:
    """Each rep's balance value, its target and the relative deviation."""

    values: np.ndarray
    targets: np.ndarray
    deviation: np.ndarray


def balance_figures(
    model: TeamModel, idx: np.ndarray, rep_of: np.ndarray, share: np.ndarray, n_reps: int
) -> Figures:
    """Return the balance value, target and deviation of every rep."""
    weight_of = model.weight[rep_of, idx] if idx.size else np.empty(0)
    values = np.bincount(rep_of, weights=weight_of, minlength=n_reps)
    targets = share * values.sum()
    deviation = np.divide(values, targets, out=np.zeros(n_reps), where=targets > 0) - 1.0
    deviation[targets <= 0] = 0.0
    return Figures(values, targets, deviation)


def build_territories(
    reps: tuple[TerritoryRep, ...],
    accounts: tuple[TerritoryAccount, ...],
    model: TeamModel,
    rep_accounts: list[np.ndarray],
    simulations: list[WeekSimulation | None],
    figures: Figures,
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


def with_polygons(
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


def plan_moves(
    accounts: tuple[TerritoryAccount, ...], assignment: dict[str, str]
) -> tuple[Move, ...]:
    """Return the accounts that change rep against their ``current_rep``."""
    return tuple(
        Move(a.id, a.current_rep, assignment[a.id])
        for a in accounts
        if a.current_rep is not None and a.id in assignment and assignment[a.id] != a.current_rep
    )


def within(figures: Figures, options: TerritoryOptions) -> bool:
    """Whether every rep's deviation is within the tolerance (up to float noise)."""
    return float(np.abs(figures.deviation).max(initial=0.0)) <= options.tolerance + TOLERANCE_SLACK


def off_network_sentences(
    reps: Sequence[TerritoryRep], off_network_homes: frozenset[str]
) -> tuple[str, ...]:
    """Say which reps live off the road network: they, not their accounts, are the cause."""
    return tuple(
        f"Rep '{rep.id}': the home is off the road network (too far from any road), so "
        "the rep can reach no account; check its home's lat/lon."
        for rep in reps
        if rep.id in off_network_homes
    )


def gap(objective: float, bound: float) -> float:
    """Relative gap of the objective above the bound (nan without a bound)."""
    if np.isnan(bound):
        return float("nan")
    # the bound is proven: an objective below it is floating-point noise, not a gap
    return max(0.0, objective / bound - 1.0) if bound > 0 else 0.0


def basis(metric: BalanceMetric, rebalanced: bool, simulations: list) -> str:
    """Name the figure the deviations measure (``summary.balanced_on``)."""
    if metric != BalanceMetric.WORKLOAD:
        return metric.value
    return "simulated_workload" if rebalanced else "estimated_workload"


def max_deviation(values: np.ndarray, share: np.ndarray) -> float:
    """Largest relative deviation of ``values`` from their capacity-share targets."""
    values = np.asarray(values, dtype=float)
    target = share * values.sum()
    deviation = np.divide(values, target, out=np.zeros_like(values), where=target > 0) - 1.0
    deviation[target <= 0] = 0.0
    return float(np.abs(deviation).max(initial=0.0))
