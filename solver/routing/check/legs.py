"""Each leg's travel time and distance, straight from the raw inputs (never the solver's)."""

from __future__ import annotations

from typing import Any

from solver.errors import InvalidProblemError
from solver.model import Location, Problem


class Legs:
    """Travel time and distance of one leg, straight from the raw inputs.

    An explicit matrix is read at ``[origin.index, destination.index]``; on a road
    network each distinct pair is one ``network.matrix([origin], [destination])``
    query. With ``problem.traffic`` on a network that has ``durations_at`` (a speed
    profile), the leg's seconds are the network's own time-dependent answer for the
    moment the leg is driven (``week_s`` = weekday of the date x 86400 + the drive
    start), asked leg by leg. A leg from a place to the same place is 0 s / 0 m.

    Parameters
    ----------
    problem
        The problem (its explicit matrix, or its date and ``traffic`` for a network).
    network
        The road network for lat/lon problems (None with an explicit matrix).

    Raises
    ------
    InvalidProblemError
        When the problem has lat/lon locations but no network was given.
    """

    def __init__(self, problem: Problem, network: Any) -> None:
        if problem.matrix is None and network is None:
            raise InvalidProblemError(
                f"road network {problem.network!r} is required to check lat/lon locations.",
                entity="Problem",
                field="network",
            )
        self._matrix = problem.matrix
        self._network = network
        self._cache: dict[tuple[Location, Location], tuple[int, int]] = {}
        self._timed = (
            problem.traffic and problem.matrix is None and hasattr(network, "durations_at")
        )
        self._day_s = problem.date.weekday() * 86400

    def __call__(
        self, origin: Location, destination: Location, depart_s: int | None = None
    ) -> tuple[int, int]:
        """``(seconds, metres)`` from ``origin`` to ``destination``; -1 when unreachable."""
        if origin == destination:
            return 0, 0
        key = (origin, destination)
        if key not in self._cache:
            self._cache[key] = self._query(origin, destination)
        seconds, metres = self._cache[key]
        if self._timed and depart_s is not None and seconds >= 0:
            seconds = int(
                self._network.durations_at(
                    [(origin.lat, origin.lon)],
                    [(destination.lat, destination.lon)],
                    week_s=self._day_s + depart_s,
                )[0][0]
            )
        return seconds, metres

    def _query(self, origin: Location, destination: Location) -> tuple[int, int]:
        if self._matrix is not None:
            row, column = origin.index, destination.index
            return (
                int(self._matrix.durations_s[row, column]),
                int(self._matrix.distances_m[row, column]),
            )
        pair = self._network.matrix(
            [(origin.lat, origin.lon)], [(destination.lat, destination.lon)]
        )
        return int(pair.durations_s[0][0]), int(pair.distances_m[0][0])
