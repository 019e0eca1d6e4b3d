"""Re-plan from mid-day: the rest of one rep's day, changing its order as little as it can.

:func:`replan_problem` turns the day's problem into the problem of the rest of the day;
:func:`replan_day` solves it twice -- the previous order repaired (urgent accounts
inserted where they cost least, visits that no longer fit taken out) and a fresh solve
by :func:`~solver.routing.plan_day` -- and keeps the better one once every stop whose
place in the order changed is charged ``change_penalty``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from solver.errors import InvalidProblemError
from solver.model import (
    Account,
    Break,
    Location,
    Plan,
    Problem,
    Reason,
    Rep,
    Shift,
    Unassigned,
    format_time_s,
)
from solver.routing.data import ResolvedProblem, resolve_problem
from solver.routing.plan import plan_day, time_routes
from solver.routing.reasons import explain_dropped, screen_accounts
from solver.routing.schedule import account_value, time_route, timing_misses

#: Default charge per changed stop, in the units of the plan's costs (the currency).
DEFAULT_CHANGE_PENALTY = 10.0


def replan_problem(
    problem: Problem,
    *,
    rep_id: str,
    position: Location,
    now_s: int,
    visited: Iterable[str],
) -> Problem:
    """Build the problem of the rest of the day for one rep.

    The rep starts at ``position`` at ``now_s`` and still ends where the day was
    meant to end (home, office, or open). Accounts visited today are marked
    ``already_visited`` (never planned again, reported ``ALREADY_VISITED``); their
    demand and count are taken off the rep's capacity and maximum visits. Only the
    accounts this rep may visit are kept. The lunch break is kept while it can still
    start (its earliest start moves to ``now_s`` if later); once its latest start has
    passed it is assumed taken. ``max_drive_s`` is kept as given (the drive so far is
    not known here).

    Parameters
    ----------
    problem
        The day's original problem.
    rep_id
        The rep who re-plans.
    position
        Where the rep is now (index with an explicit matrix, else lat/lon).
    now_s
        The time now, seconds since midnight.
    visited
        Ids of the accounts already visited today.

    Returns
    -------
    Problem
        A one-rep problem; solve it with :func:`solver.routing.plan_day` (or
        :func:`replan_day`, which also keeps the previous order where it can).

    Raises
    ------
    InvalidProblemError
        For an unknown rep or account, or when ``now_s`` is not before the shift end.
    """
    try:
        rep = problem.rep(rep_id)
    except KeyError:
        raise InvalidProblemError(
            entity="Replan", reason=f"rep '{rep_id}' is unknown.", field="rep_id"
        ) from None
    done = frozenset(visited)
    known = {a.id for a in problem.accounts}
    unknown = sorted(done - known)
    if unknown:
        raise InvalidProblemError(
            entity="Replan", reason=f"visited account '{unknown[0]}' is unknown.", field="visited"
        )
    if not rep.shift.start_s <= now_s < rep.shift.end_s:
        raise InvalidProblemError(
            entity="Rep",
            entity_id=rep_id,
            reason=f"now {format_time_s(now_s)} is outside the shift "
            f"{format_time_s(rep.shift.start_s)}-{format_time_s(rep.shift.end_s)}.",
            field="now_s",
        )
    lunch = rep.lunch
    if lunch is not None:
        if lunch.latest_start_s < now_s:
            lunch = None
        else:
            lunch = Break(
                max(lunch.earliest_start_s, now_s), lunch.latest_start_s, lunch.duration_s
            )
    mine = [a for a in problem.accounts if not a.rep_ids or rep_id in a.rep_ids]
    done_here = [a for a in mine if a.id in done]
    used = sum(a.demand for a in done_here)
    rest = dataclasses.replace(
        rep,
        start=position,
        end=None if rep.open_end else rep.end_location,
        shift=Shift(now_s, rep.shift.end_s),
        lunch=lunch,
        capacity=None if rep.capacity is None else max(0, rep.capacity - used),
        max_visits=None if rep.max_visits is None else max(0, rep.max_visits - len(done_here)),
    )
    accounts = tuple(dataclasses.replace(a, rep_ids=frozenset()) for a in mine)
    return dataclasses.replace(
        problem,
        reps=(rest,),
        accounts=accounts,
        already_visited=problem.already_visited | done,
    )


@dataclasses.dataclass(frozen=True)
class DayReplan:
    """The re-planned rest of a rep's day.

    Attributes
    ----------
    problem
        The rest-of-day problem the plan answers (``check_plan(problem, plan)``); skipped
        accounts are in it and unassigned with reason ``SKIPPED``.
    plan
        The rest of the day: one route from the current position, the rest unassigned.
    previous_order
        The remaining part of the previous order (what changes are counted against).
    changed_stops
        Stops whose place changed: previous stops dropped or moved, plus stops added.
    kept_previous
        True when the repaired previous order was chosen, False for the fresh solve.
    """

    problem: Problem
    plan: Plan
    previous_order: tuple[str, ...]
    changed_stops: int
    kept_previous: bool


def changed_stops(before: Sequence[str], after: Sequence[str]) -> int:
    """Count the stops whose place in the order changed.

    A stop of ``before`` that is not in a longest common subsequence of both orders was
    dropped or moved; a stop of ``after`` absent from ``before`` was added. Each counts
    once.

    Parameters
    ----------
    before, after
        Account ids in visiting order.

    Returns
    -------
    int
        ``len(before) - LCS(before, after)`` + stops of ``after`` not in ``before``.
    """
    lengths = [0] * (len(after) + 1)
    for a in before:
        diagonal = 0
        for j, b in enumerate(after, start=1):
            above = lengths[j]
            lengths[j] = diagonal + 1 if a == b else max(lengths[j], lengths[j - 1])
            diagonal = above
    seen = set(before)
    return len(before) - lengths[-1] + sum(1 for b in after if b not in seen)


def replan_day(
    problem: Problem,
    *,
    rep_id: str,
    position: Location,
    now_s: int,
    visited: Iterable[str] = (),
    skipped: Mapping[str, str] | None = None,
    urgent: Sequence[Account] = (),
    previous_order: Sequence[str] = (),
    change_penalty: float = DEFAULT_CHANGE_PENALTY,
    network: Any = None,
    time_limit_s: float = 5.0,
    seed: int = 0,
) -> DayReplan:
    """Re-plan the rest of one rep's day with as few changes to its order as it can.

    Two orders compete: the previous order (``previous_order`` less the visits done or
    skipped), repaired -- urgent accounts inserted where they cost least, then the
    visits that no longer fit (a window out of reach after an overrun, the shift end)
    taken out, the least valuable optional one first -- and a fresh solve of the rest of
    the day. The one serving more required accounts wins; between equals, the higher
    value of the visits less travel cost less ``change_penalty`` per changed stop
    (:func:`changed_stops`). Skipped accounts are not planned again today and come back
    unassigned with reason ``SKIPPED`` and the rep's reason; a required account that can
    no longer be reached comes back with its reason (e.g. ``NO_FEASIBLE_WINDOW``).

    Parameters
    ----------
    problem
        The day's original problem.
    rep_id, position, now_s, visited
        As in :func:`replan_problem`.
    skipped
        Account id -> the rep's reason (``closed``, ``refused``, ``postponed``).
    urgent
        Accounts to add to the day (new ids), usually ``required``.
    previous_order
        The rep's planned order of the day (visited ones may be left in).
    change_penalty
        Charge per changed stop, in the plan's cost units; 0 re-solves freely.
    network
        The road network, for problems with lat/lon locations.
    time_limit_s, seed
        Of the fresh solve (:func:`~solver.routing.plan_day`).

    Returns
    -------
    DayReplan
        The rest-of-day problem, its plan and how much the order changed.

    Raises
    ------
    InvalidProblemError
        For an unknown or doubly reported account, an urgent id already in use, a
        position off the road network, or the cases of :func:`replan_problem`.
    """
    began = time.monotonic()
    skipped = dict(skipped or {})
    done = frozenset(visited)
    _check_ids(problem, done, skipped, urgent, previous_order)
    base = dataclasses.replace(problem, accounts=problem.accounts + tuple(urgent))
    rest = replan_problem(base, rep_id=rep_id, position=position, now_s=now_s, visited=done)
    todo = dataclasses.replace(
        rest, accounts=tuple(a for a in rest.accounts if a.id not in skipped)
    )
    resolved = resolve_problem(todo, network)
    if rep_id in resolved.off_network_reps and "start" in resolved.off_network_reps[rep_id]:
        raise InvalidProblemError(
            entity="Replan",
            reason=f"position ({position.lat}, {position.lon}) is too far from any road "
            "of the network.",
            field="position",
        )
    rep = todo.rep(rep_id)
    fresh = plan_day(todo, network=network, time_limit_s=time_limit_s, seed=seed)
    ids = {a.id for a in todo.accounts}
    before = tuple(dict.fromkeys(a for a in previous_order if a in ids and a not in done))
    inserts = [a.id for a in urgent if a.id in ids and a.id not in before]
    repaired = _repair(resolved, rep, list(before), inserts)
    kept, violations = time_routes(todo, {rep_id: repaired}, network=network)
    candidates = [(fresh, False)]
    if not violations:
        candidates.insert(0, (_explained(resolved, kept), True))

    def score(item: tuple[Plan, bool]) -> tuple[int, float]:
        route = item[0].routes[0]
        served = set(route.account_ids)
        required = sum(1 for a in todo.accounts if a.required and a.id in served)
        change = changed_stops(before, route.account_ids)
        return required, route.totals.value - route.totals.cost - change_penalty * change

    plan, kept_previous = max(candidates, key=score)  # the first of equals: the kept order
    order = {a.id: i for i, a in enumerate(rest.accounts)}
    unassigned = list(plan.unassigned) + [
        Unassigned(a, Reason.SKIPPED, f"Account '{a}': skipped today ({why}).")
        for a, why in skipped.items()
        if a in order
    ]
    unassigned.sort(key=lambda u: order[u.account_id])
    info = dataclasses.replace(
        fresh.solver,
        time_s=round(time.monotonic() - began, 3),
        objective=fresh.solver.objective if not kept_previous else None,
    )
    return DayReplan(
        problem=rest,
        plan=Plan(rest.date, plan.routes, tuple(unassigned), info),
        previous_order=before,
        changed_stops=changed_stops(before, plan.routes[0].account_ids),
        kept_previous=kept_previous,
    )


def _check_ids(
    problem: Problem,
    done: frozenset[str],
    skipped: Mapping[str, str],
    urgent: Sequence[Account],
    previous_order: Sequence[str],
) -> None:
    known = {a.id for a in problem.accounts}
    for account_id in skipped:
        if account_id not in known:
            raise InvalidProblemError(
                entity="Replan",
                reason=f"skipped account '{account_id}' is unknown.",
                field="skipped",
            )
        if account_id in done:
            raise InvalidProblemError(
                entity="Replan",
                reason=f"account '{account_id}' is both visited and skipped.",
                field="skipped",
            )
    for account in urgent:
        if account.id in known:
            raise InvalidProblemError(
                entity="Replan",
                reason=f"urgent account '{account.id}' is already an account of the day.",
                field="urgent",
            )
    urgent_ids = {a.id for a in urgent}
    for account_id in previous_order:
        if account_id not in known and account_id not in urgent_ids:
            raise InvalidProblemError(
                entity="Replan",
                reason=f"account '{account_id}' of the previous order is unknown.",
                field="previous_order",
            )


def _repair(resolved: ResolvedProblem, rep: Rep, order: list[str], inserts: list[str]) -> list[str]:
    """Insert ``inserts`` where they cost least, then take out what no longer fits."""
    problem = resolved.problem
    for account_id in inserts:
        options = [order[:k] + [account_id] + order[k:] for k in range(len(order) + 1)]
        order = min(options, key=lambda o: _badness(resolved, rep, o))
    while order and _badness(resolved, rep, order)[0]:
        options = []
        for k, account_id in enumerate(order):
            shorter = order[:k] + order[k + 1 :]
            account = problem.account(account_id)
            misses = _badness(resolved, rep, shorter)[0]
            options.append(((misses, account.required, account_value(account)), shorter))
        order = min(options, key=lambda option: option[0])[1]
    return order


def _badness(resolved: ResolvedProblem, rep: Rep, order: list[str]) -> tuple[int, float]:
    """Broken rules of the order timed as it is (windows, break, shift, limits), and cost."""
    accounts = [resolved.problem.account(a) for a in order]
    route = time_route(resolved, rep, order)
    misses = timing_misses(route, rep, accounts) if accounts else 0
    if rep.max_visits is not None and len(order) > rep.max_visits:
        misses += 1
    if rep.capacity is not None and sum(a.demand for a in accounts) > rep.capacity:
        misses += 1
    if rep.max_drive_s is not None and route.totals.drive_s > rep.max_drive_s:
        misses += 1
    return misses, route.totals.cost


def _explained(resolved: ResolvedProblem, timed: Plan) -> Plan:
    """Return the timed plan of the repaired order, every account left out explained."""
    _, unassigned, servers = screen_accounts(resolved)
    route = timed.routes[0]
    routed = set(route.account_ids)
    screened = {u.account_id for u in unassigned}
    dropped = [a for a in resolved.problem.accounts if a.id not in routed and a.id not in screened]
    unassigned += explain_dropped(resolved, dropped, {route.rep_id: route}, servers)
    return Plan(timed.date, timed.routes, tuple(unassigned), timed.solver)
