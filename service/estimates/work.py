"""What a worker runs for an estimate: a typed request in, a typed response out."""

from __future__ import annotations

from service.common.convert import points_of
from service.common.runtime import ProgressFn, RuntimeConfig, get_network
from service.estimates.convert import estimate_from_matrix
from service.estimates.schemas import EstimateRequest, MatrixEstimate, SequenceEstimate
from service.estimates.timing import timed_matrix, timed_sequence
from solver.roads.area import Place, check_places_in_area

#: The answer of an estimate: a matrix, or the legs of a sequence.
Estimate = MatrixEstimate | SequenceEstimate


def validate_estimate(request: EstimateRequest, default_network: str) -> None:
    """Nothing to check beyond the schema: every place is lat/lon (see EstimateRequest)."""


def _places(request: EstimateRequest) -> list[Place]:
    """Every place of an estimate, named by its request path (``origins[2]``)."""
    places: list[Place] = []
    for name in ("origins", "destinations", "sequence"):
        for i, loc in enumerate(getattr(request, name) or []):
            if loc.lat is not None and loc.lon is not None:
                places.append((f"{name}[{i}]", None, f"{name}[{i}]", loc.lat, loc.lon))
    return places


def estimate(
    request: EstimateRequest, config: RuntimeConfig, on_progress: ProgressFn | None = None
) -> Estimate:
    """Answer a ``POST /v1/estimates`` request: a cost matrix or the legs of a sequence."""
    name = request.network or config.default_network
    network = get_network(name, config.networks_dir)
    check_places_in_area(_places(request), network)  # swapped lat/lon: 422, not -1s
    if request.sequence is not None:
        points = points_of(request.sequence)
        result = estimate_from_matrix(
            request, name, timed_sequence(request, network, points), currency=config.currency
        )
        if request.geometry and result.reachable:
            coords: list[list[float]] = []
            for a, b in zip(points, points[1:], strict=False):
                leg = network.path(a, b)["coordinates"]
                coords.extend(leg if not coords else leg[1:])
            result.geometry = {"type": "LineString", "coordinates": coords}
        return result
    origins = points_of(request.origins or [])
    destinations = points_of(request.destinations) if request.destinations is not None else None
    matrix = timed_matrix(request, network, origins, destinations)
    return estimate_from_matrix(request, name, matrix, currency=config.currency)
