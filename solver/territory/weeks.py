"""Glue of the simulated-week balance for :func:`~solver.territory.balance_territories`.

* :class:`TeamSimulator` simulates the weeks of one rep or of a whole assignment.
* :func:`rounds_sentence` and :func:`bound_basis` say, in the summary, how the rounds went
  and which model the LP bound belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.model import Location
from solver.territory.model import (
    BalanceMetric,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
)
from solver.territory.simulate import DayRouter, WeekSimulation, simulate_territory
from solver.territory.travel import TerritoryTravel
from solver.territory.workload import Round

#: Above this many accounts, ``simulate_routes=None`` means off.
AUTO_SIMULATE_MAX_ACCOUNTS = 5000


class TeamSimulator:
    """Simulates the weeks of one rep from a home over some accounts (internal)."""

    def __init__(
        self,
        accounts: tuple[TerritoryAccount, ...],
        source: TerritoryTravel,
        seed: int,
        day_router: DayRouter,
    ) -> None:
        self.accounts, self.source, self.seed, self.router = accounts, source, seed, day_router
        self.freq = np.asarray([a.visits_per_4_weeks for a in accounts], dtype=float)

    def week(
        self, home: Location, members: np.ndarray, visits: np.ndarray | None = None, *, r: int = 0
    ) -> WeekSimulation:
        """Simulate rep number ``r`` (its seed) from ``home`` over ``members``."""
        locations = [home] + [self.accounts[j].location for j in members]
        return simulate_territory(
            self.source.among(locations),
            self.freq[members] if visits is None else np.asarray(visits, dtype=float),
            seed=self.seed + r,
            day_router=self.router,
        )

    def team(
        self, reps: Sequence[TerritoryRep], idx: np.ndarray, rep_of: np.ndarray
    ) -> list[WeekSimulation]:
        """Simulate every rep's territory of the assignment ``rep_of`` of accounts ``idx``."""
        return [self.week(rep.home, idx[rep_of == r], r=r) for r, rep in enumerate(reps)]


def team_simulator(
    accounts: tuple[TerritoryAccount, ...],
    source: TerritoryTravel,
    options: TerritoryOptions,
    day_router: DayRouter,
) -> TeamSimulator | None:
    """Return the simulator of the weeks (None when simulation is off)."""
    simulate = options.simulate_routes
    if simulate is None:
        simulate = len(accounts) <= AUTO_SIMULATE_MAX_ACCOUNTS
    return TeamSimulator(accounts, source, options.seed, day_router) if simulate else None


def rounds_sentence(best: Round, options: TerritoryOptions, polished: int) -> str:
    """Say how the simulate-and-rebalance rounds went."""
    steps = ", ".join(f"{d * 100:.1f} %" for d in best.history)
    rounds = len(best.history) - 1
    stopped = (
        "the rebalanced assignment repeated an earlier one"
        if rounds < options.workload_rounds
        else "no more rounds were allowed"
    )
    return (
        f"After {rounds} of at most {options.workload_rounds} simulate-and-rebalance rounds "
        f"({stopped}) the largest deviations of the simulated workload were {steps}; the "
        f"plan of round {best.number} is reported"
        + (f", after {polished} single moves on the simulated figures." if polished else ".")
    )


def bound_basis(
    metric: BalanceMetric, best: Round | None, options: TerritoryOptions, polished: int = 0
) -> str:
    """Say which model the LP lower bound belongs to."""
    objective = "the visits-weighted home->account travel (travel_h_per_week plus move penalties)"
    if best is None:
        figure = {
            BalanceMetric.WORKLOAD: "the estimated workload",
            BalanceMetric.REVENUE: "revenue",
            BalanceMetric.ACCOUNTS: "the account count",
        }[metric]
        return f"LP of {objective} with {figure} within +-{options.tolerance * 100:g} %."
    return (
        f"LP of {objective} with the workload balanced within +-{best.tolerance * 100:g} % "
        f"on the weights of round {best.number} (visit time plus the simulated drive "
        "charged by detour and by the calibrated estimate, see solver.territory.workload); "
        "it bounds plans balanced on those weights, not on the simulated days themselves"
        + (
            f"; the reported plan is that round's after {polished} single moves on the "
            "simulated figures (nan when its travel fell below the bound)."
            if polished
            else "."
        )
    )
