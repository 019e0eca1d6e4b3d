"""Conversions every capability shares: places, matrices and solver information."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from service.common.schemas import Loc, MatrixIn, SolverOut
from solver.errors import InvalidProblemError
from solver.model import Location, SolverInfo, SolveStatus, StopReason, TravelMatrix


class NetworkOrMatrix(Protocol):
    """A request that names a road network or gives an explicit matrix."""

    network: str | None
    matrix: MatrixIn | None


def resolve_network(request: NetworkOrMatrix, default_network: str) -> str | None:
    """Return the network a request plans on: its own, the default, or None with a matrix."""
    if request.matrix is not None:
        return None
    return request.network or default_network


def to_location(loc: Loc) -> Location:
    """Return the domain :class:`~solver.model.Location` of a request place."""
    if loc.index is not None:
        return Location(index=loc.index)
    return Location(lat=loc.lat, lon=loc.lon)


def from_location(location: Location | None) -> Loc | None:
    """Return the request/response place of a domain location."""
    if location is None:
        return None
    if location.index is not None:
        return Loc(index=int(location.index))
    return Loc(lat=float(location.lat), lon=float(location.lon))


def to_point(loc: Loc) -> tuple[float, float]:
    """Return ``(lat, lon)``; raise InvalidProblemError for an index location."""
    if loc.lat is None or loc.lon is None:
        raise InvalidProblemError("a road network needs lat/lon, not an index.", entity="Location")
    return (loc.lat, loc.lon)


def points_of(locations: Sequence[Loc]) -> list[tuple[float, float]]:
    """Return ``[(lat, lon), ...]`` for geographic request locations."""
    return [to_point(loc) for loc in locations]


def to_matrix(matrix: MatrixIn | None) -> TravelMatrix | None:
    """Return the domain matrix of an explicit request matrix (None stays None)."""
    if matrix is None:
        return None
    return TravelMatrix(matrix.durations_s, matrix.distances_m)


def solver_out(info: SolverInfo) -> SolverOut:
    """Return how a plan was found, as the response shape."""
    return SolverOut(
        status=SolveStatus(info.status),
        seed=int(info.seed),
        time_limit_s=float(info.time_limit_s),
        time_s=round(float(info.time_s), 3),
        objective=None if info.objective is None else float(info.objective),
        stop_reason=None if info.stop_reason is None else StopReason(info.stop_reason),
        deterministic=bool(info.deterministic),
    )


def to_solver_info(out: SolverOut) -> SolverInfo:
    """Return the domain solver information of a response (the inverse of solver_out)."""
    return SolverInfo(
        out.status,
        out.seed,
        out.time_limit_s,
        out.time_s,
        out.objective,
        stop_reason=out.stop_reason,
        deterministic=out.deterministic,
    )
