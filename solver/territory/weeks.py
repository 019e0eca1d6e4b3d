"""Glue of the simulated-week balance for :func:`~solver.territory.balance_territories`.

* :class:`TeamSimulator` simulates the weeks of one rep or of a whole assignment.
* :func:`settle` finishes the rounds on the simulated figures: the best round and the
  first (solved on the estimate) are polished into the band, the one with the smaller
  excess, then the smaller simulated drive, is kept, and its drive is trimmed.
* :func:`rounds_sentence` and :func:`bound_basis` say, in the summary, how the rounds went
  and which model the LP bound belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from solver.model import Location
from solver.territory.drive import trim_drive
from solver.territory.model import (
    CYCLE_WEEKS,
    BalanceMetric,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryRep,
)
from solver.territory.simulate import DayRouter, WeekSimulation, simulate_territory
from solver.territory.travel import PairCache, TerritoryTravel
from solver.territory.workload import Round, polish, simulated_workloads

#: Above this many accounts, ``simulate_routes=None`` means off.
AUTO_SIMULATE_MAX_ACCOUNTS = 5000


class TeamSimulator:
    """Simulates the weeks of one rep from a home over some accounts (internal).

    Every account's first visiting week is drawn once for the team (seeded), so an
    account keeps its weeks whichever rep it goes to; travel between the reps' homes and
    the accounts is kept in a :class:`~solver.territory.travel.PairCache`.
    """

    def __init__(
        self,
        reps: tuple[TerritoryRep, ...],
        accounts: tuple[TerritoryAccount, ...],
        source: TerritoryTravel,
        seed: int,
        day_router: DayRouter,
    ) -> None:
        self.accounts, self.source, self.seed, self.router = accounts, source, seed, day_router
        self.homes = [rep.home for rep in reps]
        self.freq = np.asarray([a.visits_per_4_weeks for a in accounts], dtype=float)
        self.first_week = np.random.default_rng(seed).integers(0, CYCLE_WEEKS, len(accounts))
        #: A second draw of the visiting weeks (the drive trim's check).
        self.other_first_week = np.random.default_rng([seed, 1]).integers(
            0, CYCLE_WEEKS, len(accounts)
        )
        self.pairs = PairCache(source, self.homes + [a.location for a in accounts])
        points = self.pairs.points
        self._xy: np.ndarray | None = None
        if points and all(p.is_geo for p in points):
            lat = np.radians([p.lat for p in points])
            lon = np.radians([p.lon for p in points])
            earth_m = 6_371_000.0
            self._xy = np.c_[lon * np.cos(lat.mean()) * earth_m, lat * earth_m]

    def week(
        self,
        home: Location,
        members: np.ndarray,
        visits: np.ndarray | None = None,
        *,
        r: int = 0,
        other_weeks: bool = False,
    ) -> WeekSimulation:
        """Simulate the week from ``home`` (rep number ``r``'s, or another) over ``members``.

        ``other_weeks`` uses the second draw of the visiting weeks.
        """
        members = np.asarray(members, dtype=np.int64)
        if r < len(self.homes) and home == self.homes[r]:
            matrix = self.pairs.square(np.r_[r, len(self.homes) + members])
        else:
            matrix = self.source.among([home] + [self.accounts[j].location for j in members])
        return simulate_territory(
            matrix,
            self.freq[members] if visits is None else np.asarray(visits, dtype=float),
            day_router=self.router,
            first_week=(self.other_first_week if other_weeks else self.first_week)[members],
        )

    def near(self, accounts: np.ndarray, r: int, members: np.ndarray) -> np.ndarray:
        """Return the closeness cost of each of ``accounts`` to rep ``r``'s territory ``members``.

        The sum of the distances to its two nearest points of the territory (the home
        and the members other than itself) times its visits per week: what it roughly
        adds to the territory's days. Straight-line metres on lat/lon, the explicit
        matrix's seconds (both directions averaged) on index locations.
        """
        accounts = np.asarray(accounts, dtype=np.int64)
        members = np.asarray(members, dtype=np.int64)
        n_homes = len(self.homes)
        rows = n_homes + accounts
        cols = np.r_[r, n_homes + members]
        if self._xy is not None:
            d = np.hypot(
                self._xy[rows, None, 0] - self._xy[None, cols, 0],
                self._xy[rows, None, 1] - self._xy[None, cols, 1],
            )
        else:
            m = self.source.matrix.durations_s
            index = np.asarray([loc.index for loc in self.pairs.points], dtype=np.int64)
            a, b = index[rows], index[cols]
            d = 0.5 * (m[np.ix_(a, b)] + m[np.ix_(b, a)].T).astype(float)
            d[d < 0] = np.inf
        d[accounts[:, None] == np.r_[-1, members][None, :]] = np.inf
        d = np.sort(d, axis=1)
        first = d[:, 0]
        second = d[:, 1] if d.shape[1] > 1 else first
        second = np.where(np.isfinite(second), second, first)
        return (first + second) * self.freq[accounts] / CYCLE_WEEKS

    def team(
        self, reps: Sequence[TerritoryRep], idx: np.ndarray, rep_of: np.ndarray
    ) -> list[WeekSimulation]:
        """Simulate every rep's territory of the assignment ``rep_of`` of accounts ``idx``."""
        return [self.week(rep.home, idx[rep_of == r], r=r) for r, rep in enumerate(reps)]


def team_simulator(
    reps: Sequence[TerritoryRep],
    accounts: tuple[TerritoryAccount, ...],
    source: TerritoryTravel,
    options: TerritoryOptions,
    day_router: DayRouter,
) -> TeamSimulator | None:
    """Return the simulator of the weeks (None when simulation is off)."""
    simulate = options.simulate_routes
    if simulate is None:
        simulate = len(accounts) <= AUTO_SIMULATE_MAX_ACCOUNTS
    if not simulate:
        return None
    return TeamSimulator(tuple(reps), accounts, source, options.seed, day_router)


def settle(
    best: Round,
    simulate: TeamSimulator,
    reps: Sequence[TerritoryRep],
    idx: np.ndarray,
    visit_h: np.ndarray,
    share: np.ndarray,
    options: TerritoryOptions,
    cost: np.ndarray,
    current: np.ndarray,
    stop: Callable[[], bool] = lambda: False,
) -> tuple[Round, int]:
    """Finish the simulate-and-rebalance rounds on the simulated figures themselves.

    The best round and the first one (solved on the estimate: today's kind of plan) are
    each polished into the band (:func:`~solver.territory.workload.polish`); the one with
    the smaller excess over the band, then the smaller simulated drive, is kept, and its
    drive is lowered by boundary moves and exchanges that keep it in the band
    (:func:`~solver.territory.drive.trim_drive`). Rebalancing on recharged weights moves
    many accounts for a small change of the simulated workloads, and its home->account
    objective does not see the day routes: starting again from the first plan and moving
    only what the band needs often drives less.

    Parameters
    ----------
    best
        The best round of :func:`~solver.territory.workload.rebalance_on_simulation`.
    simulate
        The team's simulator.
    reps
        The reps.
    idx
        Indices of the assignable accounts.
    visit_h
        ``(A,)`` their visit hours per week.
    share
        ``(R,)`` capacity shares.
    options
        The options (tolerance, move penalty).
    cost
        ``(R, A)`` travel objective (``inf``: not allowed).
    current
        ``(A,)`` current rep of each account (-1: none).
    stop
        True stops the polishing and the trials (a cancelled solve).

    Returns
    -------
    tuple
        The round reported (its ``history`` the rounds') and the changes made after it.
    """
    columns = np.arange(idx.size)

    def simulate_rep(r: int, assigned: np.ndarray) -> WeekSimulation:
        return simulate.week(reps[r].home, idx[assigned == r], r=r)

    def travel_h(assigned: np.ndarray) -> float:
        return float(cost[assigned, columns].sum())

    starts = [best] + ([best.first] if best.first is not None else [])
    finals = [
        polish(
            start,
            visit_h,
            share,
            options.tolerance,
            cost,
            simulate_rep=simulate_rep,
            travel_h=travel_h,
        )  # fmt: skip
        for start in starts
    ]
    chosen, made = min(finals, key=lambda f: _settle_key(f[0], options.tolerance))
    rep_of, sims, trimmed = trim_drive(
        chosen.rep_of, list(chosen.simulations), visit_h, share, options.tolerance,
        np.isfinite(cost), simulate_rep=simulate_rep,
        near=lambda a, r, m: simulate.near(idx[a], r, idx[m]),
        current=current, move_penalty_h=options.move_penalty_h,
        travel_h=lambda assigned: travel_h(assigned) + options.move_penalty_h * _moves(
            assigned, current
        ),
        travel_cap_h=_cap(chosen, options.max_gap), stop=stop,
        check_rep=lambda r, assigned: simulate.week(
            reps[r].home, idx[assigned == r], r=r, other_weeks=True
        ),
    )  # fmt: skip
    workload, deviation = simulated_workloads(visit_h, rep_of, sims, share)
    settled = Round(
        chosen.number, rep_of, chosen.result, chosen.notes, sims, chosen.weight,
        chosen.tolerance, workload, deviation, travel_h(rep_of), best.history,
    )  # fmt: skip
    return settled, made + trimmed


def _moves(rep_of: np.ndarray, current: np.ndarray) -> int:
    return int(np.count_nonzero((current >= 0) & (rep_of != current)))


def _cap(r: Round, max_gap: float) -> float:
    """Return the travel objective allowed by the round's LP bound and ``max_gap``."""
    bound = r.result.lower_bound if r.result is not None else float("nan")
    return bound * (1.0 + max_gap) if np.isfinite(bound) else -np.inf


def _settle_key(r: Round, tolerance: float) -> tuple[float, float]:
    excess = round(max(0.0, r.max_deviation - tolerance), 9)
    return excess, sum(s.drive_s_per_week for s in r.simulations)


def rounds_sentence(
    best: Round, options: TerritoryOptions, polished: int, *, cancelled: bool = False
) -> str:
    """Say how the simulate-and-rebalance rounds went.

    Parameters
    ----------
    best
        The round reported (its ``history`` the rounds').
    options
        The options (``workload_rounds``).
    polished
        Moves or exchanges made on the simulated figures after the rounds.
    cancelled
        The rounds ended because the solve was cancelled (not on their own).

    Returns
    -------
    str
        One sentence for the summary's explanation.
    """
    steps = ", ".join(f"{d * 100:.1f} %" for d in best.history)
    rounds = len(best.history) - 1
    if cancelled:
        stopped = "the rounds stopped because the job was cancelled"
    elif rounds < options.workload_rounds:
        stopped = "the rebalanced assignment repeated an earlier one"
    else:
        stopped = "no more rounds were allowed"
    return (
        f"After {rounds} of at most {options.workload_rounds} simulate-and-rebalance rounds "
        f"({stopped}) the largest deviations of the simulated workload were {steps}; the "
        f"plan of round {best.number} is reported"
        + (
            f", after {polished} moves or exchanges of accounts on the simulated figures "
            "(into the band, then lowering the drive)."
            if polished
            else "."
        )
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
            f"; the reported plan is that round's after {polished} moves or exchanges of "
            "accounts on the simulated figures (nan when its travel fell below the bound)."
            if polished
            else "."
        )
    )
