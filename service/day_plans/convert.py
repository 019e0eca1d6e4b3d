"""Day-plan requests to the domain :class:`~solver.model.Problem`, plans back to responses.

:func:`to_problem` and :func:`from_plan` are the one place where the request and
response models meet the domain dataclasses; :func:`to_plan` is the inverse of
:func:`from_plan` (stop locations included), so that a stored response can be checked,
exported or drawn without planning again.
"""

from __future__ import annotations

from typing import Any

from service.common.addresses import NOT_GEOCODED, Placement, address_label
from service.common.convert import (
    resolve_network,
    solver_out,
    to_location,
    to_matrix,
    to_solver_info,
)
from service.common.errors import build_all, gather, owner_by_field
from service.common.schemas import DEFAULT_CURRENCY, clock_s
from service.day_plans.schemas import (
    AccountIn,
    CheckResponse,
    DayPlanRequest,
    DayPlanResponse,
    RepIn,
    RouteOut,
    StopOut,
    UnassignedOut,
    ViolationOut,
)
from solver.errors import InvalidProblemError
from solver.exports import kpi_csv, plan_geojson, plan_kpi_rows, plan_stops_csv
from solver.model import (
    Account,
    Break,
    Location,
    Plan,
    Problem,
    Reason,
    Rep,
    Route,
    Shift,
    Stop,
    StopType,
    TimeWindow,
    Unassigned,
    format_time_s,
)
from solver.routing.check import Violation

#: Domain entity kind -> the request list that holds it.
_COLLECTIONS = {"Rep": "reps", "Account": "accounts"}


def to_rep(rep: RepIn) -> Rep:
    """Return the domain rep of a request rep (its own fields only)."""
    lunch = None
    if rep.break_ is not None:
        lunch = Break(
            clock_s(rep.break_.earliest),
            clock_s(rep.break_.latest),
            rep.break_.duration_s,
        )
    return Rep(
        id=rep.id,
        start=to_location(rep.start),
        shift=Shift(clock_s(rep.shift.start), clock_s(rep.shift.end)),
        end=to_location(rep.end) if rep.end is not None else None,
        open_end=rep.open_end,
        lunch=lunch,
        max_drive_s=rep.max_drive_s,
        max_visits=rep.max_visits,
        cost_per_km=rep.cost_per_km,
        cost_per_hour=rep.cost_per_hour,
        capacity=rep.capacity,
        skills=frozenset(rep.skills),
    )


def to_account(account: AccountIn) -> Account:
    """Return the domain account of a request account (its own fields only)."""
    return Account(
        id=account.id,
        location=to_location(account.location),
        visit_duration_s=account.visit_duration_s,
        windows=tuple(TimeWindow(clock_s(w.start), clock_s(w.end)) for w in account.windows),
        visit_within_window=account.visit_within_window,
        priority=account.priority,
        value=account.value,
        required=account.required,
        skills=frozenset(account.skills),
        rep_ids=frozenset(account.rep_ids),
        demand=account.demand,
        soft_end_s=clock_s(account.soft_end) if account.soft_end else None,
        lateness_cost_per_min=account.lateness_cost_per_min,
        name=account.name,
        address=address_label(account.address),
    )


def to_problem(request: DayPlanRequest, *, default_network: str) -> Problem:
    """Convert a day-plan request into a validated domain :class:`~solver.model.Problem`.

    Parameters
    ----------
    request
        The parsed request.
    default_network
        Network used when the request names none and gives no matrix.

    Returns
    -------
    Problem
        Times in seconds since midnight of ``request.date``.

    Raises
    ------
    InvalidProblemError
        Naming the entity by request path and id, e.g.
        ``"accounts[3] 'A17': priority must be 1..100, got 0."``.
    """
    reps, accounts = gather(
        lambda: build_all("reps", request.reps, to_rep),
        lambda: build_all("accounts", request.accounts, to_account),
    )
    try:
        return Problem(
            date=request.date,
            reps=reps,
            accounts=accounts,
            network=resolve_network(request, default_network),
            matrix=to_matrix(request.matrix),
            already_visited=frozenset(request.already_visited),
            balance=request.options.balance,
            traffic=request.options.traffic,
        )
    except InvalidProblemError as exc:
        raise owner_by_field(exc, _COLLECTIONS) from None


def _loc_dict(location: Location | None) -> dict[str, float | int] | None:
    if location is None:
        return None
    if location.index is not None:
        return {"index": int(location.index)}
    return {"lat": float(location.lat), "lon": float(location.lon)}


def _stop_location(problem: Problem, rep: Rep, stop: Stop, previous: Location | None) -> Any:
    if stop.location is not None:
        return stop.location
    if stop.type == StopType.START:
        return rep.start
    if stop.type == StopType.END:
        return rep.end_location or previous
    if stop.type == StopType.VISIT and stop.account_id is not None:
        try:
            return problem.account(stop.account_id).location
        except KeyError:
            return None
    return previous  # a break is taken where the rep is


def _arrived(brk: Stop, after: Stop) -> bool:
    """Whether a break is taken at the end of the leg it sits on (driven before the break)."""
    if after.drive_start_s is None:
        return False
    return brk.start_s >= after.drive_start_s + after.travel_s


def route_out(route: Route, problem: Problem, geometry: bool) -> RouteOut:
    """Return the response route of a domain route (stop locations from the problem)."""
    try:
        rep: Rep | None = problem.rep(route.rep_id)
    except KeyError:
        rep = None
    stops = []
    previous: Location | None = None
    for k, stop in enumerate(route.stops):
        location = _stop_location(problem, rep, stop, previous) if rep else stop.location
        after = route.stops[k + 1] if k + 1 < len(route.stops) else None
        if stop.type == StopType.BREAK and rep and after is not None and _arrived(stop, after):
            location = _stop_location(problem, rep, after, previous)  # on site, after the drive
        previous = location or previous
        stops.append(
            StopOut(
                type=str(stop.type),
                account_id=stop.account_id,
                drive_start=None
                if stop.drive_start_s is None
                else format_time_s(stop.drive_start_s),
                arrival=format_time_s(stop.arrival_s),
                start=format_time_s(stop.start_s),
                departure=format_time_s(stop.departure_s),
                wait_s=int(stop.wait_s),
                travel_s=int(stop.travel_s),
                distance_m=int(stop.distance_m),
                location=_loc_dict(location),
            )
        )
    return RouteOut(
        rep_id=route.rep_id,
        stops=stops,
        totals=route.totals,
        day_start=format_time_s(route.totals.day_start_s),
        day_end=format_time_s(route.totals.day_end_s),
        geometry=route.geometry if geometry else None,
    )


def from_plan(
    plan: Plan, problem: Problem, *, geometry: bool = True, currency: str = DEFAULT_CURRENCY
) -> DayPlanResponse:
    """Convert a domain :class:`~solver.model.Plan` into the HTTP response model.

    Parameters
    ----------
    plan
        The solver's result.
    problem
        The problem it solves (fills in stop locations the plan leaves out).
    geometry
        Keep the routes' road geometry (``options.geometry`` of the request).
    currency
        ISO 4217 code of the costs (the request's, else the service's default).

    Returns
    -------
    DayPlanResponse
        Times as clock strings on the plan date.
    """
    return DayPlanResponse(
        date=plan.date,
        network=problem.network,
        routes=[route_out(route, problem, geometry) for route in plan.routes],
        unassigned=[
            UnassignedOut(account_id=u.account_id, reason=str(u.reason), detail=u.detail)
            for u in plan.unassigned
        ],
        summary=plan.summary(),
        currency=currency,
        solver=solver_out(plan.solver),
    )


def with_placement(response: DayPlanResponse, placement: Placement) -> DayPlanResponse:
    """Add the geocoding answers and the accounts not placed (``NOT_GEOCODED``) to a plan."""
    if not placement.answers:
        return response
    unassigned = list(response.unassigned) + [
        UnassignedOut(account_id=account_id, reason=NOT_GEOCODED, detail=detail)
        for account_id, detail in placement.not_placed
    ]
    summary = {**response.summary}
    if "unassigned" in summary:
        summary["unassigned"] = len(unassigned)
    return response.model_copy(
        update={
            "unassigned": unassigned,
            "summary": summary,
            "geocoding": list(placement.answers),
        }
    )


def check_response(
    plan: Plan, problem: Problem, violations: list[Violation], *, currency: str = DEFAULT_CURRENCY
) -> CheckResponse:
    """Return a timed hand-made plan with every constraint it breaks (empty = feasible)."""
    base = from_plan(plan, problem, currency=currency)
    return CheckResponse(
        **dict(base),
        feasible=not violations,
        violations=[
            ViolationOut(
                rep_id=v.rep_id, account_id=v.account_id, code=str(v.code), detail=v.detail
            )
            for v in violations
        ],
    )


def _location_of(loc: dict[str, float | int] | None) -> Location | None:
    if not loc:
        return None
    if "index" in loc:
        return Location(index=int(loc["index"]))
    return Location(lat=float(loc["lat"]), lon=float(loc["lon"]))


def to_plan(response: DayPlanResponse, *, locations: bool = True) -> Plan:
    """Return the domain :class:`~solver.model.Plan` of a day-plan response.

    The inverse of :func:`from_plan`, so that a stored result can be checked
    (``solver.routing.check_plan``), exported or drawn. With ``locations`` the stops
    keep the places the response gives them (a break where the rep is); without, the
    exports place them from the problem (a break then has no place of its own, as the
    calendar and GPX files have always written it).
    """
    routes = []
    for route in response.routes:
        stops = tuple(
            Stop(
                type=StopType(s.type),
                arrival_s=clock_s(s.arrival),
                start_s=clock_s(s.start),
                departure_s=clock_s(s.departure),
                wait_s=s.wait_s,
                travel_s=s.travel_s,
                distance_m=s.distance_m,
                account_id=s.account_id,
                location=_location_of(s.location) if locations else None,
                drive_start_s=None if s.drive_start is None else clock_s(s.drive_start),
            )
            for s in route.stops
        )
        routes.append(Route(route.rep_id, stops, route.totals, route.geometry))
    return Plan(
        date=response.date,
        routes=tuple(routes),
        unassigned=tuple(
            Unassigned(u.account_id, Reason(u.reason), u.detail) for u in response.unassigned
        ),
        solver=to_solver_info(response.solver),
    )


def plan_from_response(response: DayPlanResponse | dict[str, Any]) -> Plan:
    """Return the domain plan of a day-plan response, given as a model or its JSON body."""
    return to_plan(DayPlanResponse.model_validate(response))


def day_plan_geojson(response: DayPlanResponse | dict[str, Any]) -> dict[str, Any]:
    """Return a day-plan response as a GeoJSON FeatureCollection (see solver.exports)."""
    return plan_geojson(plan_from_response(response))


def day_plan_csv(request: DayPlanRequest, response: DayPlanResponse, table: str = "csv") -> str:
    """Return a day plan as CSV keyed by the account ids (see ``solver.exports``).

    ``table`` ``csv``: one row per stop (and per unassigned account); ``kpi-csv``: one
    row per rep (visits, drive hours, km, travel cost, cost per visit).
    """
    plan = to_plan(response)
    if table == "kpi-csv":
        return kpi_csv(plan_kpi_rows(plan))
    return plan_stops_csv(plan, names={a.id: a.name for a in request.accounts})
