"""Territory polygons: the union of each rep's accounts' Voronoi cells, as GeoJSON.

The Voronoi diagram of all account points (shapely / GEOS) is clipped to the area the
territories cover: the convex hull of the served area (on a road network, its roads'
outline, so that coasts and the network's edges are assigned too), the accounts and
the homes, buffered by :data:`HULL_BUFFER_DEG`. Each rep's polygon is the union of the
cells of its accounts. Accounts at the same point share one cell (it goes to the rep of
the first of them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import mapping

from solver.model import Location

#: Margin around the convex hull of the points, degrees (about 1 km).
HULL_BUFFER_DEG = 0.01


def territory_polygons(
    account_locations: Sequence[Location],
    rep_of: Sequence[int],
    n_reps: int,
    home_locations: Sequence[Location] = (),
    area: shapely.Geometry | None = None,
) -> list[dict | None]:
    """Return one GeoJSON geometry per rep (``None`` for a rep without accounts).

    Parameters
    ----------
    account_locations
        Geographic locations of the accounts.
    rep_of
        Index of each account's rep.
    n_reps
        Number of reps.
    home_locations
        Reps' homes, included in the clipping hull.
    area
        The area to cover, ``(lon, lat)`` degrees, e.g. a road network's
        :meth:`~solver.roads.RoadNetwork.outline`; ``None`` covers only the hull of
        the accounts and homes.

    Returns
    -------
    list[dict | None]
        GeoJSON ``Polygon``/``MultiPolygon`` geometries ([lon, lat] pairs), by rep index.
    """
    if not account_locations or not all(loc.is_geo for loc in account_locations):
        return [None] * n_reps
    coords = np.asarray([(loc.lon, loc.lat) for loc in account_locations])
    points = shapely.points(coords)
    hull_points = list(points) + [shapely.Point(h.lon, h.lat) for h in home_locations if h.is_geo]
    hull = shapely.MultiPoint(hull_points).convex_hull
    if area is not None:
        hull = shapely.union(hull, area).convex_hull
    hull = hull.buffer(HULL_BUFFER_DEG)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=hull))
    # map each cell to the first account point inside it
    tree = shapely.STRtree(points)
    cell_idx, point_idx = tree.query(cells, predicate="contains")
    owner = np.full(len(cells), -1)
    for c, p in zip(cell_idx[::-1], point_idx[::-1], strict=True):
        owner[c] = p  # reversed: the lowest point index wins
    rep_of = np.asarray(rep_of)
    cells_of_rep: list[list[shapely.Geometry]] = [[] for _ in range(n_reps)]
    for c in np.flatnonzero(owner >= 0):
        cells_of_rep[rep_of[owner[c]]].append(cells[c])
    geometries: list[dict | None] = []
    for mine in cells_of_rep:
        if not mine:
            geometries.append(None)
            continue
        shape = shapely.intersection(shapely.union_all(mine), hull)
        geometries.append(mapping(shape))
    return geometries
