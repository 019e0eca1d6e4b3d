"""What a worker runs for territories: a typed request in, a typed response out."""

from __future__ import annotations

from service.common.addresses import NOT_GEOCODED, by_location_only, locate_accounts
from service.common.convert import resolve_network
from service.common.runtime import ProgressFn, RuntimeConfig, network_for
from service.territories.convert import from_territory_plan, to_territory_inputs
from service.territories.schemas import TerritoryRequest, TerritoryResponse
from solver.territory import balance_territories


def validate_territories(request: TerritoryRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) now for inputs the solver would refuse.

    Accounts given by address only are checked once they are placed, in the worker.
    """
    to_territory_inputs(by_location_only(request))


def balance_request(
    request: TerritoryRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> TerritoryResponse:
    """Balance territories for a ``POST /v1/territories`` request.

    Accounts given by address are geocoded first; those that cannot be placed come back
    unassigned with reason ``NOT_GEOCODED``. ``on_progress`` is the solve's callback (a
    true answer, the job cancelled, stops its rounds).
    """
    name = resolve_network(request, config.default_network)
    request, placement = locate_accounts(
        request, config, network=name, min_quality=request.min_quality
    )
    reps, accounts, matrix, options = to_territory_inputs(request)
    plan = balance_territories(
        reps,
        accounts,
        network=network_for(name, config),
        matrix=matrix,
        options=options,
        on_progress=on_progress,
    )
    response = from_territory_plan(plan, name, currency=request.options.currency or config.currency)
    if not placement.answers:
        return response
    unassigned = response.unassigned + [
        {"account_id": account_id, "reason": NOT_GEOCODED, "detail": detail}
        for account_id, detail in placement.not_placed
    ]
    return response.model_copy(
        update={"unassigned": unassigned, "geocoding": list(placement.answers)}
    )
