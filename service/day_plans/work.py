"""What a worker runs for a day plan: typed requests in, typed responses out."""

from __future__ import annotations

from service.common.addresses import by_location_only, locate_accounts
from service.common.convert import resolve_network
from service.common.errors import raise_all
from service.common.runtime import ProgressFn, RuntimeConfig, network_for
from service.day_plans.convert import (
    check_response,
    from_plan,
    to_problem,
    with_placement,
)
from service.day_plans.schemas import (
    CheckRequest,
    CheckResponse,
    DayPlanBatchRequest,
    DayPlanRequest,
    DayPlanResponse,
)
from solver.errors import InvalidProblemError
from solver.routing import plan_day, time_routes


def validate_day_plan(request: DayPlanRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) now for a request the solver would refuse.

    Accounts given by address only are checked once they are placed, in the worker.
    """
    to_problem(by_location_only(request), default_network=default_network)


def plan_day_request(
    request: DayPlanRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> DayPlanResponse:
    """Plan the day of a ``POST /v1/day-plans`` request.

    Parameters
    ----------
    request
        The parsed request.
    config
        Where networks live and the default network.
    on_progress
        Optional progress callback passed to the solver.

    Returns
    -------
    DayPlanResponse
        The planned day; accounts given by address are geocoded first, and those that
        cannot be placed are unassigned with reason ``NOT_GEOCODED``.
    """
    network = resolve_network(request, config.default_network)
    request, placement = locate_accounts(
        request, config, network=network, min_quality=request.min_quality
    )
    problem = to_problem(request, default_network=config.default_network)
    plan = plan_day(
        problem,
        network=network_for(problem.network, config),
        time_limit_s=request.options.time_limit_s,
        seed=request.options.seed,
        on_progress=on_progress,
        deterministic=request.options.deterministic,
    )
    return with_placement(
        from_plan(
            plan,
            problem,
            geometry=request.options.geometry,
            currency=request.options.currency or config.currency,
        ),
        placement,
    )


def check_orders(request: CheckRequest, default_network: str) -> None:
    """Raise InvalidProblemError for every order naming a rep or account the request lacks."""
    to_problem(by_location_only(request), default_network=default_network)
    rep_ids = {rep.id for rep in request.reps}
    account_ids = {account.id for account in request.accounts}
    errors: list[InvalidProblemError] = []
    for rep_id, order in request.orders.items():
        if rep_id not in rep_ids:
            errors.append(
                InvalidProblemError(
                    f"orders: rep '{rep_id}' is not among the reps.", field=f"orders.{rep_id}"
                )
            )
        for i, account_id in enumerate(order):
            if account_id not in account_ids:
                errors.append(
                    InvalidProblemError(
                        f"orders '{rep_id}': account '{account_id}' is not among the accounts.",
                        field=f"orders.{rep_id}[{i}]",
                    )
                )
    raise_all(errors)


def check_day_plan_request(request: CheckRequest, config: RuntimeConfig) -> CheckResponse:
    """Time each rep's given order and list every violated constraint."""
    check_orders(request, config.default_network)
    network = resolve_network(request, config.default_network)
    request, placement = locate_accounts(
        request, config, network=network, min_quality=request.min_quality
    )
    left_out = {account_id for account_id, _ in placement.not_placed}
    orders = {rep: [a for a in order if a not in left_out] for rep, order in request.orders.items()}
    problem = to_problem(request, default_network=config.default_network)
    plan, violations = time_routes(problem, orders, network=network_for(problem.network, config))
    return with_placement(
        check_response(
            plan, problem, violations, currency=request.options.currency or config.currency
        ),
        placement,
    )


def validate_batch(batch: DayPlanBatchRequest, default_network: str) -> None:
    """Check every request of a batch has exactly one rep, all different, and is valid.

    Every bad request of the batch is reported (``errors`` of the 422), not the first.
    """
    seen: dict[str, int] = {}
    errors: list[InvalidProblemError] = []
    for i, single in enumerate(batch.requests):
        if len(single.reps) != 1:
            errors.append(
                InvalidProblemError(
                    f"requests[{i}]: a batch request plans one rep, "
                    f"this one has {len(single.reps)}.",
                    field=f"requests[{i}].reps",
                )
            )
            continue
        rep_id = single.reps[0].id
        if rep_id in seen:
            errors.append(
                InvalidProblemError(
                    f"Rep '{rep_id}': planned twice (requests[{seen[rep_id]}] and requests[{i}]).",
                    field=f"requests[{i}].reps[0].id",
                )
            )
            continue
        seen[rep_id] = i
        try:
            to_problem(by_location_only(single), default_network=default_network)
        except InvalidProblemError as exc:
            errors.append(exc.with_field_prefix(f"requests[{i}]"))
    raise_all(errors)


def batch_parts(batch: DayPlanBatchRequest) -> list[str]:
    """Return the part keys of a batch: its reps' ids, in request order."""
    return [single.reps[0].id for single in batch.requests]


def plan_batch_part(
    batch: DayPlanBatchRequest, position: int, config: RuntimeConfig
) -> DayPlanResponse:
    """Plan the day of the batch's request at ``position`` (one rep)."""
    return plan_day_request(batch.requests[position], config)
