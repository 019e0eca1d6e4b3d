"""Resolve a :class:`~solver.model.Problem` to one travel matrix over its locations.

With an explicit matrix the locations already are indices. With a road network every
unique lat/lon point (rep starts and ends, accounts) is snapped and one many-to-many
matrix is computed for them; accounts whose point is off the network are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE, Location, Problem, Rep, TravelMatrix
from solver.roads.area import Place, check_places_in_area
from solver.roads.source import TravelSource


@dataclass(frozen=True, slots=True, eq=False)
class ResolvedProblem:
    """A problem with every location mapped to a row of one square matrix.

    Parameters
    ----------
    problem
        The problem as given.
    matrix
        Square travel matrix over the problem's locations; the diagonal is 0.
    index_of
        Matrix row of each location (``Location`` -> row).
    off_network
        Ids of accounts whose location could not be snapped to the road network.
    network
        The road network used, or None for an explicit matrix.
    off_network_reps
        Reps whose start or end could not be snapped: rep id -> ``"start"``, ``"end"``
        or ``"start and end"`` (the rep, not its accounts, is then the cause).
    timer
        Time-dependent leg times (:class:`solver.routing.traffic.LegTimer`) when the
        day is timed with a speed profile; None for free-flow (``matrix`` only).
    """

    problem: Problem
    matrix: TravelMatrix
    index_of: dict[Location, int]
    off_network: frozenset[str]
    network: TravelSource | None = None
    off_network_reps: dict[str, str] = field(default_factory=dict)
    timer: Any = None

    def travel_s(self, origin: Location, destination: Location, depart_s: int) -> int:
        """Travel time of a leg leaving at ``depart_s`` (s of the day), -1 when unreachable.

        With a speed profile the leg is timed when it is driven; otherwise it is the
        matrix's (free-flow) time.
        """
        if self.timer is None:
            return self.duration_s(origin, destination)
        return self.timer.leg_s(self.row(origin), self.row(destination), depart_s)

    def latest_departure_s(
        self, origin: Location, destination: Location, arrive_s: int
    ) -> int | None:
        """Latest departure (s of the day) that arrives by ``arrive_s``; None: no path."""
        if self.timer is None:
            travel = self.duration_s(origin, destination)
            return None if travel == UNREACHABLE else arrive_s - travel
        return self.timer.latest_departure_s(self.row(origin), self.row(destination), arrive_s)

    def row(self, location: Location) -> int:
        """Return the matrix row of ``location``."""
        return self.index_of[location]

    def duration_s(self, origin: Location, destination: Location) -> int:
        """Travel time between two locations, seconds (-1 when unreachable)."""
        return int(self.matrix.durations_s[self.row(origin), self.row(destination)])

    def distance_m(self, origin: Location, destination: Location) -> int:
        """Travel distance between two locations, metres (-1 when unreachable)."""
        return int(self.matrix.distances_m[self.row(origin), self.row(destination)])

    def reachable(self, origin: Location, destination: Location) -> bool:
        """Return True when there is a path from ``origin`` to ``destination``."""
        return self.duration_s(origin, destination) != UNREACHABLE

    def rep_end(self, rep: Rep) -> Location | None:
        """Where ``rep`` ends the day; None for an open end."""
        return rep.end_location


def resolve_problem(problem: Problem, network: TravelSource | None = None) -> ResolvedProblem:
    """Map every location of ``problem`` to a row of one travel matrix.

    Parameters
    ----------
    problem
        The day's problem; either ``problem.matrix`` is set (index locations) or
        ``problem.network`` names a road network passed as ``network``.
    network
        A loaded road network (``solver.roads.RoadNetwork``) for lat/lon problems.

    Returns
    -------
    ResolvedProblem
        The matrix (seconds, metres; diagonal 0) and the row of each location.

    Raises
    ------
    InvalidProblemError
        When the problem has lat/lon locations but no network was given, or when a
        place lies far outside the network's area (every such place is named, by
        request path: ``reps[0].start``; see :mod:`solver.roads.area`).
    """
    locations = [rep.start for rep in problem.reps]
    locations += [rep.end for rep in problem.reps if rep.end is not None]
    locations += [account.location for account in problem.accounts]
    if problem.matrix is not None:
        index_of = {loc: int(loc.index) for loc in locations}  # type: ignore[arg-type]
        durations = problem.matrix.durations_s.copy()
        distances = problem.matrix.distances_m.copy()
        np.fill_diagonal(durations, 0)
        np.fill_diagonal(distances, 0)
        matrix = TravelMatrix(durations, distances)
        return ResolvedProblem(problem, matrix, index_of, frozenset())
    if network is None:
        raise InvalidProblemError(
            entity="Problem",
            reason=f"road network {problem.network!r} is required to plan lat/lon locations.",
            field="network",
        )
    check_places_in_area(_places(problem), network)
    unique: list[Location] = list(dict.fromkeys(locations))
    points = [(loc.lat, loc.lon) for loc in unique]
    snaps = network.snap(points)
    on_network = {loc for loc, snap in zip(unique, snaps, strict=True) if snap.on_network}
    off_reps = {}
    for rep in problem.reps:
        off = [name for name, loc in (("start", rep.start), ("end", rep.end)) if loc is not None]
        off = [name for name in off if getattr(rep, name) not in on_network]
        if off:
            off_reps[rep.id] = " and ".join(off)
    travel = network.matrix(points)
    durations = np.asarray(travel.durations_s, dtype=np.int64).copy()
    distances = np.asarray(travel.distances_m, dtype=np.int64).copy()
    np.fill_diagonal(durations, 0)
    np.fill_diagonal(distances, 0)
    off = frozenset(a.id for a in problem.accounts if a.location not in on_network)
    index_of = {loc: i for i, loc in enumerate(unique)}
    from solver.routing.traffic import make_timer  # noqa: PLC0415 (traffic imports schedule)

    return ResolvedProblem(
        problem,
        TravelMatrix(durations, distances),
        index_of,
        off,
        network=network,
        off_network_reps=off_reps,
        timer=make_timer(problem, network, points),
    )


def _places(problem: Problem) -> list[Place]:
    """Every lat/lon place of a problem, named by its path (``reps[0].start``)."""
    places: list[Place] = []
    for i, rep in enumerate(problem.reps):
        for name, loc in (("start", rep.start), ("end", rep.end)):
            if loc is not None and loc.is_geo:
                places.append((f"reps[{i}]", rep.id, f"reps[{i}].{name}", loc.lat, loc.lon))
    for j, account in enumerate(problem.accounts):
        loc = account.location
        if loc.is_geo:
            path = f"accounts[{j}]"
            places.append((path, account.id, f"{path}.location", loc.lat, loc.lon))
    return places
