"""Why an account is unassigned: independent checks before and after solving.

Before solving, :func:`screen_accounts` takes out the accounts no rep could serve
even alone, in this order of reasons: ``ALREADY_VISITED``, ``OFF_NETWORK``,
``NO_ELIGIBLE_REP``, ``UNREACHABLE``, ``CAPACITY``, ``MAX_VISITS``,
``MAX_DRIVE_TIME``, ``NO_FEASIBLE_WINDOW`` (a route start -> account -> end, with the
break, does not fit the windows and the shift of any eligible rep).

After solving, :func:`explain_dropped` explains each remaining unvisited account: an
optional account whose value is below the cheapest detour that would insert it into
a planned route is ``NOT_WORTH_THE_DETOUR``; otherwise the binding limit is reported
(``CAPACITY`` or ``MAX_VISITS`` when every eligible rep is full, else
``SHIFT_TOO_SHORT``: it fits alone but not with the other planned work).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from solver.costs import travel_cost
from solver.model import Account, Location, Reason, Rep, Route, Unassigned, format_time_s
from solver.routing.data import ResolvedProblem
from solver.routing.engine import eligible
from solver.routing.schedule import account_value, time_route, timing_misses


def screen_accounts(
    resolved: ResolvedProblem,
) -> tuple[list[Account], list[Unassigned], dict[str, list[Rep]]]:
    """Split accounts into candidates and those no rep can serve even alone.

    Parameters
    ----------
    resolved
        The problem with its travel matrix.

    Returns
    -------
    candidates
        Accounts some rep can serve alone.
    unassigned
        The others, each with its reason and a sentence.
    servers
        For each candidate id, the reps that can serve it alone.
    """
    problem = resolved.problem
    candidates: list[Account] = []
    unassigned: list[Unassigned] = []
    servers: dict[str, list[Rep]] = {}
    cache: dict[tuple, bool] = {}
    for account in problem.accounts:
        reason, detail, reps = _screen(resolved, account, cache)
        if reason is None:
            candidates.append(account)
            servers[account.id] = reps
        else:
            unassigned.append(Unassigned(account.id, reason, f"Account '{account.id}': {detail}"))
    return candidates, unassigned, servers


def _screen(
    resolved: ResolvedProblem, account: Account, cache: dict[tuple, bool]
) -> tuple[Reason | None, str, list[Rep]]:
    problem = resolved.problem
    if account.id in problem.already_visited:
        return Reason.ALREADY_VISITED, "already visited earlier today.", []
    if account.id in resolved.off_network:
        return Reason.OFF_NETWORK, "location is too far from any road of the network.", []
    reps = [rep for rep in problem.reps if eligible(rep, account)]
    if not reps:
        return Reason.NO_ELIGIBLE_REP, "no rep has the required skills or is allowed.", []
    off_reps = resolved.off_network_reps
    if all(rep.id in off_reps for rep in reps):
        named = ", ".join(f"rep '{rep.id}' ({off_reps[rep.id]})" for rep in reps[:3])
        more = f" and {len(reps) - 3} more" if len(reps) > 3 else ""
        return (
            Reason.REP_OFF_NETWORK,
            f"every eligible rep starts or ends off the road network: {named}{more}.",
            [],
        )
    reps = [rep for rep in reps if _reachable(resolved, rep, account)]
    if not reps:
        return Reason.UNREACHABLE, "no road path between an eligible rep and the account.", []
    reps = [rep for rep in reps if rep.capacity is None or account.demand <= rep.capacity]
    if not reps:
        return Reason.CAPACITY, f"demand {account.demand} exceeds every eligible capacity.", []
    reps = [rep for rep in reps if rep.max_visits is None or rep.max_visits >= 1]
    if not reps:
        return Reason.MAX_VISITS, "every eligible rep has a maximum of 0 visits.", []
    reps = [rep for rep in reps if _drive_alone_s(resolved, rep, account) <= _max_drive(rep)]
    if not reps:
        return (
            Reason.MAX_DRIVE_TIME,
            "the drive there and back exceeds every eligible rep's maximum drive time.",
            [],
        )
    servers = [rep for rep in reps if _fits_alone(resolved, rep, account, cache)]
    if not servers:
        return Reason.NO_FEASIBLE_WINDOW, _window_sentence(account, reps), []
    return None, "", servers


def _fits_alone(
    resolved: ResolvedProblem, rep: Rep, account: Account, cache: dict[tuple, bool]
) -> bool:
    """Return True when start -> account -> end (with the break) fits ``rep``'s day.

    Reps with the same start, end, shift, break and limits give the same answer, so
    it is computed once per such profile (large teams of identical reps).
    """
    profile = (
        rep.start,
        rep.end_location,
        rep.shift,
        rep.lunch,
        rep.max_drive_s,
        rep.capacity,
        rep.max_visits,
        account.id,
    )
    if profile not in cache:
        # Reachability, capacity, maximum visits and drive time are screened before;
        # what is left is the timing: the window, the break and the shift end.
        route = time_route(resolved, rep, [account.id])
        cache[profile] = timing_misses(route, rep, [account]) == 0
    return cache[profile]


def _reachable(resolved: ResolvedProblem, rep: Rep, account: Account) -> bool:
    end = rep.end_location
    there = resolved.reachable(rep.start, account.location)
    back = end is None or resolved.reachable(account.location, end)
    return there and back


def _drive_alone_s(resolved: ResolvedProblem, rep: Rep, account: Account) -> int:
    end = rep.end_location
    back = 0 if end is None else resolved.duration_s(account.location, end)
    return resolved.duration_s(rep.start, account.location) + back


def _max_drive(rep: Rep) -> float:
    return float("inf") if rep.max_drive_s is None else rep.max_drive_s


def _window_sentence(account: Account, reps: Sequence[Rep]) -> str:
    windows = ", ".join(
        f"{format_time_s(w.start_s)}-{format_time_s(w.end_s)}" for w in account.windows
    )
    shifts = ", ".join(
        f"'{r.id}' {format_time_s(r.shift.start_s)}-{format_time_s(r.shift.end_s)}" for r in reps
    )
    where = f"its windows {windows}" if windows else "its visit"
    return f"{where} cannot be reached within the shift of any eligible rep ({shifts})."


def explain_dropped(
    resolved: ResolvedProblem,
    dropped: Sequence[Account],
    routes: Mapping[str, Route],
    servers: Mapping[str, list[Rep]],
) -> list[Unassigned]:
    """Give a reason to every candidate the solver left out.

    Parameters
    ----------
    resolved
        The problem with its travel matrix.
    dropped
        Candidate accounts that are in no route.
    routes
        The planned route of each rep id.
    servers
        Reps that could serve each account alone (from :func:`screen_accounts`).

    Returns
    -------
    list of Unassigned
        One entry per dropped account.
    """
    problem = resolved.problem
    out: list[Unassigned] = []
    for account in dropped:
        reps = servers[account.id]
        detour = min(_cheapest_detour(resolved, rep, routes[rep.id], account) for rep in reps)
        value = account_value(account)
        prefix = f"Account '{account.id}':"
        if not account.required and value <= detour:
            out.append(
                Unassigned(
                    account.id,
                    Reason.NOT_WORTH_THE_DETOUR,
                    f"{prefix} its value {value:g} does not cover the cheapest detour "
                    f"({detour:.2f}).",
                )
            )
            continue
        loads = {
            r.id: sum(problem.account(a).demand for a in routes[r.id].account_ids) for r in reps
        }
        if all(r.capacity is not None and loads[r.id] + account.demand > r.capacity for r in reps):
            out.append(
                Unassigned(
                    account.id,
                    Reason.CAPACITY,
                    f"{prefix} demand {account.demand} no longer fits any eligible rep's load.",
                )
            )
        elif all(
            r.max_visits is not None and routes[r.id].totals.visits >= r.max_visits for r in reps
        ):
            out.append(
                Unassigned(
                    account.id,
                    Reason.MAX_VISITS,
                    f"{prefix} every eligible rep already makes the maximum number of visits.",
                )
            )
        else:
            out.append(
                Unassigned(
                    account.id,
                    Reason.SHIFT_TOO_SHORT,
                    f"{prefix} the visit fits alone but not with the rest of the day's work.",
                )
            )
    return out


def _cheapest_detour(resolved: ResolvedProblem, rep: Rep, route: Route, account: Account) -> float:
    """Least extra travel cost (currency) of inserting ``account`` anywhere in ``route``."""
    problem = resolved.problem
    places = [rep.start, *(problem.account(a).location for a in route.account_ids)]
    end = rep.end_location
    best = float("inf")
    for k, here in enumerate(places):
        there = places[k + 1] if k + 1 < len(places) else end
        added = _leg_cost(resolved, rep, here, account.location)
        if there is not None:
            added += _leg_cost(resolved, rep, account.location, there)
            added -= _leg_cost(resolved, rep, here, there)
        best = min(best, added)
    return best


def _leg_cost(resolved: ResolvedProblem, rep: Rep, here: Location, there: Location) -> float:
    duration = max(resolved.duration_s(here, there), 0)
    distance = max(resolved.distance_m(here, there), 0)
    return travel_cost(distance / 1000.0, duration / 3600.0, rep.cost_per_km, rep.cost_per_hour)
