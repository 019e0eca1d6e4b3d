"""Inputs of territory design: reps, accounts and options, validated on construction.

Every input object is a frozen dataclass; an invalid value raises
:class:`~solver.errors.InvalidProblemError` with one sentence naming the entity and the
field. Frequencies are visits per 4 weeks (``visits_per_4_weeks``: 4 = weekly, 1 =
monthly); ``revenue`` is the account's revenue or potential per year, in the cost
currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from solver.errors import InvalidProblemError
from solver.model import DEFAULT_VISIT_DURATION_S, Location
from solver.model.validation import check_number, invalid

#: Weeks in the 4-week visiting cycle that frequencies refer to.
CYCLE_WEEKS = 4

#: Working days per week used when spreading visits over typical days.
DAYS_PER_WEEK = 5


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
            raise invalid(owner, "home must be a Location.", field="home")
        check_number(owner, "capacity_h_per_week", self.capacity_h_per_week, positive=True)
        check_number(owner, "cost_per_km", self.cost_per_km)
        check_number(owner, "cost_per_hour", self.cost_per_hour)


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
            raise invalid(owner, "location must be a Location.", field="location")
        check_number(owner, "visits_per_4_weeks", self.visits_per_4_weeks, positive=True)
        duration = self.visit_duration_s
        if isinstance(duration, bool) or not isinstance(duration, int | np.integer) or duration < 0:
            raise invalid(
                owner,
                f"visit_duration_s must be whole seconds >= 0, got {duration!r}.",
                field="visit_duration_s",
            )
        check_number(owner, "revenue", self.revenue)
        for name in ("locked_rep", "current_rep"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise invalid(owner, f"{name} must be a rep id, got {value!r}.", field=name)

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
            raise invalid(
                owner,
                f"balance must be one of {allowed}, got {self.balance!r}.",
                field="balance",
            ) from None
        check_number(owner, "tolerance", self.tolerance)
        if self.tolerance >= 1:
            raise invalid(
                owner,
                f"tolerance must be below 1 (100 %), got {self.tolerance!r}.",
                field="tolerance",
            )
        if self.max_moves is not None and (
            isinstance(self.max_moves, bool)
            or not isinstance(self.max_moves, int | np.integer)
            or self.max_moves < 0
        ):
            raise invalid(
                owner,
                f"max_moves must be a whole number >= 0, got {self.max_moves!r}.",
                field="max_moves",
            )
        check_number(owner, "move_penalty_h", self.move_penalty_h)
        check_number(owner, "visits_per_day", self.visits_per_day, positive=True)
        if (
            isinstance(self.candidate_reps, bool)
            or not isinstance(self.candidate_reps, int | np.integer)
            or self.candidate_reps < 1
        ):
            raise invalid(
                owner,
                f"candidate_reps must be a whole number >= 1, got {self.candidate_reps!r}.",
                field="candidate_reps",
            )
        check_number(owner, "max_gap", self.max_gap)
        check_number(owner, "time_limit_s", self.time_limit_s, positive=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise invalid(owner, f"seed must be an integer, got {self.seed!r}.", field="seed")
        rounds = self.workload_rounds
        if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 0:
            raise invalid(
                owner,
                f"workload_rounds must be a whole number >= 0, got {rounds!r}.",
                field="workload_rounds",
            )
        check_number(owner, "min_utilisation", self.min_utilisation)
        if not isinstance(self.deterministic, bool):
            raise invalid(
                owner,
                f"deterministic must be true or false, got {self.deterministic!r}.",
                field="deterministic",
            )
