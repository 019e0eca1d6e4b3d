"""Plan a visit schedule: choose each account's days, route every day, improve.

Method (after Cordeau, Gendreau & Laporte 1997 and Vidal et al. 2012 for the PVRP):

1. **Options.** For every account, the day sets it may take: its ``patterns`` or, without
   patterns, every set of ``visits`` allowed days (weekday, opening hours, a working
   eligible rep) meeting the gaps; with ``same_rep`` an option also fixes the rep.
   Appointments pin their days (and rep). An account that cannot get all its visits
   gets options with fewer visits; the rest are reported (``NO_ALLOWED_DAY``,
   ``SPACING_INFEASIBLE``, ``NO_ELIGIBLE_REP``).
2. **Construction.** Accounts, hardest first, take the option of least estimated cost:
   cheapest insertion into the current sequence of each rep-day (capacity, visit count,
   drive and shift length estimated; windows are left to the day engine).
3. **Improvement.** Ruin and recreate in the estimate space: take a seed account and its
   nearest neighbours out of their days (exact removal gains), re-insert each with its
   option of least estimated cost, move visits between the rep-days of a touched day,
   relocate / 2-opt inside touched rep-days; threshold acceptance (a margin shrinking to
   0). Then every day whose content changed is routed by the day-plan engine
   (:func:`solver.routing.plan_day`: PyVRP + OR-Tools, windows, lunch, all day-plan
   rules); its routes replace the estimates and the round is kept only when the routed
   objective improves. Visits the engine drops are banned from that day and moved by
   the next round. Rounds repeat until the time limit (small schedules stop once
   several rounds change nothing); the last :data:`POLISH_SHARE` of the time routes every
   day again and keeps the cheaper plan of each day.
4. **Merged rounds** (when capacity and shift length are the only rules, as in the PVRP
   benchmark; :func:`solver.schedule.merge.merge_fits`) replace 3 and the first routing:
   the visits of all days (or of as many as hold :data:`MERGE_MAX_VISITS`) are routed as
   one PyVRP problem (:mod:`solver.schedule.merge`), first from scratch: a one-visit
   account may take any of its days there (PyVRP chooses its day while routing), an
   account with several visits may move one visit to a day that keeps it on one of its
   options, and missing visits are placed (as prized optional clients while some are
   missing); when no routing of the chosen day sets holds every visit (a day's visits
   do not pack into its reps), a relaxed merged routing (below) moves them first. Later rounds
   choose the options of the accounts with several visits by a relaxed merged routing
   (each visit moves within its options' days, an account left on no option is put back
   on the option sharing most days) or by a tabu search, drawn adaptively (the search
   that gave the recent new best schedules is drawn more often), each followed by a
   merged routing warm-started from the state. The tabu search is the pattern search of
   :mod:`solver.schedule.patterns` (every option change and every move of a visit to
   another rep of its day priced at once from per-sequence tables, soft capacity and
   shift length, CGL97's attribute tabu and diversification) when it models every rule
   (no balance), else the per-account one of :mod:`solver.schedule.tabu`. The merged
   sequences become the days' plans when the day engine's own timing finds them valid
   (:func:`timed_day`), else the day is routed by the day engine; a round is accepted as
   in 3. The last :data:`MERGED_POLISH_SHARE` of the time polishes the days as in 3.

Estimated costs are those of the day plan (km x ``cost_per_km`` + driving hours x
``cost_per_hour``), plus a penalty per missing visit (the account's value; a large one
for required accounts), plus, with ``options.balance``, the squared deviation of each
rep-day's visits or busy hours from the mean rep-day (weighted by a typical round trip),
and, when re-planning, ``options.move_penalty`` per moved visit.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from typing import Any

from solver.errors import InvalidProblemError
from solver.model import Plan, SolveStatus, StopReason
from solver.progress import CancelWatch
from solver.schedule.days import polish, route_day, start_from, timed_day
from solver.schedule.merge import choose_days, day_choosers, merge_fits, merged_proposal
from solver.schedule.model import Schedule, ScheduleProblem
from solver.schedule.moves import INF, State
from solver.schedule.patterns import fits, pattern_search
from solver.schedule.result import build_result
from solver.schedule.search import hardest_first, local_search, perturb_and_improve
from solver.schedule.tabu import tabu_options

#: Schedules of at most this many accounts stop after :data:`IDLE_ROUNDS` rounds in a row
#: whose search changed no day (or, an option search, found no better schedule).
SMALL_SCHEDULE = 40
#: See :data:`SMALL_SCHEDULE`.
IDLE_ROUNDS = 3
#: Deterministic mode: most rounds of perturbation and re-routing.
DETERMINISTIC_ROUNDS = 12
#: Shares of the time: routing every day first; each later estimate search (of the time
#: left); routing the days it changed (of the time left).
FIRST_ROUTE_SHARE = 0.05
SEARCH_SHARE = 0.5
ROUTE_SHARE = 0.1
#: Merged rounds: days holding at most this many visits are routed as one problem, in
#: at most this share of the time left; the first (from scratch) for at most this many
#: seconds per visit, later ones (warm-started) for this many.
MERGE_MAX_VISITS = 2000
MERGE_SHARE = 0.35
MERGE_S_PER_VISIT = 0.05
WARM_S_PER_VISIT = 0.02
#: Later merged rounds choose the options of the accounts with several visits by one of
#: two searches, drawn with probability proportional to its weight: a relaxed merged
#: routing, or the tabu search (:mod:`solver.schedule.tabu`) for this long per account
#: with several visits (at most this share of the time left).
TABU_S_PER_ACCOUNT = 0.04
TABU_SHARE = 0.2
#: When the pattern search (:mod:`solver.schedule.patterns`) models every rule of the
#: schedule, it replaces the per-account tabu search: this long per account with
#: several options, at most this share of the time left and this many seconds a round;
#: the merged routing that follows it is warm-started for this many seconds per visit.
PATTERN_S_PER_ACCOUNT = 0.06
PATTERN_SHARE = 0.5
PATTERN_MAX_S = 6.0
PATTERN_WARM_S_PER_VISIT = 0.008
#: After each round, the weight of its search moves this share of the way to 1 when the
#: round gave a new best schedule, else to ADAPT_FLOOR (adaptive choice, as in ALNS).
ADAPT_RATE = 0.3
ADAPT_FLOOR = 0.1
#: The tabu search starts by giving this many accounts near a random one a random option
#: per round in a row without a new best (a diversification), at most SHAKE_MAX.
SHAKE_STEP = 3
SHAKE_MAX = 20
#: Share of the time kept at the end to route every day again (not when re-planning);
#: with merged rounds, whose days are routed already, a smaller one.
POLISH_SHARE = 0.15
MERGED_POLISH_SHARE = 0.03


def plan_schedule(
    problem: ScheduleProblem,
    *,
    network: Any = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
    deterministic: bool = False,
) -> Schedule:
    """Plan the visits of every account over the horizon and route every day.

    Parameters
    ----------
    problem
        The schedule problem (days, reps, accounts, appointments, options).
    network
        A loaded road network (``solver.roads.RoadNetwork``) for lat/lon problems.
    time_limit_s
        Wall-clock budget, seconds (> 0); the rounds of improvement stop when it is used.
    seed
        Random seed of the search order and of the day engine.
    on_progress
        Called as ``on_progress(fraction_done, estimated_cost)`` after each round, and
        with ``(fraction_done, None)`` about every 0.2 s while searching; returning True
        stops the search within about a second with the best schedule so far
        (``solver.stop_reason = "cancelled"``; a cancelled job).
    deterministic
        Decide every step on work done, never on the clock: rounds until
        :data:`IDLE_ROUNDS` in a row find nothing better (at most
        :data:`DETERMINISTIC_ROUNDS`), searches bounded by iterations, days routed with
        ``plan_day(deterministic=True)``. The same problem and seed then give the same
        schedule on any machine load; ``time_limit_s`` only caps each day's route.

    Returns
    -------
    Schedule
        The routes of every day (day-plan shape), one row per planned visit, the
        missing visits with reasons, and KPIs per rep and week.

    Raises
    ------
    InvalidProblemError
        When ``time_limit_s`` is not a positive number or the network is missing.
    """
    return _solve(problem, network, time_limit_s, seed, on_progress, None, None, deterministic)


def replan_schedule(
    problem: ScheduleProblem,
    previous: Schedule,
    *,
    today: dt.date,
    network: Any = None,
    time_limit_s: float = 30.0,
    seed: int = 0,
    on_progress: Callable[[float, float | None], bool | None] | None = None,
    deterministic: bool = False,
) -> Schedule:
    """Re-plan the rest of a schedule after a disruption, changing as little as possible.

    The new ``problem`` carries the disruption (a rep's new ``days_off``, a moved or new
    appointment, accounts added or dropped). Days before ``today`` stay exactly as in
    ``previous`` (their visits count towards frequencies and gaps); from ``today`` on,
    every visit moved to another date or rep costs ``problem.options.move_penalty``, and
    days whose visits did not change keep their routes.

    Parameters
    ----------
    problem
        The updated schedule problem (same horizon as ``previous``).
    previous
        The schedule being followed.
    today
        First date that may change.
    network, time_limit_s, seed, on_progress, deterministic
        As in :func:`plan_schedule`.

    Returns
    -------
    Schedule
        The new schedule over the whole horizon.

    Raises
    ------
    InvalidProblemError
        When a date of ``previous`` is not in the horizon of ``problem``.
    """
    known = set(problem.days)
    for day in previous.days:
        if day.date not in known:
            raise InvalidProblemError(
                f"date {day.date} of the previous schedule is not in the horizon.",
                entity="Schedule",
                field="days",
            )
    return _solve(problem, network, time_limit_s, seed, on_progress, previous, today, deterministic)


def _solve(
    problem: ScheduleProblem,
    network: Any,
    time_limit_s: float,
    seed: int,
    on_progress: Callable[[float, float | None], bool | None] | None,
    previous: Schedule | None,
    today: dt.date | None,
    deterministic: bool = False,
) -> Schedule:
    if not isinstance(time_limit_s, int | float) or not math.isfinite(time_limit_s):
        raise InvalidProblemError(f"Solve: time_limit_s must be a number, got {time_limit_s!r}.")
    if time_limit_s <= 0:
        raise InvalidProblemError(f"Solve: time_limit_s must be > 0, got {time_limit_s!r}.")
    began = time.monotonic()
    deadline = began + time_limit_s
    # deterministic: the clock never moves for decisions (work budgets decide instead)
    now = (lambda: began) if deterministic else time.monotonic
    rng = random.Random(seed)
    cancel = CancelWatch(on_progress, began, time_limit_s)
    state = State(problem, network, previous, today)
    move_penalty = problem.options.move_penalty if previous is not None else 0.0
    plans: dict[int, Plan] = {}
    contents: dict[int, tuple] = {}
    if previous is not None:
        start_from(state, previous, plans, contents)
    order = hardest_first(state)
    for i in order:
        if state.chosen[i] is None or not state.fully_placed(i):
            state.choose(i, move_penalty, rng)
    future = [k for k in range(state.n_days) if k not in state.past]
    # the merged rounds run on PyVRP's clock: left out of the deterministic mode
    merging = merge_fits(state) and not deterministic
    rounds = 1
    choosers = set(day_choosers(state)) if merging else set()
    fast = merging and fits(state)  # (the pattern search models every rule)
    movable = sum(1 for options in state.options if len(options) > 1)
    searched = [i for i in range(len(state.accounts)) if i not in choosers]
    polish_s = (MERGED_POLISH_SHARE if merging else POLISH_SHARE) * time_limit_s
    polish_s = polish_s if previous is None else 0.0
    proposal = False
    if merging:  # the first routing of the days is a merged one (fresh, no estimates)
        merge_days = choose_days(state, MERGE_MAX_VISITS, rng)
        visits = sum(len(rd.seq) for k in merge_days for rd in state.rep_days[k].values())
        left = deadline - polish_s - time.monotonic()
        slice_s = max(0.3, min(MERGE_SHARE * left, MERGE_S_PER_VISIT * visits))
        proposal = merged_proposal(state, merge_days, slice_s, seed, warm=False, cancelled=cancel)
        short = any(
            state.chosen[i] is None or not state.fully_placed(i) for i in range(len(state.accounts))
        )
        if (not proposal or short) and not cancel():
            # No feasible routing of these day sets, or not of every visit (a day's
            # visits may not pack into its reps): the visits move within their
            # options' days, then route again.
            slice_s = max(0.3, min(MERGE_SHARE * left / 2, WARM_S_PER_VISIT * visits))
            if merged_proposal(
                state, merge_days, slice_s, seed + 1, warm=False, relax=True, cancelled=cancel
            ):
                proposal = merged_proposal(state, merge_days, slice_s, seed + 2, cancelled=cancel)
    if not proposal:  # (a merged routing replaces the estimates' sequences)
        local_search(state, move_penalty, rng, INF if deterministic else deadline, cancel)
    first = [k for k in future if contents.get(k) != state.day_content(k)]
    per_day = max(0.2, min(10.0, FIRST_ROUTE_SHARE * time_limit_s / max(1, len(first))))
    cap = time_limit_s if deterministic else None  # each day's safety cap
    for k in first:
        timed = timed_day(state, k, seed) if proposal else None
        plans[k], contents[k] = timed or route_day(
            state, k, cap or per_day, seed, deterministic, cancel.day_progress
        )
    best = (state.objective(move_penalty), state.snapshot(), dict(plans), dict(contents))
    cancel.report(best[0])
    idle, converged, stalled = 0, False, 0
    weights = {"relax": 1.0, "tabu": 1.0}
    main_deadline = deadline - polish_s
    while main_deadline - now() > max(0.3, 0.03 * time_limit_s) and not cancel():
        if deterministic and rounds > DETERMINISTIC_ROUNDS:
            break
        rounds += 1
        left = main_deadline - now()
        proposal = False  # a merged round: its days keep PyVRP's sequences when they time
        op = None  # the option search of this round ("relax" or "tabu"), if any
        if merging:
            merge_days = choose_days(state, MERGE_MAX_VISITS, rng)
            visits = sum(len(rd.seq) for k in merge_days for rd in state.rep_days[k].values())
            every_day = len(merge_days) == sum(1 for k in future if state.works[k])
            if not every_day and rounds % 2:
                # A fresh routing of another subset of days (they do not fit one problem).
                slice_s = max(0.3, min(MERGE_SHARE * left, MERGE_S_PER_VISIT * visits))
                proposal = merged_proposal(
                    state, merge_days, slice_s, seed + rounds, warm=False, cancelled=cancel
                )
            else:
                # Options of the accounts with several visits: in turn a relaxed merged
                # routing (each visit moves within its options' days, then repaired)
                # and the tabu search; then a merged routing from that state.
                slice_s = max(0.3, min(MERGE_SHARE * left / 2, WARM_S_PER_VISIT * visits))
                op = _pick(weights, rng) if searched else None
                if op == "relax":
                    merged_proposal(
                        state, merge_days, slice_s, seed + rounds, relax=True, cancelled=cancel
                    )
                elif op == "tabu" and fast:
                    tabu_s = min(PATTERN_S_PER_ACCOUNT * movable, PATTERN_MAX_S)
                    tabu_s = max(0.3, min(PATTERN_SHARE * left, tabu_s))
                    pattern_search(state, rng, time.monotonic() + tabu_s, cancel, escape=True)
                elif op == "tabu":
                    tabu_s = max(0.3, min(TABU_SHARE * left, TABU_S_PER_ACCOUNT * len(searched)))
                    until = time.monotonic() + tabu_s
                    shake = min(SHAKE_MAX, SHAKE_STEP * stalled)
                    tabu_options(state, rng, until, searched, cancel, escape=True, shake=shake)
                left = main_deadline - now()
                per_visit = PATTERN_WARM_S_PER_VISIT if op == "tabu" and fast else WARM_S_PER_VISIT
                slice_s = max(0.3, min(MERGE_SHARE * left, per_visit * visits))
                proposal = merged_proposal(
                    state, merge_days, slice_s, seed + rounds, cancelled=cancel
                )
        else:
            slice_s = max(0.3, min(SEARCH_SHARE * left, 0.1 * len(state.accounts)))
            until = INF if deterministic else time.monotonic() + slice_s
            perturb_and_improve(state, move_penalty, rng, until, cancel)
        changed = [k for k in future if contents.get(k) != state.day_content(k)]
        left = main_deadline - now()
        per_day = max(0.2, min(10.0, ROUTE_SHARE * left / max(1, len(changed))))
        for k in changed:
            if not deterministic and time.monotonic() + per_day > deadline:  # polish time
                break
            if cancel():
                break  # the unrouted days send the state back to the best one
            timed = timed_day(state, k, seed + rounds) if proposal else None
            if timed is not None:
                plans[k], contents[k] = timed
                continue
            plans[k], contents[k] = route_day(
                state, k, cap or per_day, seed + rounds, deterministic, cancel.day_progress
            )
        unrouted = [k for k in future if contents.get(k) != state.day_content(k)]
        value = state.objective(move_penalty)
        improved = not unrouted and value < best[0] - 1e-6
        if improved:
            best = (value, state.snapshot(), dict(plans), dict(contents))
            stalled = 0
        else:  # every round starts from the best schedule found so far
            stalled += 1
            state.restore(best[1])
            plans, contents = dict(best[2]), dict(best[3])
        if op is not None:  # (adaptive: the option search that pays gets more rounds)
            score = 1.0 if improved else ADAPT_FLOOR
            weights[op] = (1 - ADAPT_RATE) * weights[op] + ADAPT_RATE * score
        cancel.report(best[0])
        # An idle round found nothing better: it changed no day, or it was an option
        # search (whose tabu escape always moves somewhere) without a new best.
        idle = 0 if improved or (changed and op is None) else idle + 1
        if idle >= IDLE_ROUNDS and (deterministic or len(state.accounts) <= SMALL_SCHEDULE):
            converged = True
            break  # several searches in a row found no better day sets
    for k in future:  # safety: every day of the result is a routed day plan
        if k not in plans or contents.get(k) != state.day_content(k):
            plans[k], contents[k] = route_day(
                state, k, cap or 0.2, seed, deterministic, cancel.day_progress
            )
    if polish_s and not cancel():
        until = INF if deterministic else min(deadline, time.monotonic() + polish_s)
        polish(state, plans, future, until, seed, cap)
    status = SolveStatus.CONVERGED if converged else SolveStatus.TIME_LIMIT
    if deterministic and not converged:
        status = SolveStatus.FEASIBLE  # the round budget, not the clock, ended it
    stop_reason = StopReason.CANCELLED if cancel.seen else None
    return build_result(state, plans, seed, time_limit_s, began, status, deterministic, stop_reason)


def _pick(weights: dict[str, float], rng: random.Random) -> str:
    """Draw an option search with probability proportional to its weight."""
    names = sorted(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]
