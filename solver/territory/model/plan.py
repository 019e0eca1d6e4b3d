"""Results of territory design: territories, moves, unassigned accounts and the plan.

Workloads, drive times and capacities are hours per week (``*_h_per_week``); distances
are km per week; costs are per week in the caller's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solver.exports import territory_geojson
from solver.model import SolverInfo


@dataclass(frozen=True, slots=True)
class Territory:
    """One rep's territory and its weekly figures.

    ``balance_value`` and ``deviation`` are measured on the balanced metric (the
    optimisation's workload estimate for ``"workload"``); the drive figures come from
    ``drive_method``: ``"simulated"`` (typical day routes) or ``"estimated"``.
    """

    rep_id: str
    """The rep owning the territory."""
    account_ids: tuple[str, ...]
    """Ids of the territory's accounts."""
    accounts: int
    """Number of accounts."""
    visits_per_week: float
    """Visits a week over the accounts."""
    visit_h_per_week: float
    """Visit hours a week."""
    drive_h_per_week: float
    """Driving hours a week (see drive_method)."""
    drive_km_per_week: float
    """Driven kilometres a week."""
    drive_method: str
    """How drive figures were found: 'simulated' (typical day routes) or 'estimated'."""
    cost_per_week: float
    """Travel cost a week in the currency of the rates, rounded to cents."""
    revenue: float
    """Summed revenue of the accounts."""
    workload_h_per_week: float
    """Visit plus drive hours a week."""
    utilisation: float
    """Workload as a share of the rep's capacity."""
    balance_value: float
    """The territory's value of the balanced metric."""
    balance_target: float
    """The target value of the balanced metric."""
    deviation: float
    """Relative deviation of balance_value from the target."""
    polygon: dict | None = None
    """GeoJSON polygon covering the territory's area, else null."""
    estimated_workload_h_per_week: float = 0.0
    """The optimiser's estimate of the workload: visit hours plus 2 x drive(home, account) /
    visits_per_day per visit."""


@dataclass(frozen=True, slots=True)
class Move:
    """An account whose rep changes against its ``current_rep``."""

    account_id: str
    from_rep: str
    to_rep: str


@dataclass(frozen=True, slots=True)
class UnassignedAccount:
    """An account that could not be placed (e.g. no rep can reach it)."""

    account_id: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class BalanceSummary:
    """Figures of the whole plan.

    Parameters
    ----------
    metric
        The balanced metric.
    tolerance
        The requested tolerance.
    max_deviation
        Largest ``|deviation|`` over the territories (0.03 = 3 %).
    within_tolerance
        Whether every territory is within the tolerance.
    total_drive_h_per_week
        Sum of the territories' drive hours per week (simulated or estimated).
    travel_h_per_week
        The optimised objective without move penalties: sum over accounts of visits per
        week x one-way travel from the rep's home, hours.
    objective_h_per_week
        ``travel_h_per_week`` plus the move penalties.
    lower_bound_h_per_week
        LP optimum of the same model (accounts may split between reps): no integral plan
        with the same balance constraints can have a smaller objective. ``nan`` when the
        LP did not finish within the time limit.
    gap_to_bound
        ``objective / lower_bound - 1`` (0.004 = 0.4 % above the bound); ``nan`` without
        a bound.
    moves
        Number of accounts that change rep against ``current_rep``.
    explanation
        Sentences explaining why the tolerance (or ``max_moves``) could not be met, which
        accounts' geography is the cause (with options and their figures) and whether the
        team is over or far under its capacity; empty when none applies.
    balanced_on
        The figure ``max_deviation`` and the territories' ``balance_value`` measure:
        ``"simulated_workload"`` (visit hours plus simulated drive), ``"estimated_workload"``
        (when routes are not simulated), ``"revenue"`` or ``"accounts"``.
    estimate_max_deviation
        Largest ``|deviation|`` of the optimiser's workload estimate (the figure balanced
        before simulated rebalancing).
    simulated_max_deviation
        Largest ``|deviation|`` of the simulated workloads; ``None`` when not simulated.
    rounds
        Simulate-and-rebalance rounds run (0: the assignment solved on the estimate).
    round_deviations
        ``simulated_max_deviation`` after each round (the reported plan is the best).
    bound_basis
        What the LP lower bound refers to: the travel objective with which workload
        balanced, and in which band.
    capacity_h_per_week, workload_h_per_week, utilisation
        The team's summed capacity, summed workload (as reported per territory) and their
        ratio.
    capacity_status
        ``"over"`` (workload above capacity), ``"under"`` (utilisation below
        ``min_utilisation``) or ``"ok"``.
    missing_h_per_week, missing_reps
        When over: the hours per week missing and the reps (of the mean capacity) they
        make; 0 otherwise.
    spare_reps
        When under: whole reps' capacity unused; 0 otherwise.
    geographic_accounts
        Remote accounts named in the explanation as the geographic cause of a missed band.
    """

    metric: str
    tolerance: float
    max_deviation: float
    within_tolerance: bool
    total_drive_h_per_week: float
    travel_h_per_week: float
    objective_h_per_week: float
    lower_bound_h_per_week: float
    gap_to_bound: float
    moves: int
    explanation: tuple[str, ...] = ()
    balanced_on: str = ""
    estimate_max_deviation: float = 0.0
    simulated_max_deviation: float | None = None
    rounds: int = 0
    round_deviations: tuple[float, ...] = ()
    bound_basis: str = ""
    capacity_h_per_week: float = 0.0
    workload_h_per_week: float = 0.0
    utilisation: float = 0.0
    capacity_status: str = "ok"
    missing_h_per_week: float = 0.0
    missing_reps: int = 0
    spare_reps: int = 0
    geographic_accounts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TerritoryPlan:
    """Result of :func:`~solver.territory.balance_territories`."""

    assignment: Mapping[str, str]
    territories: tuple[Territory, ...]
    moves: tuple[Move, ...]
    unassigned: tuple[UnassignedAccount, ...]
    summary: BalanceSummary
    solver: SolverInfo

    def territory(self, rep_id: str) -> Territory:
        """Return the territory of that rep (KeyError if absent)."""
        for territory in self.territories:
            if territory.rep_id == rep_id:
                return territory
        raise KeyError(rep_id)

    def to_geojson(self) -> dict:
        """Return the territory polygons as a GeoJSON FeatureCollection.

        See :func:`solver.exports.territory_geojson` (the one version of it).
        """
        return territory_geojson(self)
