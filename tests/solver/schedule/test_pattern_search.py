"""The vectorised tabu search on day patterns (``solver.schedule.patterns``).

The enumerated case of ``test_merge_days`` (two clusters, two two-visit accounts on days
(0, 2) or (1, 3), one rep with room for 4 visits a day), and small cases with two reps,
a shift length and reps fixed per account, whose results are checked against the
rules directly and, through ``plan_schedule``, by ``check_schedule``.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import replace

import numpy as np
import pytest

from solver.model import Shift
from solver.schedule import ScheduleProblem, plan_schedule
from solver.schedule.moves import State
from solver.schedule.pattern_tables import PatternTables
from solver.schedule.patterns import _best_move, _is_tabu, fits, pattern_search

from .helpers import account, assert_feasible, plane, rep, visit_days, week
from .test_merge_days import assert_enumerated_optimum, bad_start, problem


def assert_consistent(state: State) -> None:
    """Every account on one of its options, all its visits placed once; figures agree."""
    for i in range(len(state.accounts)):
        option = state.options[i][state.chosen[i]]
        assert set(state.placed[i]) == set(option.days)
        for k, r in state.placed[i].items():
            assert state.rep_days[k][r].seq.count(i) == 1
            if option.rep is not None:
                assert r == option.rep
    for rds in state.rep_days:
        for r, rd in rds.items():
            assert rd.load == sum(state.demand[i] for i in rd.seq)
            nodes = [state.start_row[r], *(state.row[i] for i in rd.seq), state.end_row[r]]
            drive = sum(state.durations[a, b] for a, b in zip(nodes, nodes[1:], strict=False))
            assert rd.busy_s == pytest.approx(drive + sum(state.service[i] for i in rd.seq), abs=2)


def test_pattern_search_reaches_the_enumerated_optimum_from_a_bad_start() -> None:
    state = State(problem(), None, None, None)
    assert fits(state)
    bad_start(state)
    before = state.objective(0.0)
    assert pattern_search(state, random.Random(0), time.monotonic() + 5.0, max_iterations=300)
    assert_consistent(state)
    assert all(state.rep_days[k][0].load <= 4 for k in range(4))
    assert_enumerated_optimum(state, before)


def _ring(n: int) -> list[tuple[float, float]]:
    """A depot and ``n`` points on a ring of radius 10 around it."""
    return [(0.0, 0.0)] + [
        (10 * math.cos(2 * math.pi * j / n), 10 * math.sin(2 * math.pi * j / n)) for j in range(n)
    ]


def _two_rep_problem(same_rep: bool, shift_h: float | None = None) -> ScheduleProblem:
    points = _ring(12)
    accounts = tuple(
        account(
            f"A{j}",
            j,
            duration_s=600,
            demand=1 + j % 3,
            visits=2 if j % 2 else 1,
            patterns=((0, 2), (1, 3)) if j % 2 else (),
            same_rep=same_rep,
        )
        for j in range(1, 13)
    )
    reps = tuple(rep(f"R{r}", capacity=7) for r in (1, 2))
    if shift_h:  # (a shift of that many hours from 08:00)
        shift = Shift(8 * 3600, 8 * 3600 + round(shift_h * 3600))
        reps = tuple(replace(sr, rep=replace(sr.rep, shift=shift)) for sr in reps)
    return ScheduleProblem(week(4), reps, accounts, matrix=plane(points))


def _crowded_start(state: State) -> None:
    """Every account on its first option, every visit with rep 0 (overloaded)."""
    for i in range(len(state.accounts)):
        options = state.options[i]
        o = next((o for o, opt in enumerate(options) if opt.rep in (None, 0)), 0)
        state.chosen[i] = o
        r = options[o].rep if options[o].rep is not None else 0
        state.insert(i, {k: (r, len(state.rep_days[k][r].seq)) for k in options[o].days})


@pytest.mark.parametrize("same_rep", [False, True])
def test_overloaded_start_ends_on_a_state_within_capacity_and_shift(same_rep: bool) -> None:
    state = State(_two_rep_problem(same_rep, shift_h=2.5), None, None, None)
    assert fits(state)
    _crowded_start(state)
    assert any(rd.load > 7 for rds in state.rep_days for rd in rds.values())
    assert pattern_search(state, random.Random(1), time.monotonic() + 5.0, max_iterations=400)
    assert_consistent(state)
    for k, rds in enumerate(state.rep_days):
        for r, rd in rds.items():
            assert rd.load <= 7
            assert (
                rd.busy_s <= state.day_reps[k][r].shift.end_s - state.day_reps[k][r].shift.start_s
            )


def test_same_rep_accounts_keep_one_rep_for_all_their_visits() -> None:
    state = State(_two_rep_problem(True), None, None, None)
    _crowded_start(state)
    pattern_search(state, random.Random(2), time.monotonic() + 5.0, max_iterations=300)
    assert_consistent(state)
    for i in range(len(state.accounts)):
        assert len(set(state.placed[i].values())) == 1


def test_a_state_without_a_better_one_is_left_unchanged_unless_asked_to_escape() -> None:
    state = State(problem(), None, None, None)
    bad_start(state)
    pattern_search(state, random.Random(0), time.monotonic() + 5.0, max_iterations=300)
    best = state.snapshot()
    assert not pattern_search(state, random.Random(0), time.monotonic() + 5.0, max_iterations=50)
    assert state.snapshot() == best
    assert pattern_search(
        state, random.Random(0), time.monotonic() + 5.0, max_iterations=50, escape=True
    )
    assert_consistent(state)
    assert state.snapshot() != best


def test_plan_schedule_with_the_pattern_search_passes_the_checker() -> None:
    schedule_problem = _two_rep_problem(False, shift_h=2.5)
    schedule = plan_schedule(schedule_problem, time_limit_s=6, seed=0)
    assert_feasible(schedule_problem, schedule)
    assert not schedule.unassigned
    for j in range(1, 13, 2):
        days = visit_days(schedule, f"A{j}")
        offsets = tuple(week(4).index(d) for d in days)
        assert offsets in {(0, 2), (1, 3)}
    assert np.isfinite(schedule.summary.total.cost)


def test_missing_visits_are_filled_in_also_of_accounts_with_one_option() -> None:
    base = _two_rep_problem(False)
    daily = account("D", 3, duration_s=600, demand=1, visits=4, same_rep=False)
    state = State(replace(base, accounts=(*base.accounts, daily)), None, None, None)
    d = len(state.accounts) - 1
    assert len(state.options[d]) == 1  # (every day of the week: one option)
    _crowded_start(state)
    for i, k in ((d, 2), (0, state.options[0][state.chosen[0]].days[0])):
        state._take_out(state.rep_days[k][state.placed[i].pop(k)], i, k)
    before = state.objective(0.0)
    assert pattern_search(state, random.Random(3), time.monotonic() + 5.0, max_iterations=400)
    assert_consistent(state)  # (every visit of every account placed, on its option)
    assert all(rd.load <= 7 for rds in state.rep_days for rd in rds.values())
    assert state.objective(0.0) < before


@pytest.mark.parametrize("same_rep", [False, True])
def test_one_pricing_picks_the_move_of_pricing_with_and_without_the_tabu_insertions(
    same_rep: bool,
) -> None:
    """The search prices every move once, and again without the tabu insertions only when
    the best move is tabu and gives no new best. That must pick a move as cheap as the
    rule it stands for: the best move without tabu insertions, or a tabu one that gives
    a new best (aspiration), whichever is cheaper."""
    rng = np.random.default_rng(0)
    checked = tabu_best = 0
    for start in range(3):
        state = State(_two_rep_problem(same_rep, shift_h=2.5), None, None, None)
        _crowded_start(state)
        if start:  # (other states: part of the way to a good schedule)
            pattern_search(state, random.Random(start), time.monotonic() + 5.0, max_iterations=20)
        movable = [i for i in range(len(state.accounts)) if len(state.options[i]) > 1]
        search = PatternTables(state, movable)
        rows = np.array([search.row_of.get((i, search.chosen[i]), -1) for i in range(search.n)])
        ins, gains = search.insertions(), search.gains()
        charge = np.zeros_like(ins)
        value = search.penalised()
        for _ in range(100):
            tabu = rng.integers(0, 2, size=ins.shape)  # (tabu at iteration 1: a 1)
            level = value + rng.uniform(-30.0, 5.0)
            free = np.where(tabu >= 1, np.inf, ins)
            fresh = _best_move(search, free, gains, charge, rows)
            best = _best_move(search, ins, gains, charge, rows)
            assert best is not None
            aspires = value + best[0] < level - 1e-6
            expected = min(
                [m[0] for m in (fresh, best if aspires else None) if m is not None],
                default=None,
            )
            picked = best
            if _is_tabu(search, best, tabu, 1):
                tabu_best += 1
                if not aspires:
                    picked = fresh
            assert (picked[0] if picked else None) == expected
            checked += 1
    assert checked == 300 and tabu_best > 30  # (the tabu case is exercised)
