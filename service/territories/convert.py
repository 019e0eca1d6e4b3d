"""Territory requests to ``solver.territory`` inputs, territory plans back to responses."""

from __future__ import annotations

import dataclasses
from typing import Any

from service.common.convert import solver_out, to_location, to_matrix, to_solver_info
from service.common.errors import build_all, build_entity, gather
from service.common.schemas import DEFAULT_CURRENCY
from service.territories.schemas import (
    TerritoryAccountIn,
    TerritoryRepIn,
    TerritoryRequest,
    TerritoryResponse,
)
from solver.exports import kpi_csv, territory_csv, territory_kpi_rows
from solver.exports import territory_geojson as plan_territory_geojson
from solver.model import TravelMatrix
from solver.territory.model import (
    BalanceSummary,
    Move,
    TerritoryAccount,
    TerritoryOptions,
    TerritoryPlan,
    TerritoryRep,
    UnassignedAccount,
)

#: What ``balance_territories`` takes: reps, accounts, an explicit matrix (or None), options.
TerritoryInputs = tuple[
    tuple[TerritoryRep, ...], tuple[TerritoryAccount, ...], TravelMatrix | None, TerritoryOptions
]


def _territory_rep(rep: TerritoryRepIn) -> TerritoryRep:
    return TerritoryRep(
        id=rep.id,
        home=to_location(rep.home),
        capacity_h_per_week=rep.capacity_h_per_week,
        cost_per_km=rep.cost_per_km,
        cost_per_hour=rep.cost_per_hour,
    )


def _territory_account(account: TerritoryAccountIn) -> TerritoryAccount:
    return TerritoryAccount(
        id=account.id,
        location=to_location(account.location),
        visits_per_4_weeks=account.visits_per_4_weeks,
        visit_duration_s=account.visit_duration_s,
        revenue=account.revenue,
        locked_rep=account.locked_rep,
        current_rep=account.current_rep,
    )


def to_territory_inputs(request: TerritoryRequest) -> TerritoryInputs:
    """Return ``(reps, accounts, matrix, options)`` for ``balance_territories``.

    Raises
    ------
    InvalidProblemError
        Naming the entity by request path and id (``accounts[2] 'A2': ...``).
    """
    reps, accounts, options = gather(
        lambda: build_all("reps", request.reps, _territory_rep),
        lambda: build_all("accounts", request.accounts, _territory_account),
        lambda: build_entity(
            "options",
            "options",
            lambda: TerritoryOptions(**request.options.model_dump(exclude={"currency"})),
        ),
    )
    return reps, accounts, to_matrix(request.matrix), options


def from_territory_plan(
    plan: TerritoryPlan, network: str | None, *, currency: str = DEFAULT_CURRENCY
) -> TerritoryResponse:
    """Convert a ``TerritoryPlan`` into the HTTP response model (costs in ``currency``)."""
    summary = dataclasses.asdict(plan.summary)
    summary["explanation"] = list(summary.get("explanation", ()))
    return TerritoryResponse(
        network=network,
        assignment=dict(plan.assignment),
        territories=list(plan.territories),
        moves=[dataclasses.asdict(m) for m in plan.moves],
        unassigned=[{k: str(v) for k, v in dataclasses.asdict(u).items()} for u in plan.unassigned],
        summary=summary,
        solver=solver_out(plan.solver),
        currency=currency,
    )


def to_territory_plan(response: TerritoryResponse) -> TerritoryPlan:
    """Return the domain plan of a territory response (the inverse of from_territory_plan)."""
    summary = {**response.summary, "explanation": tuple(response.summary.get("explanation", ()))}
    return TerritoryPlan(
        assignment=dict(response.assignment),
        territories=tuple(response.territories),
        moves=tuple(Move(**m) for m in response.moves),
        unassigned=tuple(UnassignedAccount(**u) for u in response.unassigned),
        summary=BalanceSummary(**summary),
        solver=to_solver_info(response.solver),
    )


def territory_geojson(response: TerritoryResponse | dict[str, Any]) -> dict[str, Any]:
    """Return the territories of a response as GeoJSON (see ``solver.exports``)."""
    plan = to_territory_plan(TerritoryResponse.model_validate(response))
    return plan_territory_geojson(plan)


def territories_csv(
    request: TerritoryRequest, response: TerritoryResponse, table: str = "csv"
) -> str:
    """Return territories as CSV keyed by the account ids (see ``solver.exports``).

    ``table`` ``csv``: one row per account of the request (rep, previous rep, moved,
    weekly workload; ready for an owner update in the CRM); ``kpi-csv``: one row per
    rep's average week (visits, drive hours, km, travel cost, cost per visit).
    """
    plan = to_territory_plan(response)
    if table == "kpi-csv":
        return kpi_csv(territory_kpi_rows(plan))
    return territory_csv(plan, request.accounts, names={a.id: a.name for a in request.accounts})
