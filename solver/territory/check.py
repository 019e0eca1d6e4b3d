"""Independent checker of a :class:`TerritoryPlan`: recomputes what the solver claims.

It shares no code with the solver beyond the input model (:mod:`solver.territory.model`);
an import-linter contract in ``pyproject.toml`` keeps it that way. Every figure it
checks is recomputed here, with its own arithmetic, from the reps, the accounts and
(optionally) the raw home->account matrix:

* an account's visits per week are ``visits_per_4_weeks / 4``; its visit hours per
  week ``visits_per_week x visit_duration_s / 3600``;
* the workload of an account for a rep is its visit hours plus
  ``visits_per_week x 2 x travel(home, account) / visits_per_day`` hours of driving
  (a day's round trip from home shared by the day's visits); an ``estimated``
  territory's drive hours are the sum of the driving parts;
* a rep's balance target is its share of the capacity times the total balance value;
  its deviation is ``value / target - 1``;
* the travel objective is ``sum(visits_per_week x travel(home, account)) / 3600``
  hours, plus ``move_penalty_h`` per move;
* when every territory's drive is ``simulated``, the ``workload`` balance is measured on
  the simulated workload (recomputed visit hours plus the reported drive hours);
  otherwise on the estimate; ``estimated_workload_h_per_week`` is the estimate;
* the team's capacity is the sum of the reps', its workload the sum of the territories',
  ``over`` when the workload exceeds the capacity (missing hours, and reps of the mean
  capacity rounded up), ``under`` below ``min_utilisation`` (spare whole reps);
* the accounts named as a geographic cause are assigned to a rep outside the band.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from solver.territory.model import (
    BalanceMetric,
    Territory,
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
    allowed beyond it); per-territory visits, visit hours, revenue, workload,
    utilisation and cost; balance values (recomputed for ``accounts``/``revenue``, and
    for ``workload`` when ``home_durations_s`` is given), targets and deviations; the
    tolerance flag; summary totals; objective >= lower bound. With
    ``home_durations_s`` the drive hours of ``estimated`` territories and the travel
    objective are recomputed too.

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
        the workload metric, the estimated drive time and the travel objective.

    Returns
    -------
    list[str]
        One sentence per problem; empty when the plan is consistent.
    """
    check = _TerritoryCheck(reps, accounts, plan, options, home_durations_s)
    check.assignment()
    check.listing()
    check.locks()
    moved = check.moves()
    values = check.territories()
    max_dev = check.balance(values)
    check.summary(max_dev, moved)
    check.capacity()
    check.geography(values)
    return check.problems


class _TerritoryCheck:
    """The checks of one territory plan, as named steps."""

    def __init__(
        self,
        reps: Sequence[TerritoryRep],
        accounts: Sequence[TerritoryAccount],
        plan: TerritoryPlan,
        options: TerritoryOptions,
        home_durations_s: np.ndarray | None,
    ) -> None:
        self.reps = list(reps)
        self.accounts = list(accounts)
        self.plan = plan
        self.options = options
        self.durations = None if home_durations_s is None else np.asarray(home_durations_s)
        self.rep_pos = {rep.id: i for i, rep in enumerate(self.reps)}
        self.by_id = {a.id: a for a in self.accounts}
        self.column = {a.id: j for j, a in enumerate(self.accounts)}
        self.problems: list[str] = []
        territories = plan.territories
        self.simulated = bool(territories) and all(
            t.drive_method == "simulated" for t in territories
        )

    def say(self, sentence: str) -> None:
        """Record one problem."""
        self.problems.append(sentence)

    def assignment(self) -> None:
        """Check each account assigned exactly once or unassigned, to a known rep."""
        unassigned = Counter(u.account_id for u in self.plan.unassigned)
        for account in self.accounts:
            placed = account.id in self.plan.assignment
            if placed == (unassigned[account.id] > 0) or unassigned[account.id] > 1:
                self.say(f"Account '{account.id}' is not assigned exactly once.")
        for account_id, rep_id in self.plan.assignment.items():
            if account_id not in self.by_id:
                self.say(f"Assignment names unknown account '{account_id}'.")
            if rep_id not in self.rep_pos:
                self.say(f"Account '{account_id}' is assigned to unknown rep '{rep_id}'.")

    def listing(self) -> None:
        """Check that the territories list exactly the assignment, one per rep."""
        listed: dict[str, str] = {}
        for t in self.plan.territories:
            for account_id in t.account_ids:
                if account_id in listed:
                    self.say(f"Account '{account_id}' is in two territories.")
                listed[account_id] = t.rep_id
            if t.accounts != len(t.account_ids):
                self.say(f"Territory '{t.rep_id}': accounts {t.accounts} != listed ids.")
        if listed != dict(self.plan.assignment):
            self.say("Territories do not list exactly the assigned accounts.")
        if sorted(t.rep_id for t in self.plan.territories) != sorted(self.rep_pos):
            self.say("There is not exactly one territory per rep.")

    def locks(self) -> None:
        """Check that every locked account is with its locked rep."""
        for account in self.accounts:
            got = self.plan.assignment.get(account.id)
            if account.locked_rep is not None and got is not None and got != account.locked_rep:
                self.say(
                    f"Account '{account.id}' is locked to '{account.locked_rep}' but assigned "
                    f"to '{got}'."
                )

    def moves(self) -> set[str]:
        """Recount the moves from ``current_rep``; check the list, summary and limit."""
        plan, by_id = self.plan, self.by_id
        moved = {
            a.id
            for a in self.accounts
            if a.current_rep is not None
            and a.id in plan.assignment
            and plan.assignment[a.id] != a.current_rep
        }
        if {m.account_id for m in plan.moves} != moved or len(plan.moves) != len(moved):
            self.say(f"Moves listed ({len(plan.moves)}) differ from the recount ({len(moved)}).")
        for m in plan.moves:
            a = by_id.get(m.account_id)
            if a is not None and (m.from_rep != a.current_rep or m.to_rep != plan.assignment[a.id]):
                self.say(f"Move of '{m.account_id}' has wrong reps.")
        if plan.summary.moves != len(moved):
            self.say(f"Summary moves {plan.summary.moves} != recount {len(moved)}.")
        max_moves = self.options.max_moves
        if max_moves is not None:
            forced = {a for a in moved if by_id[a].locked_rep not in (None, by_id[a].current_rep)}
            if len(moved - forced) > max(0, max_moves - len(forced)):
                self.say(
                    f"{len(moved)} moves ({len(forced)} forced by locks) exceed max_moves = "
                    f"{max_moves}."
                )
        return moved

    @staticmethod
    def _visit_h(mine: list[TerritoryAccount]) -> float:
        """Visit hours per week of ``mine``."""
        return sum(a.visits_per_4_weeks / 4 * a.visit_duration_s / 3600 for a in mine)

    def _drive_h(self, r: int, mine: list[TerritoryAccount]) -> float:
        """Estimated weekly drive hours of rep ``r`` for ``mine`` (needs the matrix)."""
        assert self.durations is not None
        per_day = self.options.visits_per_day
        return sum(
            a.visits_per_4_weeks / 4 * 2 * self.durations[r, self.column[a.id]] / per_day / 3600
            for a in mine
        )

    def territories(self) -> list[tuple[int | None, float, Territory]]:
        """Recompute each territory's figures; return ``(rep row, balance value, t)``."""
        metric = BalanceMetric(self.options.balance)
        values = []
        for t in self.plan.territories:
            r = self.rep_pos.get(t.rep_id)
            mine = [self.by_id[a] for a in t.account_ids if a in self.by_id]
            self._figures(t, r, mine)
            if metric == BalanceMetric.ACCOUNTS:
                value = float(len(mine))
            elif metric == BalanceMetric.REVENUE:
                value = sum(a.revenue or 0.0 for a in mine)
            elif self.simulated:
                value = self._visit_h(mine) + t.drive_h_per_week
            elif self.durations is not None and r is not None:
                value = self._visit_h(mine) + self._drive_h(r, mine)
            else:
                value = t.balance_value  # workload without the matrix: not recomputable
            if not _close(value, t.balance_value):
                self.say(
                    f"Territory '{t.rep_id}': balance value {t.balance_value} != recomputed "
                    f"{value}."
                )
            values.append((r, value, t))
        return values

    def _figures(self, t: Territory, r: int | None, mine: list[TerritoryAccount]) -> None:
        """Check one territory's visits, hours, revenue, workload, utilisation and cost."""
        visits = sum(a.visits_per_4_weeks for a in mine) / 4
        visit_h = sum(a.visits_per_4_weeks * a.visit_duration_s for a in mine) / 4 / 3600
        revenue = sum(a.revenue or 0.0 for a in mine)
        checks = [
            ("visits_per_week", t.visits_per_week, visits),
            ("visit_h_per_week", t.visit_h_per_week, visit_h),
            ("revenue", t.revenue, revenue),
            ("workload_h_per_week", t.workload_h_per_week, visit_h + t.drive_h_per_week),
        ]
        if r is not None:
            rep = self.reps[r]
            cost = t.drive_h_per_week * rep.cost_per_hour + t.drive_km_per_week * rep.cost_per_km
            cents = t.cost_per_week * 100
            # Money is reported in whole cents: the exact cost, rounded (half a cent at most).
            if abs(cents - round(cents)) > 1e-6 or abs(t.cost_per_week - cost) > 0.005 + 1e-9:
                self.say(
                    f"Territory '{t.rep_id}': cost_per_week {t.cost_per_week} is not the "
                    f"recomputed {cost} in cents."
                )
            if self.durations is not None and t.drive_method == "estimated":
                checks.append(("drive_h_per_week", t.drive_h_per_week, self._drive_h(r, mine)))
            if self.durations is not None:
                estimate = visit_h + self._drive_h(r, mine)
                checks.append(
                    ("estimated_workload_h_per_week", t.estimated_workload_h_per_week, estimate)
                )
        for name, got, want in checks:
            if not _close(got, want):
                self.say(f"Territory '{t.rep_id}': {name} {got} != recomputed {want}.")
        if r is not None and not _close(
            t.utilisation, t.workload_h_per_week / self.reps[r].capacity_h_per_week
        ):
            self.say(f"Territory '{t.rep_id}': utilisation does not match.")

    def balance(self, values: list[tuple[int | None, float, Territory]]) -> float:
        """Check targets and deviations (capacity shares of the total); return the max."""
        capacity = sum(rep.capacity_h_per_week for rep in self.reps)
        total = sum(v for _, v, _ in values)
        max_dev = 0.0
        for r, value, t in values:
            if r is None:
                continue
            target = self.reps[r].capacity_h_per_week / capacity * total
            deviation = value / target - 1 if target > 0 else 0.0
            max_dev = max(max_dev, abs(deviation))
            if not _close(t.balance_target, target) or not _close(t.deviation, deviation):
                self.say(f"Territory '{t.rep_id}': target or deviation does not match.")
        return max_dev

    def summary(self, max_dev: float, moved: set[str]) -> None:
        """Check the summary: deviation, tolerance, drive, travel, objective, bound."""
        s, options = self.plan.summary, self.options
        if not _close(s.max_deviation, max_dev):
            self.say(f"Summary max_deviation {s.max_deviation} != recomputed {max_dev}.")
        if s.within_tolerance != (max_dev <= options.tolerance + 1e-9):
            self.say("Summary within_tolerance disagrees with the recomputed deviation.")
        if (
            self.simulated
            and (
                s.simulated_max_deviation is None or not _close(s.simulated_max_deviation, max_dev)
            )
            and BalanceMetric(options.balance) == BalanceMetric.WORKLOAD
        ):
            self.say(
                f"Summary simulated_max_deviation {s.simulated_max_deviation} != the "
                f"recomputed deviation of the simulated workloads {max_dev}."
            )
        if not s.within_tolerance and not s.explanation:
            self.say("The tolerance is not met but there is no explanation.")
        drive = sum(t.drive_h_per_week for t in self.plan.territories)
        if not _close(s.total_drive_h_per_week, drive):
            self.say("Summary total drive time is not the sum of the territories'.")
        if self.durations is not None:
            travel = sum(
                self.by_id[a].visits_per_4_weeks
                / 4
                * self.durations[self.rep_pos[rid], self.column[a]]
                / 3600
                for a, rid in self.plan.assignment.items()
                if a in self.by_id and rid in self.rep_pos
            )
            if not _close(s.travel_h_per_week, travel):
                self.say(f"Summary travel {s.travel_h_per_week} != recomputed {travel}.")
        want_objective = s.travel_h_per_week + options.move_penalty_h * len(moved)
        if not _close(s.objective_h_per_week, want_objective):
            self.say("Summary objective != travel + move penalties.")
        bound = s.lower_bound_h_per_week
        if s.within_tolerance and s.objective_h_per_week < bound * (1 - 1e-6) - 1e-6:
            self.say(
                f"Objective {s.objective_h_per_week} is below the lower bound {bound}: the "
                "bound is wrong."
            )

    def capacity(self) -> None:
        """Check the team's capacity, workload, utilisation and what is missing or spare."""
        s = self.plan.summary
        capacity = sum(rep.capacity_h_per_week for rep in self.reps)
        workload = sum(t.workload_h_per_week for t in self.plan.territories)
        mean = capacity / len(self.reps) if self.reps else 0.0
        missing = max(0.0, workload - capacity)
        if missing > 0:
            status, reps_missing, spare = "over", math.ceil(missing / mean - 1e-9), 0
        elif capacity and workload / capacity < self.options.min_utilisation:
            status, reps_missing, spare = "under", 0, int((capacity - workload) // mean)
        else:
            status, reps_missing, spare = "ok", 0, 0
        figures = [
            ("capacity_h_per_week", s.capacity_h_per_week, capacity),
            ("workload_h_per_week", s.workload_h_per_week, workload),
            ("utilisation", s.utilisation, workload / capacity if capacity else 0.0),
            ("missing_h_per_week", s.missing_h_per_week, missing),
        ]
        for name, got, want in figures:
            if not _close(got, want):
                self.say(f"Summary {name} {got} != recomputed {want}.")
        if (s.capacity_status, s.missing_reps, s.spare_reps) != (status, reps_missing, spare):
            self.say(
                f"Summary capacity {s.capacity_status}/{s.missing_reps} missing/"
                f"{s.spare_reps} spare != recomputed {status}/{reps_missing}/{spare}."
            )
        if status != "ok" and not any("capacity" in x for x in s.explanation):
            self.say(f"The team is {status} capacity but the explanation does not say so.")

    def geography(self, values: list[tuple[int | None, float, Territory]]) -> None:
        """Check that accounts named as a geographic cause sit with a rep above the band."""
        over = {t.rep_id for _, _, t in values if t.deviation > self.options.tolerance + 1e-9}
        for account_id in self.plan.summary.geographic_accounts:
            rep_id = self.plan.assignment.get(account_id)
            if rep_id not in over:
                self.say(
                    f"Account '{account_id}' is named as a geographic cause but its rep "
                    f"'{rep_id}' is not above the band."
                )
            elif not any(
                f"Rep '{rep_id}'" in x and "because of geography" in x
                for x in self.plan.summary.explanation
            ):
                self.say(
                    f"Account '{account_id}' is a geographic cause but the explanation gives "
                    f"no geographic reason for its rep '{rep_id}'."
                )
