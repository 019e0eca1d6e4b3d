"""What a worker runs for a visit schedule: typed requests in, typed responses out."""

from __future__ import annotations

from service.common.addresses import Placement, locate_accounts
from service.common.convert import resolve_network
from service.common.runtime import ProgressFn, RuntimeConfig, network_for
from service.schedules.convert import (
    by_location_only,
    from_schedule,
    to_schedule,
    to_schedule_problem,
    with_placement,
    without_accounts,
)
from service.schedules.schemas import (
    ScheduleReplanRequest,
    ScheduleRequest,
    ScheduleResponse,
)
from solver.errors import InvalidProblemError
from solver.schedule import plan_schedule, replan_schedule


def validate_schedule(request: ScheduleRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) now for a request the solver would refuse.

    Accounts given by address only (and their appointments) are checked once they are
    placed, in the worker.
    """
    to_schedule_problem(by_location_only(request), default_network=default_network)


def locate_schedule(
    request: ScheduleRequest, config: RuntimeConfig
) -> tuple[ScheduleRequest, Placement]:
    """Geocode the accounts given by address; leave out those not placed and their appointments.

    Returns
    -------
    tuple
        The request as planned, and the :class:`~service.common.addresses.Placement`
        (answers for the response's ``geocoding``, accounts left out as ``NOT_GEOCODED``).
    """
    network = resolve_network(request, config.default_network)
    located, placement = locate_accounts(
        request, config, network=network, min_quality=request.min_quality
    )
    return without_accounts(located, {a for a, _ in placement.not_placed}), placement


def plan_schedule_request(
    request: ScheduleRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> ScheduleResponse:
    """Plan the horizon of a ``POST /v1/visit-schedules`` request.

    Parameters
    ----------
    request
        The parsed request.
    config
        Where networks live and the default network.
    on_progress
        Optional progress callback ``(fraction_done, estimated_cost)`` of the solver.

    Returns
    -------
    ScheduleResponse
        Every date's routes (day-plan shape), the visits, the missing visits with
        reasons and the KPIs. Accounts given by address are geocoded first; those that
        cannot be placed come back unassigned with reason ``NOT_GEOCODED``.
    """
    given = request
    request, placement = locate_schedule(request, config)
    problem = to_schedule_problem(request, default_network=config.default_network)
    network = network_for(problem.network, config)
    schedule = plan_schedule(
        problem,
        network=network,
        time_limit_s=request.options.time_limit_s,
        seed=request.options.seed,
        on_progress=on_progress,
        deterministic=request.options.deterministic,
    )
    response = from_schedule(schedule, problem, geometry=request.options.geometry)
    return with_placement(response, placement, given)


def disrupted_request(replan: ScheduleReplanRequest) -> ScheduleRequest:
    """Return the previous request with the disruption and the re-plan options applied.

    Sick dates join the rep's ``days_off``; a moved appointment takes its new date,
    start and rep; added accounts join, dropped accounts leave (with their appointments).

    Raises
    ------
    InvalidProblemError
        When the disruption names a rep, an appointment or an account the previous
        request lacks (field ``disruption...``).
    """
    if replan.request is None:
        raise InvalidProblemError(
            "the previous request is missing (give request and previous, or job_id).",
            field="request",
        )
    request = replan.request.model_copy(deep=True)
    disruption = replan.disruption
    reps = {rep.id: rep for rep in request.reps}
    for i, sick in enumerate(disruption.sick):
        rep = reps.get(sick.rep_id)
        if rep is None:
            raise InvalidProblemError(
                f"rep '{sick.rep_id}' is not among the reps.",
                entity=f"disruption.sick[{i}]",
                field=f"disruption.sick[{i}].rep_id",
            )
        rep.days_off = sorted(set(rep.days_off) | set(sick.dates))
    for i, moved in enumerate(disruption.moved_appointments):
        found = [
            ap
            for ap in request.appointments
            if ap.account_id == moved.account_id and ap.date == moved.date
        ]
        if not found:
            raise InvalidProblemError(
                f"account '{moved.account_id}' has no appointment on {moved.date}.",
                entity=f"disruption.moved_appointments[{i}]",
                field=f"disruption.moved_appointments[{i}].date",
            )
        found[0].date = moved.new_date
        found[0].start = moved.new_start
        if moved.new_rep_id is not None:
            found[0].rep_id = moved.new_rep_id
    known = {account.id for account in request.accounts}
    for i, account_id in enumerate(disruption.dropped_accounts):
        if account_id not in known:
            raise InvalidProblemError(
                f"account '{account_id}' is not among the accounts.",
                entity=f"disruption.dropped_accounts[{i}]",
                field=f"disruption.dropped_accounts[{i}]",
            )
    dropped = set(disruption.dropped_accounts)
    request.accounts = [a for a in request.accounts if a.id not in dropped]
    request.appointments = [ap for ap in request.appointments if ap.account_id not in dropped]
    request.accounts += [a.model_copy(deep=True) for a in disruption.added_accounts]
    options = replan.options
    if options.time_limit_s is not None:
        request.options.time_limit_s = options.time_limit_s
    if options.seed is not None:
        request.options.seed = options.seed
    if options.deterministic is not None:
        request.options.deterministic = options.deterministic
    if options.move_penalty is not None:
        request.options.move_penalty = options.move_penalty
    # Validate again: the pieces may now conflict (an appointment on a sick day...).
    return ScheduleRequest.model_validate(request.model_dump(mode="json", by_alias=True))


def validate_replan(replan: ScheduleReplanRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) now for a re-plan the solver would refuse."""
    request = disrupted_request(replan)
    try:
        problem = to_schedule_problem(by_location_only(request), default_network=default_network)
    except InvalidProblemError as exc:
        raise exc.with_field_prefix("request") from None
    horizon = set(problem.days)
    for i, day in enumerate(replan.previous.days if replan.previous is not None else ()):
        if day.date not in horizon:
            raise InvalidProblemError(
                f"date {day.date} of the previous schedule is not in the request's horizon.",
                entity="previous",
                field=f"previous.days[{i}].date",
            )


def replan_schedule_request(
    replan: ScheduleReplanRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> ScheduleResponse:
    """Re-plan the rest of a schedule after a disruption (``POST /v1/visit-schedules/replan``).

    Dates before ``today`` stay as in ``previous``; from ``today`` on each moved visit
    costs ``options.move_penalty`` and dates whose visits did not change keep their routes.
    """
    given = disrupted_request(replan)
    request, placement = locate_schedule(given, config)
    problem = to_schedule_problem(request, default_network=config.default_network)
    if replan.previous is None:
        raise InvalidProblemError("the previous schedule is missing.", field="previous")
    schedule = replan_schedule(
        problem,
        to_schedule(replan.previous),
        today=replan.today,
        network=network_for(problem.network, config),
        time_limit_s=request.options.time_limit_s,
        seed=request.options.seed,
        on_progress=on_progress,
        deterministic=request.options.deterministic,
    )
    response = from_schedule(schedule, problem, geometry=request.options.geometry)
    return with_placement(response, placement, given)
