"""Territory requests and responses (``POST /v1/territories``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from service.common.addresses import AddressIn, GeocodedOut, MinQuality
from service.common.schemas import (
    DEFAULT_CURRENCY,
    ApiModel,
    Currency,
    Ident,
    Loc,
    MatrixIn,
    Money,
    OutModel,
    SolverOut,
    VisitDuration,
    check_network_or_matrix,
    describe_fields,
    load_examples,
    openapi_examples,
)
from solver.model import DEFAULT_VISIT_DURATION_S
from solver.territory.model import Territory

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)
describe_fields(Territory)

MAX_TERRITORY_TIME_LIMIT_S = 3600.0


class TerritoryRepIn(ApiModel):
    """A rep who owns a territory."""

    model_config = openapi_examples(EXAMPLES, "TerritoryRepIn")

    id: Ident
    """The rep's id, unique in the request."""
    home: Loc
    """Where the rep's days start and end."""
    capacity_h_per_week: float = Field(
        default=40.0, gt=0, le=168, allow_inf_nan=False, description="Weekly capacity, hours."
    )
    cost_per_km: Money = 0.0
    """Cost of one driven kilometre, in the currency."""
    cost_per_hour: Money = 0.0
    """Cost of one driving hour, in the currency."""


class TerritoryAccountIn(ApiModel):
    """An account to place in a territory."""

    model_config = openapi_examples(EXAMPLES, "TerritoryAccountIn")

    id: Ident
    """The account's id, unique in the request."""
    location: Loc | None = None
    """Where the account is; null = placed from `address` (geocoded)."""
    address: AddressIn | None = None
    """Postal address (free text or fields), geocoded when there is no location."""
    name: str | None = Field(default=None, max_length=500)
    """Display name (exports)."""
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
    """What the territories are balanced on: workload hours, revenue or account count."""
    tolerance: float = Field(default=0.05, ge=0, lt=1, allow_inf_nan=False)
    """Allowed relative deviation of each territory from the target (0.05 = 5 %)."""
    max_moves: int | None = Field(default=None, ge=0, le=10**6)
    """Most accounts that may change rep against current_rep; null = no limit."""
    move_penalty_h: float = Field(default=0.0, ge=0, le=1e6, allow_inf_nan=False)
    """Cost of moving one account to another rep, in workload hours."""
    visits_per_day: float = Field(default=6.0, gt=0, le=100, allow_inf_nan=False)
    """Visits a rep makes in a day (to estimate drive time)."""
    candidate_reps: int = Field(default=8, ge=1, le=1000)
    """Nearest reps considered for each account."""
    workload_rounds: int = Field(default=6, ge=0, le=50)
    """With balance 'workload' and simulated routes: most rounds of simulate, recharge each
    account its share of the simulated drive, rebalance, so that the simulated workloads
    are within the tolerance; 0 = balance the estimate only."""
    min_utilisation: float = Field(default=0.6, ge=0, le=10, allow_inf_nan=False)
    """Team utilisation of capacity below which the summary flags the team as under-used."""
    simulate_routes: bool | None = None
    """Estimate drive time by simulating typical day routes; null = when the request is small
    enough."""
    traffic: bool = True
    """Simulate the days with the network's speed profile (time-of-day speeds); false =
    free-flow."""
    time_limit_s: float = Field(
        default=30.0, gt=0, le=MAX_TERRITORY_TIME_LIMIT_S, allow_inf_nan=False
    )
    """Longest solver run, seconds."""
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    """Random seed: the same request and seed give the same plan."""
    deterministic: bool = False
    """Stop every search on work done (LP/MIP node and round budgets), never on the clock:
    the same request and seed give the same plan on any machine and load; `time_limit_s`
    is then only a safety cap."""
    currency: Currency | None = None
    """ISO 4217 currency of the reps' rates and costs; null = the service's default
    (FIELDROUTE_CURRENCY, EUR)."""


class TerritoryRequest(ApiModel):
    """Balanced territories for a team."""

    model_config = openapi_examples(EXAMPLES, "TerritoryRequest")

    network: Ident | None = None
    """Prepared road network; null = the default (or the matrix)."""
    matrix: MatrixIn | None = Field(
        default=None, description="Explicit matrix; locations are then {'index': i}."
    )
    reps: list[TerritoryRepIn] = Field(min_length=1, max_length=1000)
    """The reps to share the accounts."""
    accounts: list[TerritoryAccountIn] = Field(default_factory=list, max_length=100_000)
    """The accounts to assign."""
    options: TerritoryOptionsIn = Field(default_factory=TerritoryOptionsIn)
    """Balance and solver options."""
    min_quality: MinQuality = "street"
    """Least geocoding quality at which an account given by address is placed."""

    _network_or_matrix = model_validator(mode="after")(check_network_or_matrix)


class TerritoryResponse(OutModel):
    """The territory plan."""

    model_config = openapi_examples(EXAMPLES, "TerritoryResponse", revalidate_instances="always")

    network: str | None = None
    """The road network used; null for an explicit matrix."""
    assignment: dict[str, str] = Field(description="Account id -> rep id.")
    territories: list[Territory] = Field(
        description="Each rep's territory and weekly figures (solver.territory.Territory)."
    )
    moves: list[dict[str, str]]
    """Accounts whose rep changes against current_rep (account_id, from_rep, to_rep)."""
    unassigned: list[dict[str, str]]
    """Accounts no rep could take (account_id, reason, detail)."""
    summary: dict[str, Any]
    """Figures of the whole plan (metric, target, deviations, drive and moves)."""
    solver: SolverOut
    """How the plan was found (status, seed, time)."""
    geocoding: list[GeocodedOut] = Field(default_factory=list)
    """One answer per account given by address only (quality, match)."""
    currency: Currency = DEFAULT_CURRENCY
    """ISO 4217 currency of every cost in the answer (cost_per_week)."""
