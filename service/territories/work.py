"""What a worker runs for territories: a typed request in, a typed response out."""

from __future__ import annotations

from service.common.runtime import ProgressFn, RuntimeConfig, network_for
from service.territories.convert import from_territory_plan, to_territory_inputs
from service.territories.schemas import TerritoryRequest, TerritoryResponse
from solver.territory import balance_territories


def validate_territories(request: TerritoryRequest, default_network: str) -> None:
    """Raise InvalidProblemError (422) now for inputs the solver would refuse."""
    to_territory_inputs(request)


def balance_request(
    request: TerritoryRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> TerritoryResponse:
    """Balance territories for a ``POST /v1/territories`` request."""
    reps, accounts, matrix, options = to_territory_inputs(request)
    name = None if matrix is not None else (request.network or config.default_network)
    plan = balance_territories(
        reps, accounts, network=network_for(name, config), matrix=matrix, options=options
    )
    return from_territory_plan(plan, name, currency=request.options.currency or config.currency)
