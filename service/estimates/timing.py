"""Departure-aware estimates: ``departure_time`` / ``arrival_by`` on the speed profile."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from service.estimates.schemas import EstimateRequest
from solver.model import TravelMatrix
from solver.roads import RoadNetwork
from solver.roads.profile import week_time_s

Point = tuple[float, float]


def _week_s(when: dt.datetime, network: RoadNetwork) -> float:
    """Seconds since Monday 00:00 in the network's local time."""
    if when.tzinfo is not None:
        zone = network.info.local_timezone()
        when = when.astimezone(ZoneInfo(zone)) if zone else when
    return week_time_s(when.weekday(), when.hour * 3600 + when.minute * 60 + when.second)


def _moment(request: EstimateRequest) -> dt.datetime | None:
    if not request.traffic:
        return None
    return request.departure_time or request.arrival_by


def timed_matrix(
    request: EstimateRequest,
    network: RoadNetwork,
    origins: list[Point],
    destinations: list[Point] | None,
) -> TravelMatrix:
    """Return the request's matrix: free-flow, or timed at its departure (arrival)."""
    matrix = network.matrix(origins, destinations)
    when = _moment(request)
    if when is None:
        return matrix
    durations = network.durations_at(
        origins, destinations, week_s=_week_s(when, network), arrive=request.arrival_by is not None
    )
    return TravelMatrix(durations, matrix.distances_m)


def timed_sequence(
    request: EstimateRequest, network: RoadNetwork, points: list[Point]
) -> TravelMatrix:
    """Return the sequence's square matrix, each leg timed when it is driven.

    From ``departure_time`` the legs are chained forwards (each leaves when the one
    before arrives); from ``arrival_by`` backwards (the last arrives at it).
    """
    matrix = network.matrix(points)
    when = _moment(request)
    if when is None:
        return matrix
    durations = matrix.durations_s.copy()
    clock = _week_s(when, network)
    backwards = request.arrival_by is not None
    legs = range(len(points) - 2, -1, -1) if backwards else range(len(points) - 1)
    for i in legs:
        leg = int(
            network.durations_at([points[i]], [points[i + 1]], week_s=clock, arrive=backwards)[0, 0]
        )
        durations[i, i + 1] = leg
        if leg < 0:
            break
        clock = clock - leg if backwards else clock + leg
    return TravelMatrix(np.asarray(durations), matrix.distances_m)
