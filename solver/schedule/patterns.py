"""Tabu search on the accounts' day patterns, every move priced at once (CGL97).

The search of Cordeau, Gendreau & Laporte (1997) for the periodic VRP, on the schedule
state's sequences: each iteration prices every move of three kinds and makes the best one
that is not tabu (or that gives a new best schedule):

- **pattern**: an account takes another of its options; it leaves the days of the old
  option that the new one does not hold (exact removal gains) and enters the new days
  at the cheapest place of any rep that day (or of its fixed rep);
- **relocate**: a visit moves to another rep's sequence on the same day;
- **fill**: a missing visit (a day of the account's option where it is not placed, as
  left by a routing that could not pack every visit) enters the cheapest sequence of
  that day (or its fixed rep's), for accounts with one option too.

Capacity and shift length are soft: an overload costs ``alpha`` per unit of demand and
``beta`` per second past the shift, weights that grow while the current state breaks
the rule and shrink while it keeps it, so the search crosses infeasible states to reach
other feasible ones. The attributes are an account's visits in a rep's sequence of a
day: a visit taken out of a sequence may not go back into it for a few iterations
(tabu, unless that gives a new best schedule), and a move adding an attribute that the
search has added often costs extra when it does not improve (continuous
diversification). Every touched sequence is re-optimised (2-opt, relocate) after a move.

All moves are priced by numpy on tables kept per sequence
(:mod:`solver.schedule.pattern_tables`): the cheapest insertion of every account into
it and the removal gain of each of its visits. A move changes a few sequences, so only
their tables are rebuilt. Each iteration prices the moves once with the tabu insertions
in, and prices them again without them only when the best move is tabu and gives no new
best (leaving tabu insertions out never makes a move cheaper, so a best move that is not
tabu is also the best of those that are not); the cheapest two sequences of each day
for every account serve the pattern and relocate moves alike. 550-1,300 iterations a
second on the PVRP benchmark's 100-300 accounts (1.2-1.45 times as many as pricing
every iteration twice), where the per-account search of :mod:`solver.schedule.tabu`
makes about 15.

Used by :func:`solver.schedule.plan.plan_schedule` for schedules whose only rules are
capacity and shift length (see :func:`fits`); the merged routing that follows turns the
sequences into day plans.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable

import numpy as np

from solver.schedule.merge import merge_fits
from solver.schedule.moves import State
from solver.schedule.pattern_tables import EPS, PatternTables

#: Tabu tenure: about this many times log10(accounts) iterations (CGL97's theta).
TENURE_FACTOR = 7.5
#: Continuous diversification (CGL97's lambda): a non-improving move adding an attribute
#: costs this share of the current cost x sqrt(visits x reps) x the attribute's frequency.
DIVERSIFY = 0.015
#: The overload weights are multiplied or divided by 1 + this after each iteration.
PENALTY_STEP = 0.5
#: The shift-length weight changes every this many iterations (its tables are rebuilt).
BETA_EVERY = 10


def fits(state: State) -> bool:
    """Whether the pattern search models this schedule: the merged rules, no balance."""
    return merge_fits(state) and not state.balance_weight


def pattern_search(
    state: State,
    rng: random.Random,
    until: float,
    cancelled: Callable[[], bool] | None = None,
    escape: bool = False,
    max_iterations: int | None = None,
) -> bool:
    """Tabu search on options and reps (module docstring); True when the state changed.

    Ends at ``until`` (``time.monotonic``), after ``max_iterations`` or when
    ``cancelled`` returns True, on the best state without overload found, when it beats
    the start; with ``escape``, else on the best other such state (so that the merged
    routing that follows starts somewhere new). Otherwise the state is left as it was.

    """
    movable = [
        i
        for i in range(len(state.accounts))
        if len(state.options[i]) > 1 and state.chosen[i] is not None
    ]
    search = PatternTables(state, movable)
    nr, n = len(search.routes), search.n
    if nr == 0 or n == 0:
        return False
    tenure = max(3, round(TENURE_FACTOR * math.log10(max(n, 2))))
    reps_a_day = max(1, nr // max(1, sum(1 for xs in search.day_routes if xs)))
    scale = DIVERSIFY * math.sqrt(max(1, int(search.visits.sum())) * reps_a_day)
    # Attributes (an account in a sequence): tabu until, and how often added.
    tabu = np.zeros((nr + 1, n), dtype=np.int64)
    used = np.zeros((nr + 1, n))
    start = search.snapshot()
    best = (search.true_cost() if search.overload() == (0.0, 0.0) else math.inf, None)
    other: tuple[float, tuple | None] = (math.inf, None)
    best_penalised = search.penalised()
    current_rows = np.array(
        [search.row_of.get((i, search.chosen[i]), -1) for i in range(n)], dtype=np.int64
    )
    iteration = 0
    while max_iterations is None or iteration < max_iterations:
        iteration += 1
        if iteration % 8 == 1 and (time.monotonic() >= until or (cancelled and cancelled())):
            break
        value = search.penalised()
        level = best[0] if math.isfinite(best[0]) else best_penalised  # (aspiration)
        ins = search.insertions()
        gains = search.gains()
        charge = scale * search.true_cost() / iteration * used  # diversification
        move = _best_move(search, ins, gains, charge, current_rows)
        if (
            move is not None
            and _is_tabu(search, move, tabu, iteration)
            and value + move[0] >= level - EPS
        ):
            # The best move is tabu and gives no new best (aspiration): the best one
            # without tabu insertions. (The best move when it is not tabu is also the
            # best of those: leaving the tabu insertions out makes no move cheaper.)
            free = np.where(tabu >= iteration, np.inf, ins)
            move = _best_move(search, free, gains, charge, current_rows)
        if move is None:
            break
        touched: set[int] = set()
        hold = iteration + rng.randint(tenure // 2, tenure + tenure // 2)
        if move[1] == "pattern":
            row, places = move[2]
            i = int(search.o_acc[row])
            mask, fixed_route = search.o_mask[row], search.o_route[row]
            for k in range(search.t):
                x = int(search.route_at[i, k])
                stay = mask[k] and x >= 0 and (fixed_route[k] < 0 or fixed_route[k] == x)
                if x >= 0 and not stay:
                    touched.add(search.remove(i, k))
                    tabu[x, i] = hold
            for x in places:
                if x in touched:
                    search.rebuild(x)  # (a visit left it: its places changed)
                search.insert(i, x)
                touched.add(x)
                used[x, i] += 1
            current_rows[i] = row
            search.chosen[i] = int(search.o_idx[row])
            search.set_want(i, search.chosen[i])
        elif move[1] == "fill":
            i, y = move[2]
            search.insert(i, y)
            touched.add(y)
            used[y, i] += 1
        else:
            i, k, y = move[2]
            x = search.remove(i, k)
            search.insert(i, y)
            touched |= {x, y}
            tabu[x, i] = hold
            used[y, i] += 1
        for x in touched:
            search.polish(x)
        over, late = search.overload()
        search.alpha *= 1 + PENALTY_STEP if over > 0 else 1 / (1 + PENALTY_STEP)
        if search.timed and iteration % BETA_EVERY == 0:
            search.beta *= 1 + PENALTY_STEP if late > 0 else 1 / (1 + PENALTY_STEP)
            search.reweigh()
        best_penalised = min(best_penalised, search.penalised())
        if over == 0 and late == 0:
            cost = search.true_cost()
            if cost < best[0] - EPS:
                best = (cost, search.snapshot())
            elif escape and cost < other[0] - EPS and search.snapshot() != start:
                other = (cost, search.snapshot())
    if best[1] is not None:
        search.write(best[1])
        return True
    if escape and other[1] is not None:
        search.write(other[1])
        return True
    return False


def _best_move(
    search: PatternTables,
    ins: np.ndarray,
    gains: np.ndarray,
    charge: np.ndarray,
    current_rows: np.ndarray,
) -> tuple[float, str, tuple] | None:
    """Cheapest move of any kind on insertion table ``ins``: (delta + charge, kind, payload).

    The payload is ``(option row, sequences it inserts into)`` for a pattern move (see
    :func:`_pattern_places`), ``(account, sequence)`` for a fill and ``(account, day,
    sequence)`` for a relocation.
    """
    first, second = _cheapest_two(search, ins)
    pattern = _best_pattern(search, ins, gains, charge, current_rows, first)
    relocation = _best_relocation(search, ins, gains, charge, first, second)
    fill = _best_fill(search, ins, charge)
    move = None
    for kind, found in (("pattern", pattern), ("relocate", relocation), ("fill", fill)):
        if found is not None and (move is None or found[0] < move[0]):
            move = (found[0], kind, found[1])
    if move is not None and move[1] == "pattern":
        move = (move[0], "pattern", (move[2], _pattern_places(search, ins, move[2])))
    return move


def _is_tabu(search: PatternTables, move: tuple, tabu: np.ndarray, iteration: int) -> bool:
    """Whether ``move`` (from :func:`_best_move`) makes a tabu insertion."""
    if move[1] == "pattern":
        row, places = move[2]
        i = int(search.o_acc[row])
        return any(tabu[x, i] >= iteration for x in places)
    i, y = move[2][0], move[2][-1]
    return bool(tabu[y, i] >= iteration)


def _pattern_places(search: PatternTables, table: np.ndarray, row: int) -> list[int]:
    """Sequences that the option change ``row`` inserts its account into (by ``table``).

    One per day of the option where the account is not placed yet (or placed with
    another rep than the option's fixed one): the cheapest sequence that day (or the
    option's fixed rep's), unless missing the visit is cheaper (no room that day).
    """
    i = int(search.o_acc[row])
    mask, fixed_route = search.o_mask[row], search.o_route[row]
    now = search.route_at[i]
    stay = mask & (now >= 0) & ((fixed_route < 0) | (fixed_route == now))
    places = []
    for k in np.flatnonzero(mask & ~stay).tolist():
        x = search.cheapest_route(table, i, k, int(fixed_route[k]))
        if x >= 0 and table[x, i] < search.miss[i]:
            places.append(x)
    return places


def _cheapest_two(search: PatternTables, ins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the cheapest two sequences of each day for every account (days x accounts).

    The dummy sequence (one past the last, never a place) where a day has fewer.
    """
    grid = search.day_grid  # (days x reps a day, the dummy's rows are inf)
    costs = ins[grid]  # days x reps x accounts
    at = np.argmin(costs, axis=1)
    days = np.arange(search.t)[:, None]
    cols = np.arange(search.n)[None, :]
    first = grid[days, at]
    costs[days, at, cols] = np.inf
    second = grid[days, np.argmin(costs, axis=1)]
    return first, second


def _best_pattern(
    search: PatternTables,
    ins: np.ndarray,
    gains: np.ndarray,
    charge: np.ndarray,
    current_rows: np.ndarray,
    first: np.ndarray,
) -> tuple[float, int] | None:
    """Cheapest option change on insertion table ``ins``: (delta + charge, option row).

    ``first``: the cheapest sequence of each day for every account (days x accounts).
    """
    if not len(search.o_acc):
        return None
    acc = search.o_acc
    cols = np.arange(search.n)
    here = search.placed[acc]
    day_cost = ins[first, cols]  # (the dummy sequence: inf, no charge)
    day_charge = charge[first, cols]
    cost = day_cost.T[acc]
    extra = day_charge.T[acc]
    keep = search.o_mask & here
    if search.fixed_reps:
        fixed = search.o_rep >= 0
        routes = np.maximum(search.o_route, 0)
        cost = np.where(fixed[:, None], ins[routes, acc[:, None]], cost)
        extra = np.where(fixed[:, None], charge[routes, acc[:, None]], extra)
        keep &= ~fixed[:, None] | (search.route_at[acc] == search.o_route)
    cost = np.minimum(cost, search.miss[acc][:, None])
    add = search.o_mask & ~keep
    drop = here & ~keep
    delta = (
        np.where(add, cost, 0.0).sum(axis=1)
        - np.where(drop, gains[acc], 0.0).sum(axis=1)
        + search.miss[acc] * (here.sum(axis=1) - search.o_size)
    )
    delta[current_rows[acc] == np.arange(len(acc))] = np.inf
    delta = np.where(delta >= -EPS, delta + np.where(add, extra, 0.0).sum(axis=1), delta)
    row = int(np.argmin(delta))
    return (float(delta[row]), row) if np.isfinite(delta[row]) else None


def _best_fill(
    search: PatternTables, ins: np.ndarray, charge: np.ndarray
) -> tuple[float, tuple[int, int]] | None:
    """Cheapest insertion of a missing visit (a day of its option, not placed): (delta, move).

    Its sequence is the cheapest of that day, or the option's fixed rep's.
    """
    ii, kk = np.nonzero(search.want & ~search.placed)
    if not len(ii):
        return None
    best: tuple[float, tuple[int, int]] | None = None
    for i, k in zip(ii.tolist(), kk.tolist(), strict=True):
        x = search.cheapest_route(ins, i, k, int(search.want_route[i, k]))
        if x < 0:
            continue
        delta = float(ins[x, i] - search.miss[i])
        if not np.isfinite(delta):
            continue
        if delta >= -EPS:
            delta += float(charge[x, i])
        if best is None or delta < best[0]:
            best = (delta, (i, x))
    return best


def _best_relocation(
    search: PatternTables,
    ins: np.ndarray,
    gains: np.ndarray,
    charge: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
) -> tuple[float, tuple[int, int, int]] | None:
    """Cheapest move of a visit to another rep the same day: (delta + charge, move).

    Each visit goes to the cheapest sequence of its day other than its own (``first``
    or ``second``, the cheapest two of each day for every account).
    """
    ii, kk = np.nonzero(search.placed & search.relocatable[:, None])
    if not len(ii):
        return None
    here = search.route_at[ii, kk]
    target = np.where(first[kk, ii] != here, first[kk, ii], second[kk, ii])
    delta = ins[target, ii] - gains[ii, kk]
    delta = np.where(delta >= -EPS, delta + charge[target, ii], delta)
    v = int(np.argmin(delta))
    if not np.isfinite(delta[v]):
        return None
    return float(delta[v]), (int(ii[v]), int(kk[v]), int(target[v]))
