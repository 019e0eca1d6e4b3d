"""Real points of interest from an OSM extract, as a pharma rep's accounts.

Used by the notebooks of this folder. A pharma rep calls on pharmacies, doctors,
clinics and hospitals; OpenStreetMap tags them ``amenity=pharmacy|doctors|clinic|
hospital|dentist`` (or ``healthcare=*``). Ways (a building outline) are placed at the
mean of their nodes. Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import osmium

#: OSM kind -> (visits per 4 weeks, visit duration in seconds) of a pharma rep.
CALL_PLAN = {
    "pharmacy": (2.0, 1200),
    "doctors": (4.0, 1800),
    "clinic": (4.0, 1800),
    "hospital": (4.0, 2700),
    "dentist": (1.0, 1200),
}


@dataclass(frozen=True)
class Poi:
    """A named place from OSM: id (``n123``/``w456``), kind, name, lat and lon (degrees)."""

    id: str
    kind: str
    name: str
    lat: float
    lon: float


def read_healthcare_pois(path: Path) -> list[Poi]:
    """Return the pharmacies, doctors, clinics, hospitals and dentists of an extract.

    Parameters
    ----------
    path
        An ``.osm.pbf`` (or ``.osm``) extract.

    Returns
    -------
    list of Poi
        In file order; unnamed places are named after their kind and OSM id.
    """
    pois = []
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("amenity", "healthcare"))
    )
    for obj in processor:
        if obj.is_relation():
            continue
        tags = obj.tags
        kind = tags.get("amenity") or tags.get("healthcare")
        kind = {"doctor": "doctors"}.get(kind, kind)
        if kind not in CALL_PLAN:
            continue
        if obj.is_node():
            lat, lon = obj.location.lat, obj.location.lon
        else:
            located = [node.location for node in obj.nodes if node.location.valid()]
            if not located:
                continue
            lat = sum(loc.lat for loc in located) / len(located)
            lon = sum(loc.lon for loc in located) / len(located)
        ident = f"{obj.type_str()}{obj.id}"
        name = tags.get("name") or f"{kind.title()} {ident}"
        pois.append(Poi(ident, kind, name, float(lat), float(lon)))
    return pois
