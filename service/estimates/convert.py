"""Travel matrices to estimate responses, priced with the one cost formula."""

from __future__ import annotations

from service.common.schemas import DEFAULT_CURRENCY
from service.estimates.schemas import EstimateRequest, Leg, MatrixEstimate, SequenceEstimate
from solver.costs import travel_cost
from solver.model import TravelMatrix


def _cost(duration_s: int, distance_m: int, cost_per_km: float, cost_per_hour: float) -> float:
    """Return the cost of a leg (``solver.costs.travel_cost``), rounded to cents."""
    return round(travel_cost(distance_m / 1000, duration_s / 3600, cost_per_km, cost_per_hour), 2)


def estimate_from_matrix(
    request: EstimateRequest,
    network: str,
    matrix: TravelMatrix,
    *,
    currency: str = DEFAULT_CURRENCY,
) -> MatrixEstimate | SequenceEstimate:
    """Turn a travel matrix into the estimate response for ``request``.

    For a sequence the matrix is the square matrix of the sequence's points. Costs are
    in cents of ``currency``, unless the request names its own.
    """
    currency = request.currency or currency
    durations = matrix.durations_s.tolist()
    distances = matrix.distances_m.tolist()
    per_km, per_hour = request.cost_per_km, request.cost_per_hour
    if request.sequence is None:
        costs = [
            [
                None if d < 0 else _cost(d, m, per_km, per_hour)
                for d, m in zip(drow, mrow, strict=True)
            ]
            for drow, mrow in zip(durations, distances, strict=True)
        ]
        return MatrixEstimate(
            network=network,
            durations_s=durations,
            distances_m=distances,
            costs=costs,
            currency=currency,
        )
    legs = []
    for i in range(len(request.sequence) - 1):
        d, m = durations[i][i + 1], distances[i][i + 1]
        ok = d >= 0 and m >= 0
        legs.append(
            Leg(
                from_index=i,
                to_index=i + 1,
                duration_s=d if ok else None,
                distance_m=m if ok else None,
                cost=_cost(d, m, per_km, per_hour) if ok else None,
            )
        )
    reachable = all(leg.duration_s is not None for leg in legs)
    total: dict[str, float | int | None] = {"duration_s": None, "distance_m": None, "cost": None}
    if reachable:
        total = {
            "duration_s": sum(leg.duration_s or 0 for leg in legs),
            "distance_m": sum(leg.distance_m or 0 for leg in legs),
            "cost": round(sum(leg.cost or 0.0 for leg in legs), 2),
        }
    return SequenceEstimate(
        network=network, legs=legs, total=total, reachable=reachable, currency=currency
    )
