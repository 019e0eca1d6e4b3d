"""Where travel times come from: a road network or an explicit matrix.

Territory design needs two kinds of matrices: homes x accounts (for the assignment) and,
per territory, a square matrix over the home and its accounts (for simulated routes).
:class:`TerritoryTravel` hides whether they come from a :class:`~solver.roads.RoadNetwork`
(locations are lat/lon) or from one explicit square :class:`~solver.model.TravelMatrix`
(locations are ``Location(index=i)``), so the rest of the package does not care.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE, Location, TravelMatrix
from solver.roads.area import check_places_in_area
from solver.roads.profile import week_time_s
from solver.roads.source import TravelSource
from solver.territory.model import TerritoryAccount, TerritoryRep

#: Departures a simulated day's legs are averaged over: every hour 08:00-16:00, Tuesday.
SIMULATED_DEPARTURES_S = tuple(week_time_s(1, hour * 3600) for hour in range(8, 17))


class TerritoryTravel:
    """Travel times and distances between reps' homes and accounts.

    Parameters
    ----------
    reps, accounts
        The problem's reps and accounts.
    network
        A loaded road network (anything with ``matrix(origins, destinations=None)``
        returning a :class:`TravelMatrix`); locations must be lat/lon.
    matrix
        An explicit square matrix; locations must be ``Location(index=i)`` into it.
    traffic
        Simulated days (:meth:`among`) use the network's speed profile.
    """

    def __init__(
        self,
        reps: Sequence[TerritoryRep],
        accounts: Sequence[TerritoryAccount],
        *,
        network: TravelSource | None = None,
        matrix: TravelMatrix | None = None,
        traffic: bool = False,
    ) -> None:
        self.traffic = traffic
        if (network is None) == (matrix is None):
            raise InvalidProblemError(
                entity="Territories",
                reason="give exactly one of network or matrix.",
                field="matrix",
            )
        self.network = network
        self.matrix = matrix
        self.homes = [rep.home for rep in reps]
        #: Ids of reps whose home is too far from any road (their accounts' cause).
        self.off_network_homes: frozenset[str] = frozenset()
        self.points = [account.location for account in accounts]
        # named by the request's paths (``reps[0].home``), never by the class names
        located = [((f"reps[{i}]", r.id), "home", r.home) for i, r in enumerate(reps)] + [
            ((f"accounts[{j}]", a.id), "location", a.location) for j, a in enumerate(accounts)
        ]
        if matrix is not None:
            n, m = matrix.shape
            if n != m:
                raise InvalidProblemError(
                    entity="Matrix", reason=f"must be square, got {n} x {m}.", field="matrix"
                )
            for owner, name, loc in located:
                if loc.is_geo:
                    raise InvalidProblemError(
                        entity=owner[0],
                        entity_id=owner[1],
                        reason=f"with an explicit matrix, {name} must be {{'index': i}}.",
                        field=f"{owner[0]}.{name}",
                    )
                if loc.index >= n:
                    raise InvalidProblemError(
                        entity=owner[0],
                        entity_id=owner[1],
                        reason=f"{name} index {loc.index} is outside the {n} x {n} matrix.",
                        field=f"{owner[0]}.{name}",
                    )
        else:
            for owner, name, loc in located:
                if not loc.is_geo:
                    raise InvalidProblemError(
                        entity=owner[0],
                        entity_id=owner[1],
                        reason=f"an index {name} needs an explicit matrix; give lat/lon "
                        "for a road network.",
                        field=f"{owner[0]}.{name}",
                    )
            places = [
                (owner[0], owner[1], f"{owner[0]}.{name}", loc.lat, loc.lon)
                for owner, name, loc in located
            ]
            check_places_in_area(places, network)
            snap = getattr(network, "snap", None)
            if snap is not None and self.homes:
                snaps = snap(self._latlon(self.homes))
                self.off_network_homes = frozenset(
                    rep.id for rep, s in zip(reps, snaps, strict=True) if not s.on_network
                )

    @staticmethod
    def _latlon(locations: Sequence[Location]) -> list[tuple[float, float]]:
        return [(loc.lat, loc.lon) for loc in locations]

    def _sub(self, rows: Sequence[Location], cols: Sequence[Location]) -> TravelMatrix:
        r = np.asarray([loc.index for loc in rows], dtype=np.int64)
        c = np.asarray([loc.index for loc in cols], dtype=np.int64)
        return TravelMatrix(
            self.matrix.durations_s[np.ix_(r, c)], self.matrix.distances_m[np.ix_(r, c)]
        )

    def homes_to_accounts(self) -> TravelMatrix:
        """Return the ``(reps, accounts)`` matrix from each home to each account."""
        if self.matrix is not None:
            return self._sub(self.homes, self.points)
        return self.network.matrix(self._latlon(self.homes), self._latlon(self.points))

    def among(self, locations: Sequence[Location]) -> TravelMatrix:
        """Return the square matrix between the given locations (homes or accounts).

        With ``traffic`` on a network with a speed profile, each duration is the mean of
        the leg's times leaving at :data:`SIMULATED_DEPARTURES_S` (a working Tuesday).
        """
        return self.between(locations, locations)

    def between(self, rows: Sequence[Location], cols: Sequence[Location]) -> TravelMatrix:
        """Return the ``(rows, cols)`` matrix, timed as in :meth:`among`."""
        if self.matrix is not None:
            return self._sub(rows, cols)
        origins, destinations = self._latlon(rows), self._latlon(cols)
        matrix = self.network.matrix(origins, destinations)
        if not self.traffic or not hasattr(self.network, "durations_at"):
            return matrix
        timed = np.stack(
            [
                self.network.durations_at(origins, destinations, week_s=t)
                for t in SIMULATED_DEPARTURES_S
            ]
        )
        unreachable = (timed < 0).any(axis=0) | (matrix.durations_s < 0)
        durations = np.where(unreachable, UNREACHABLE, np.rint(timed.mean(axis=0)))
        return TravelMatrix(durations.astype(np.int64), matrix.distances_m)


class PairCache:
    """Travel between a team's points, computed on demand and kept (internal).

    The points are the reps' homes and the accounts (global indices). A territory's
    square matrix is read from the cache; the pairs it lacks are computed in one
    rectangular query (the rows and columns of the points with a missing pair), so that
    moving one account into a territory costs one row and one column, not the square.
    Above ``max_points`` points nothing is kept (the memory would grow as the square).

    Parameters
    ----------
    source
        Where travel times come from.
    points
        Every point, in the order of the global indices.
    max_points
        Largest team kept in memory.
    """

    def __init__(
        self, source: TerritoryTravel, points: Sequence[Location], max_points: int = 3000
    ) -> None:
        self.source, self.points = source, list(points)
        n = len(self.points) if len(self.points) <= max_points else 0
        self.known = np.zeros((n, n), dtype=bool)
        self.durations_s = np.zeros((n, n), dtype=np.int32)
        self.distances_m = np.zeros((n, n), dtype=np.int32)

    def square(self, ids: np.ndarray) -> TravelMatrix:
        """Return the square matrix over the points ``ids`` (global indices)."""
        ids = np.asarray(ids, dtype=np.int64)
        locations = [self.points[i] for i in ids]
        if not self.known.size:
            return self.source.among(locations)
        block = np.ix_(ids, ids)
        missing = ~self.known[block]
        if missing.any():
            fresh = missing.any(axis=0) | missing.any(axis=1)
            if fresh.sum() * 2 > ids.size:
                self._store(ids, ids, self.source.among(locations))
            else:
                new = ids[fresh]
                new_locations = [self.points[i] for i in new]
                self._store(new, ids, self.source.between(new_locations, locations))
                self._store(ids, new, self.source.between(locations, new_locations))
        return TravelMatrix(
            self.durations_s[block].astype(np.int64), self.distances_m[block].astype(np.int64)
        )

    def _store(self, rows: np.ndarray, cols: np.ndarray, matrix: TravelMatrix) -> None:
        block = np.ix_(rows, cols)
        self.durations_s[block] = matrix.durations_s
        self.distances_m[block] = matrix.distances_m
        self.known[block] = True
