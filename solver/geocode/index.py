"""The offline address index: built from an OSM extract, saved beside a prepared network.

What goes in (one pass over the extract with pyosmium):

- every object with ``addr:housenumber`` and ``addr:street`` (or ``addr:place``): nodes,
  ways (buildings: the mean of their nodes) and multipolygon relations (the mean of the
  first outer ring);
- ``addr:interpolation`` ways whose end nodes carry house numbers;
- the named streets of the drive network (one point per way: its middle node), for
  street-level answers;
- ``place=city|town|village|suburb|hamlet`` nodes, for city-level answers.

Stored as one plain JSON file of columns (``addresses.json``, no pickle) beside
``graph.npz``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import osmium
from scipy.spatial import cKDTree

from solver.errors import NetworkBuildError, NetworkNotFoundError
from solver.roads.speeds import DEFAULT_SPEEDS_KMH, is_drivable

if TYPE_CHECKING:
    from solver.geocode.matcher import AddressIndex

INDEX_FILE = "addresses.json"
INDEX_VERSION = 1
AREA_RADIUS_M = 1000.0  # how far a neighbour's postcode / city is borrowed
_PLACES = ("city", "town", "village", "suburb", "hamlet", "municipality")
_DRIVE_TAGS = ("highway", "area", "service", "access", "vehicle", "motor_vehicle", "motorcar")
_INTERPOLATION_STEP = {"odd": 2, "even": 2, "all": 1}


@dataclass(slots=True)
class AddressColumns:
    """Columns of the index as read from / written to ``addresses.json``.

    Attributes
    ----------
    addresses
        ``{"street", "housenumber", "postcode", "city", "country", "lat", "lon",
        "area_postcode", "area_city"}`` lists, one value per addressed object (``""``
        where the tag is absent; ``area_*``: the tag, else the nearest neighbour's).
    interpolations
        ``{"street", "postcode", "city", "country", "first", "last", "step", "lats",
        "lons"}`` lists, one per ``addr:interpolation`` way (``lats``/``lons`` are
        the way's points).
    streets
        ``{"name", "lat", "lon"}`` lists, one per named drivable way (its middle node).
    places
        ``{"name", "kind", "lat", "lon"}`` lists, one per place node.
    """

    addresses: dict[str, list] = field(default_factory=dict)
    interpolations: dict[str, list] = field(default_factory=dict)
    streets: dict[str, list] = field(default_factory=dict)
    places: dict[str, list] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the JSON document (with its format version)."""
        return {
            "version": INDEX_VERSION,
            "addresses": self.addresses,
            "interpolations": self.interpolations,
            "streets": self.streets,
            "places": self.places,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> AddressColumns:
        """Read the JSON document written by :meth:`to_dict`."""
        if data.get("version") != INDEX_VERSION:
            raise ValueError(f"address index version {data.get('version')!r} is not supported")
        return cls(
            addresses=dict(data["addresses"]),
            interpolations=dict(data["interpolations"]),
            streets=dict(data["streets"]),
            places=dict(data["places"]),
        )


def _columns(*names: str) -> dict[str, list]:
    return {name: [] for name in names}


def _first_number(text: str) -> int | None:
    digits = ""
    for char in text.strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def read_address_columns(
    source: Path, *, speeds_kmh: Mapping[str, float] = DEFAULT_SPEEDS_KMH
) -> AddressColumns:
    """Read the addresses, interpolation lines, named streets and places of an extract.

    Parameters
    ----------
    source
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` extract.
    speeds_kmh
        Speed per highway class (decides which named ways are drivable streets).

    Returns
    -------
    AddressColumns
        The columns of the index.

    Raises
    ------
    NetworkBuildError
        When the file cannot be read.
    """
    cols = AddressColumns(
        addresses=_columns("street", "housenumber", "postcode", "city", "country", "lat", "lon"),
        interpolations=_columns(
            "street", "postcode", "city", "country", "first", "last", "step", "lats", "lons"
        ),
        streets=_columns("name", "lat", "lon"),
        places=_columns("name", "kind", "lat", "lon"),
    )
    numbered_nodes: dict[int, tuple[str, Mapping[str, str]]] = {}
    pending_lines: list[tuple[str, list[tuple[int, float, float]]]] = []

    def add_address(tags: Mapping[str, str], lat: float, lon: float) -> None:
        street = tags.get("addr:street") or tags.get("addr:place") or ""
        number = tags.get("addr:housenumber", "")
        if not street or not number:
            return
        a = cols.addresses
        a["street"].append(street)
        a["housenumber"].append(number)
        a["postcode"].append(tags.get("addr:postcode", ""))
        a["city"].append(tags.get("addr:city", ""))
        a["country"].append(tags.get("addr:country", ""))
        a["lat"].append(round(lat, 7))
        a["lon"].append(round(lon, 7))

    try:
        processor = (
            osmium.FileProcessor(str(source))
            .with_locations()
            .with_areas()
            .with_filter(
                osmium.filter.KeyFilter(
                    "addr:housenumber", "addr:interpolation", "highway", "place"
                )
            )
        )
        for obj in processor:
            tags = dict(obj.tags)
            if obj.is_node():
                location = obj.location
                if not location.valid():
                    continue
                if "addr:housenumber" in tags:
                    add_address(tags, location.lat, location.lon)
                    numbered_nodes[obj.id] = (tags["addr:housenumber"], tags)
                if tags.get("place") in _PLACES and tags.get("name"):
                    p = cols.places
                    p["name"].append(tags["name"])
                    p["kind"].append(tags["place"])
                    p["lat"].append(round(location.lat, 7))
                    p["lon"].append(round(location.lon, 7))
            elif obj.is_way():
                points = [
                    (node.ref, node.location.lat, node.location.lon)
                    for node in obj.nodes
                    if node.location.valid()
                ]
                if not points:
                    continue
                if "addr:interpolation" in tags:
                    pending_lines.append((tags["addr:interpolation"], points))
                    continue
                if "addr:housenumber" in tags:
                    ring = points[:-1] if len(points) > 1 and points[0] == points[-1] else points
                    add_address(
                        tags,
                        sum(p[1] for p in ring) / len(ring),
                        sum(p[2] for p in ring) / len(ring),
                    )
                name = tags.get("name")
                if name and is_drivable({k: tags[k] for k in _DRIVE_TAGS if k in tags}, speeds_kmh):
                    middle = points[len(points) // 2]
                    s = cols.streets
                    s["name"].append(name)
                    s["lat"].append(round(middle[1], 7))
                    s["lon"].append(round(middle[2], 7))
            elif obj.is_area() and not obj.from_way() and "addr:housenumber" in tags:
                for ring in obj.outer_rings():
                    located = [n.location for n in ring if n.location.valid()]
                    if len(located) > 1 and located[0] == located[-1]:
                        located.pop()  # a closed ring repeats its first node
                    if located:
                        add_address(
                            tags,
                            sum(loc.lat for loc in located) / len(located),
                            sum(loc.lon for loc in located) / len(located),
                        )
                    break
    except (RuntimeError, OSError) as exc:
        raise NetworkBuildError(f"OSM extract '{source}': cannot be read ({exc}).") from exc

    for kind, points in pending_lines:
        _add_interpolation(cols, kind, points, numbered_nodes)
    _infer_areas(cols.addresses)
    return cols


def _infer_areas(a: dict[str, list]) -> None:
    """Fill ``area_postcode`` / ``area_city``: the tag, else that of the nearest neighbour.

    Many objects carry only street and number; the postcode and city of the nearest
    address that has them (within :data:`AREA_RADIUS_M`) tell two equal street names
    in different towns apart. The tags themselves stay as they were.
    """
    count = len(a["street"])
    lat = np.asarray(a["lat"], dtype=np.float64)
    lon = np.asarray(a["lon"], dtype=np.float64)
    xy = (
        np.column_stack(
            (np.radians(lon) * np.cos(np.radians(lat.mean() if count else 0.0)), np.radians(lat))
        )
        * 6_371_000.0
    )
    for tag, column in (("postcode", "area_postcode"), ("city", "area_city")):
        values = list(a[tag])
        known = [row for row in range(count) if values[row]]
        if known and len(known) < count:
            tree = cKDTree(xy[known])
            missing = [row for row in range(count) if not values[row]]
            distance, nearest = tree.query(xy[missing], distance_upper_bound=AREA_RADIUS_M)
            for row, d, k in zip(missing, distance, nearest, strict=True):
                if np.isfinite(d):
                    values[row] = a[tag][known[k]]
        a[column] = values


def _add_interpolation(
    cols: AddressColumns,
    kind: str,
    points: list[tuple[int, float, float]],
    numbered_nodes: Mapping[int, tuple[str, Mapping[str, str]]],
) -> None:
    """Add the numbered stretches of an interpolation way (between numbered nodes)."""
    step = _INTERPOLATION_STEP.get(kind)
    if step is None:
        step = int(kind) if kind.isdigit() and int(kind) > 0 else None
    if step is None:
        return
    start = None
    for position, (ref, _lat, _lon) in enumerate(points):
        if ref not in numbered_nodes:
            continue
        if start is not None:
            first_text, first_tags = numbered_nodes[points[start][0]]
            last_text, _ = numbered_nodes[ref]
            first, last = _first_number(first_text), _first_number(last_text)
            street = first_tags.get("addr:street", "")
            if first is not None and last is not None and first != last and street:
                stretch = points[start : position + 1]
                i = cols.interpolations
                i["street"].append(street)
                i["postcode"].append(first_tags.get("addr:postcode", ""))
                i["city"].append(first_tags.get("addr:city", ""))
                i["country"].append(first_tags.get("addr:country", ""))
                i["first"].append(first)
                i["last"].append(last)
                i["step"].append(step)
                i["lats"].append([round(p[1], 7) for p in stretch])
                i["lons"].append([round(p[2], 7) for p in stretch])
        start = position


def save_address_columns(columns: AddressColumns, path: Path) -> None:
    """Write the index as ``addresses.json`` (plain JSON).

    Parameters
    ----------
    columns
        What :func:`read_address_columns` read.
    path
        File to write.
    """
    Path(path).write_text(json.dumps(columns.to_dict(), ensure_ascii=False, separators=(",", ":")))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> AddressIndex:
    from solver.geocode.matcher import AddressIndex  # the matcher imports this module

    return AddressIndex(AddressColumns.from_dict(json.loads(Path(path).read_text())))


def load_address_index(name: str, *, networks_dir: Path) -> AddressIndex:
    """Load the address index of a prepared network (once per process, then cached).

    Parameters
    ----------
    name
        Name of the network, as given to :func:`solver.roads.build_network`.
    networks_dir
        Directory of prepared networks.

    Returns
    -------
    AddressIndex
        The index, ready for :func:`solver.geocode.geocode`.

    Raises
    ------
    NetworkNotFoundError
        When the network does not exist, or was built before address indexes (rebuild
        it with ``fieldroute network build``).
    """
    folder = Path(networks_dir) / name
    path = folder / INDEX_FILE
    if not path.is_file():
        if not folder.is_dir():
            raise NetworkNotFoundError(f"Road network '{name}': not found in {networks_dir}.")
        raise NetworkNotFoundError(
            f"Road network '{name}': has no address index (built before addresses were "
            f"indexed); rebuild it with 'fieldroute network build FILE --name {name}'."
        )
    return _load_cached(str(path), path.stat().st_mtime_ns)
