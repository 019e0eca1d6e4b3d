"""Domain model of territory design: reps, accounts, options and the resulting plan.

Every input object is a frozen dataclass validated on construction; an invalid value
raises :class:`~solver.errors.InvalidProblemError` with one sentence naming the entity
and the field.

Units
-----
* Frequencies are visits per 4 weeks (``visits_per_4_weeks``: 4 = weekly, 1 = monthly).
* Workloads, drive times and capacities in the results are hours per week (``*_h_per_week``);
  distances are km per week; costs are per week in the caller's currency.
* ``revenue`` is the account's revenue or potential per year, in the cost currency.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from solver.errors import InvalidProblemError
from solver.exports import territory_geojson
from solver.model import DEFAULT_VISIT_DURATION_S, Location, SolverInfo

#: Weeks in the 4-week visiting cycle that frequencies refer to.
CYCLE_WEEKS = 4

#: Working days per week used when spreading visits over typical days.
DAYS_PER_WEEK = 5


def _invalid(
    owner: tuple[str, str | None], reason: str, *, field: str | None = None
) -> InvalidProblemError:
    """Return the error of ``owner`` (entity kind and id) with ``reason`` and ``field``."""
    return InvalidProblemError(reason, entity=owner[0], entity_id=owner[1], field=field)


def _check_number(
    owner: tuple[str, str | None], name: str, value: float | None, *, positive: bool = False
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise _invalid(owner, f"{name} must be a number, got {value!r}.", field=name)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise _invalid(owner, f"{name} must be {bound}, got {value!r}.", field=name)


def _check_id(kind: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidProblemError(f"{kind} {value!r}: id must be a non-empty string.", field="id")


class BalanceMetric(StrEnum):
    """What the territories are balanced on."""

    WORKLOAD = "workload"
    """Visit time plus estimated drive time, hours per week (see ``estimate_workload``)."""
    REVENUE = "revenue"
    """Sum of the accounts' ``revenue``."""
    ACCOUNTS = "accounts"
    """Number of accounts."""


@dataclass(frozen=True, slots=True)
class TerritoryRep:
    """A rep who owns a territory.

    Parameters
    ----------
    id
        Unique id of the rep.
    home
        Home base (where every working day starts and ends).
    capacity_h_per_week
        Weekly working capacity, hours; targets are shared in proportion to it.
    cost_per_km, cost_per_hour
        Travel cost per km driven and per hour of driving (as :class:`solver.model.Rep`).
    """

    id: str
    home: Location
    capacity_h_per_week: float = 40.0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0

    def __post_init__(self) -> None:
        _check_id("TerritoryRep", self.id)
        owner = ("TerritoryRep", self.id)
        if not isinstance(self.home, Location):
            raise _invalid(owner, "home must be a Location.", field="home")
        _check_number(owner, "capacity_h_per_week", self.capacity_h_per_week, positive=True)
        _check_number(owner, "cost_per_km", self.cost_per_km)
        _check_number(owner, "cost_per_hour", self.cost_per_hour)


@dataclass(frozen=True, slots=True)
class TerritoryAccount:
    """An account to place in a territory.

    Parameters
    ----------
    id
        Unique id of the account.
    location
        Where the visits happen.
    visits_per_4_weeks
        Visit frequency: visits per 4 weeks (4 = weekly, 1 = monthly, 8 = twice a week).
    visit_duration_s
        Time on site per visit, seconds; default :data:`solver.model.DEFAULT_VISIT_DURATION_S`.
    revenue
        Optional revenue or potential per year, cost currency.
    locked_rep
        Optional rep the account must stay with.
    current_rep
        Optional rep that owns the account today (moves are counted against it).
    """

    id: str
    location: Location
    visits_per_4_weeks: float = 4.0
    visit_duration_s: int = DEFAULT_VISIT_DURATION_S
    revenue: float | None = None
    locked_rep: str | None = None
    current_rep: str | None = None

    def __post_init__(self) -> None:
        _check_id("TerritoryAccount", self.id)
        owner = ("TerritoryAccount", self.id)
        if not isinstance(self.location, Location):
            raise _invalid(owner, "location must be a Location.", field="location")
        _check_number(owner, "visits_per_4_weeks", self.visits_per_4_weeks, positive=True)
        duration = self.visit_duration_s
        if isinstance(duration, bool) or not isinstance(duration, int | np.integer) or duration < 0:
            raise _invalid(
                owner,
                f"visit_duration_s must be whole seconds >= 0, got {duration!r}.",
                field="visit_duration_s",
            )
        _check_number(owner, "revenue", self.revenue)
        for name in ("locked_rep", "current_rep"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise _invalid(owner, f"{name} must be a rep id, got {value!r}.", field=name)

    @property
    def visits_per_week(self) -> float:
        """Average visits per week."""
        return self.visits_per_4_weeks / CYCLE_WEEKS


@dataclass(frozen=True, slots=True)
class TerritoryOptions:
    """How to balance.

    Parameters
    ----------
    balance
        Metric to balance: ``"workload"`` (default), ``"revenue"`` or ``"accounts"``.
    tolerance
        Allowed relative deviation of each rep's metric from its target (0.05 = +-5 %).
        A rep's target is the total times its share of the summed capacities.
    max_moves
        Optional cap on accounts whose rep differs from their ``current_rep``.
    move_penalty_h
        Cost of one move, in weekly rep->account travel hours: a move is made only when it
        saves more travel than this (0 = moves are free).
    visits_per_day
        Typical visits in one day; the workload estimate charges each visit
        ``2 x travel(home, account) / visits_per_day`` of driving.
    candidate_reps
        Reps considered per account in the integral search (the nearest ones, plus the
        current and any rep the LP uses). The LP lower bound always prices every rep.
    simulate_routes
        Estimate each territory's weekly drive time from simulated day routes; ``None``
        means on up to 5,000 accounts, off above (then the workload estimate is reported).
    max_gap
        The integral search stops once the objective is within this relative gap of the
        LP lower bound (0.01 = 1 %), or at the time limit.
    time_limit_s
        Wall-clock limit for the assignment solve, seconds (the simulation is extra);
        with ``workload_rounds`` it holds for each round's solve.
    seed
        Random seed of the solver (results are reproducible for a fixed seed).
    traffic
        Simulate the days with the road network's speed profile (default): each leg is
        the mean of its times leaving at every hour 08:00-16:00 of a Tuesday. False =
        free-flow.
    workload_rounds
        With ``balance="workload"`` and simulated routes: most rounds of
        simulate -> recharge -> rebalance (see :mod:`solver.territory.workload`) so that
        the *simulated* workloads are within the tolerance; 0 balances the estimate only
        (the simulated workloads are still reported and explained).
    min_utilisation
        A team whose workload is below this share of its capacity is flagged as under-used
        (``summary.capacity_status = "under"``).
    deterministic
        Stop every search on work done (LP/MIP node and round budgets), never on the
        clock: the same input and seed give the same plan on any machine and load.
        ``time_limit_s`` is then only a safety cap (reaching it is said in
        ``summary.explanation``).
    """

    balance: BalanceMetric | str = BalanceMetric.WORKLOAD
    tolerance: float = 0.05
    max_moves: int | None = None
    move_penalty_h: float = 0.0
    visits_per_day: float = 6.0
    candidate_reps: int = 8
    simulate_routes: bool | None = None
    max_gap: float = 0.01
    time_limit_s: float = 30.0
    seed: int = 0
    traffic: bool = True
    workload_rounds: int = 6
    min_utilisation: float = 0.6
    deterministic: bool = False

    def __post_init__(self) -> None:
        owner = ("TerritoryOptions", None)
        try:
            object.__setattr__(self, "balance", BalanceMetric(self.balance))
        except ValueError:
            allowed = ", ".join(m.value for m in BalanceMetric)
            raise _invalid(
                owner,
                f"balance must be one of {allowed}, got {self.balance!r}.",
                field="balance",
            ) from None
        _check_number(owner, "tolerance", self.tolerance)
        if self.tolerance >= 1:
            raise _invalid(
                owner,
                f"tolerance must be below 1 (100 %), got {self.tolerance!r}.",
                field="tolerance",
            )
        if self.max_moves is not None and (
            isinstance(self.max_moves, bool)
            or not isinstance(self.max_moves, int | np.integer)
            or self.max_moves < 0
        ):
            raise _invalid(
                owner,
                f"max_moves must be a whole number >= 0, got {self.max_moves!r}.",
                field="max_moves",
            )
        _check_number(owner, "move_penalty_h", self.move_penalty_h)
        _check_number(owner, "visits_per_day", self.visits_per_day, positive=True)
        if (
            isinstance(self.candidate_reps, bool)
            or not isinstance(self.candidate_reps, int | np.integer)
            or self.candidate_reps < 1
        ):
            raise _invalid(
                owner,
                f"candidate_reps must be a whole number >= 1, got {self.candidate_reps!r}.",
                field="candidate_reps",
            )
        _check_number(owner, "max_gap", self.max_gap)
        _check_number(owner, "time_limit_s", self.time_limit_s, positive=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise _invalid(owner, f"seed must be an integer, got {self.seed!r}.", field="seed")
        rounds = self.workload_rounds
        if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 0:
            raise _invalid(
                owner,
                f"workload_rounds must be a whole number >= 0, got {rounds!r}.",
                field="workload_rounds",
            )
        _check_number(owner, "min_utilisation", self.min_utilisation)
        if not isinstance(self.deterministic, bool):
            raise _invalid(
                owner,
                f"deterministic must be true or false, got {self.deterministic!r}.",
                field="deterministic",
            )


# --------------------------------------------------------------------------- results


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


class Coverage(StrEnum):
    """How an account should be served."""

    FIELD = "field"
    INSIDE = "inside"


@dataclass(frozen=True, slots=True)
class CoverageOptions:
    """Rules of the field-versus-inside decision.

    Parameters
    ----------
    max_cost_share
        Serve in the field only while the yearly field cost stays at or below this share
        of the account's yearly revenue (0.10 = 10 %).
    weeks_per_year
        Working weeks per year used to turn weekly costs into yearly ones.
    """

    max_cost_share: float = 0.10
    weeks_per_year: float = 46.0

    def __post_init__(self) -> None:
        _check_number("CoverageOptions", "max_cost_share", self.max_cost_share, positive=True)
        _check_number("CoverageOptions", "weeks_per_year", self.weeks_per_year, positive=True)


@dataclass(frozen=True, slots=True)
class CoverageRecommendation:
    """Field or inside for one account, with the figures behind it.

    Parameters
    ----------
    account_id
        The account.
    rep_id
        Rep of the account in the all-field plan.
    recommendation
        ``"field"`` or ``"inside"``.
    marginal_drive_h_per_week, marginal_drive_km_per_week
        Driving saved per week if the account left the rep's routes (its detours).
    visit_h_per_week
        Visit time per week.
    field_cost_per_year
        (marginal drive hours + visit hours) x cost_per_hour + km x cost_per_km, per year.
    revenue
        The account's yearly revenue (None when unknown).
    cost_share
        ``field_cost_per_year / revenue`` (None without revenue).
    reason
        One sentence.
    """

    account_id: str
    rep_id: str | None
    recommendation: Coverage
    marginal_drive_h_per_week: float
    marginal_drive_km_per_week: float
    visit_h_per_week: float
    field_cost_per_year: float
    revenue: float | None
    cost_share: float | None
    reason: str


@dataclass(frozen=True, slots=True)
class CoveragePlan:
    """Result of :func:`~solver.territory.recommend_coverage`.

    ``all_field`` is the plan with every account in the field (the basis of the
    figures); ``field_plan`` is rebuilt with the field accounts only.
    """

    recommendations: tuple[CoverageRecommendation, ...]
    all_field: TerritoryPlan
    field_plan: TerritoryPlan
    options: CoverageOptions = field(default_factory=CoverageOptions)

    @property
    def inside_account_ids(self) -> tuple[str, ...]:
        """Ids of the accounts recommended for inside sales."""
        return tuple(
            r.account_id for r in self.recommendations if r.recommendation == Coverage.INSIDE
        )
