"""Territory requests and responses (``POST /v1/territories``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from service.common.addresses import AddressIn, GeocodedOut, MinQuality
from service.common.schemas import (
    ApiModel,
    Ident,
    Loc,
    MatrixIn,
    Money,
    SolverOut,
    VisitDuration,
    check_network_or_matrix,
    load_examples,
    openapi_examples,
)
from solver.model import DEFAULT_VISIT_DURATION_S
from solver.territory.model import Territory

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)

MAX_TERRITORY_TIME_LIMIT_S = 3600.0


class TerritoryRepIn(ApiModel):
    """A rep who owns a territory."""

    model_config = openapi_examples(EXAMPLES, "TerritoryRepIn")

    id: Ident
    home: Loc
    capacity_h_per_week: float = Field(
        default=40.0, gt=0, le=168, allow_inf_nan=False, description="Weekly capacity, hours."
    )
    cost_per_km: Money = 0.0
    cost_per_hour: Money = 0.0


class TerritoryAccountIn(ApiModel):
    """An account to place in a territory."""

    model_config = openapi_examples(EXAMPLES, "TerritoryAccountIn")

    id: Ident
    location: Loc | None = Field(
        default=None, description="Where; null = placed from `address` (geocoded)."
    )
    address: AddressIn | None = Field(
        default=None, description="Postal address (free text or fields), geocoded without location."
    )
    name: str | None = Field(default=None, max_length=500, description="Display name (exports).")
    visits_per_4_weeks: float = Field(
        default=4.0,
        gt=0,
        le=200,
        allow_inf_nan=False,
        description="Visit frequency: 4 = weekly, 1 = monthly.",
    )
    visit_duration_s: VisitDuration = DEFAULT_VISIT_DURATION_S
    revenue: Money | None = Field(default=None, description="Revenue or potential per year.")
    locked_rep: Ident | None = Field(default=None, description="Rep the account must stay with.")
    current_rep: Ident | None = Field(default=None, description="Rep that owns it today.")


class TerritoryOptionsIn(ApiModel):
    """How to balance (see ``solver.territory.TerritoryOptions``)."""

    model_config = openapi_examples(EXAMPLES, "TerritoryOptionsIn")

    balance: Literal["workload", "revenue", "accounts"] = "workload"
    tolerance: float = Field(default=0.05, ge=0, lt=1, allow_inf_nan=False)
    max_moves: int | None = Field(default=None, ge=0, le=10**6)
    move_penalty_h: float = Field(default=0.0, ge=0, le=1e6, allow_inf_nan=False)
    visits_per_day: float = Field(default=6.0, gt=0, le=100, allow_inf_nan=False)
    candidate_reps: int = Field(default=8, ge=1, le=1000)
    simulate_routes: bool | None = None
    time_limit_s: float = Field(
        default=30.0, gt=0, le=MAX_TERRITORY_TIME_LIMIT_S, allow_inf_nan=False
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class TerritoryRequest(ApiModel):
    """Balanced territories for a team."""

    model_config = openapi_examples(EXAMPLES, "TerritoryRequest")

    network: Ident | None = None
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    reps: list[TerritoryRepIn] = Field(min_length=1, max_length=1000)
    accounts: list[TerritoryAccountIn] = Field(default_factory=list, max_length=100_000)
    options: TerritoryOptionsIn = Field(default_factory=TerritoryOptionsIn)
    min_quality: MinQuality = "street"

    _network_or_matrix = model_validator(mode="after")(check_network_or_matrix)


class TerritoryResponse(BaseModel):
    """The territory plan."""

    model_config = openapi_examples(EXAMPLES, "TerritoryResponse", revalidate_instances="always")

    network: str | None = None
    assignment: dict[str, str] = Field(description="Account id -> rep id.")
    territories: list[Territory] = Field(
        description="Each rep's territory and weekly figures (solver.territory.Territory)."
    )
    moves: list[dict[str, str]]
    unassigned: list[dict[str, str]]
    summary: dict[str, Any]
    solver: SolverOut
    geocoding: list[GeocodedOut] = Field(
        default_factory=list,
        description="One answer per account given by address only (quality, match).",
    )
