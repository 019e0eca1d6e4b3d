"""Travel estimate requests and responses (``POST /v1/estimates``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, model_validator

from service.common.schemas import (
    DEFAULT_CURRENCY,
    ApiModel,
    Currency,
    Ident,
    Loc,
    Money,
    OutModel,
    load_examples,
    openapi_examples,
)

#: OpenAPI examples of the models below (data, in examples.json).
EXAMPLES = load_examples(__file__)


class EstimateRequest(ApiModel):
    """Travel estimates: a matrix (``origins`` x ``destinations``) or a ``sequence`` of legs."""

    model_config = openapi_examples(EXAMPLES, "EstimateRequest")

    network: Ident | None = None
    """Prepared road network; null = the default."""
    origins: list[Loc] | None = Field(default=None, max_length=100_000)
    """Places travelled from (rows of the matrices)."""
    destinations: list[Loc] | None = Field(
        default=None, max_length=100_000, description="null = the origins."
    )
    sequence: list[Loc] | None = Field(default=None, min_length=2, max_length=100_000)
    """Places visited in order (legs between consecutive places)."""
    cost_per_km: Money = 0.0
    """Cost of one driven kilometre, in the currency."""
    cost_per_hour: Money = 0.0
    """Cost of one driving hour, in the currency."""
    geometry: bool = Field(default=False, description="Return the path of a sequence as GeoJSON.")
    currency: Currency | None = Field(
        default=None,
        description="ISO 4217 currency of the rates and costs; null = the service's default "
        "(FIELDROUTE_CURRENCY, EUR).",
    )
    departure_time: dt.datetime | None = Field(
        default=None,
        description="Leave at this time (ISO 8601; without an offset, the network's local "
        "time): durations follow the network's speed profile. A sequence's legs are "
        "driven one after the other from it. null = free-flow.",
    )
    arrival_by: dt.datetime | None = Field(
        default=None,
        description="Arrive by this time instead (not with departure_time): each duration "
        "is how long before it to leave; a sequence ends at it.",
    )
    traffic: bool = Field(
        default=True,
        description="false: free-flow durations even with departure_time or arrival_by.",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> EstimateRequest:
        if (self.origins is None) == (self.sequence is None):
            raise ValueError("give either origins (and destinations) or a sequence")
        if self.sequence is not None and self.destinations is not None:
            raise ValueError("destinations go with origins, not with a sequence")
        if self.origins is not None and not self.origins:
            raise ValueError("origins must not be empty")
        if self.departure_time is not None and self.arrival_by is not None:
            raise ValueError("give departure_time or arrival_by, not both")
        for name in ("origins", "destinations", "sequence"):
            for i, loc in enumerate(getattr(self, name) or []):
                if loc.index is not None:
                    raise ValueError(f"{name}[{i}] must be lat/lon on a road network")
        return self

    def cells(self) -> int:
        """Return the number of origin-destination pairs the request asks for."""
        if self.sequence is not None:
            return len(self.sequence) - 1
        destinations = self.destinations if self.destinations is not None else self.origins
        return len(self.origins or []) * len(destinations or [])


class MatrixEstimate(OutModel):
    """Matrices, row = origin; unreachable pairs are -1 (cost null)."""

    model_config = openapi_examples(EXAMPLES, "MatrixEstimate")

    network: str
    """The road network used."""
    durations_s: list[list[int]]
    """Travel time origin -> destination, seconds; -1 = unreachable."""
    distances_m: list[list[int]]
    """Distance origin -> destination, metres; -1 = unreachable."""
    costs: list[list[float | None]]
    """Cost origin -> destination in cents of the currency; null = unreachable."""
    currency: Currency = Field(default=DEFAULT_CURRENCY, description="Currency of the costs.")


class Leg(OutModel):
    """One leg of a sequence."""

    from_index: int
    """Position of the leg's first place in the sequence."""
    to_index: int
    """Position of the leg's second place in the sequence."""
    duration_s: int | None
    """Travel time of the leg, seconds; null = unreachable."""
    distance_m: int | None
    """Length of the leg, metres; null = unreachable."""
    cost: float | None
    """Cost of the leg in the currency; null = unreachable."""


class SequenceEstimate(OutModel):
    """Per-leg and total estimates of visiting a sequence in order."""

    model_config = openapi_examples(EXAMPLES, "SequenceEstimate")

    network: str
    """The road network used."""
    legs: list[Leg]
    """One estimate per consecutive pair of places."""
    total: dict[str, float | int | None]
    """Sums over the legs (duration_s, distance_m, cost); null values when a leg is unreachable."""
    reachable: bool
    """True when every leg has a road path."""
    geometry: dict[str, Any] | None = None
    """GeoJSON LineString of the whole sequence (geometry: true), else null."""
    currency: Currency = Field(default=DEFAULT_CURRENCY, description="Currency of the costs.")
