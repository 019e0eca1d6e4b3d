"""What a worker runs for an estimate: a typed request in, a typed response out."""

from __future__ import annotations

import numpy as np

from service.common.convert import points_of
from service.common.runtime import ProgressFn, RuntimeConfig, get_network
from service.common.stops import Stopped
from service.estimates.convert import estimate_from_matrix
from service.estimates.schemas import EstimateRequest, MatrixEstimate, SequenceEstimate
from service.estimates.timing import Point, timed_matrix, timed_sequence
from solver.model import TravelMatrix
from solver.roads import RoadNetwork
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
    """Answer a ``POST /v1/estimates`` request: a cost matrix or the legs of a sequence.

    With ``on_progress`` (a job, or a synchronous call that may time out) a large
    matrix is computed in steps, and a true answer of ``on_progress`` between two
    steps stops it (:class:`~service.common.stops.Stopped`).
    """
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
    if on_progress is None or len(origins) <= ROWS_PER_STEP:
        matrix = timed_matrix(request, network, origins, destinations)
    else:
        matrix = _matrix_in_steps(request, network, origins, destinations, on_progress)
    return estimate_from_matrix(request, name, matrix, currency=config.currency)


#: Origins computed between two looks at ``on_progress`` (a cancelled job stops there).
ROWS_PER_STEP = 500


def _matrix_in_steps(
    request: EstimateRequest,
    network: RoadNetwork,
    origins: list[Point],
    destinations: list[Point] | None,
    on_progress: ProgressFn,
) -> TravelMatrix:
    """Compute the matrix :data:`ROWS_PER_STEP` origins at a time, stoppable in between.

    Raises
    ------
    Stopped
        When ``on_progress`` answers true (the job was cancelled).
    """
    targets = origins if destinations is None else destinations
    steps = []
    for start in range(0, len(origins), ROWS_PER_STEP):
        if on_progress(start / len(origins), None):
            raise Stopped("the estimate was cancelled")
        steps.append(
            timed_matrix(request, network, origins[start : start + ROWS_PER_STEP], targets)
        )
    return TravelMatrix(
        np.vstack([step.durations_s for step in steps]),
        np.vstack([step.distances_m for step in steps]),
    )
