"""Re-plan from mid-day: the rest of one rep's day as a new problem."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from solver.errors import InvalidProblemError
from solver.model import Break, Location, Problem, Shift, format_time_s


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
        A one-rep problem; solve it with :func:`solver.routing.plan_day`.

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
