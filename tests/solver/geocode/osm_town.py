"""A hand-written OSM town for the geocoder tests (XML written by the test)."""

from pathlib import Path

from tests.osm_files import write_osm

LAT0, LON0 = 47.0, 9.5
# node id -> (dlat, dlon, tags); 0.001 deg of latitude is about 111 m
NODES = {
    1: (0.000, 0.000, {}),
    2: (0.000, 0.004, {}),
    3: (0.004, 0.000, {}),
    4: (0.004, 0.004, {}),
    5: (0.020, 0.000, {}),  # Triesen, 2.2 km north
    6: (0.020, 0.004, {}),
    # addresses as nodes
    10: (
        0.0003,
        0.001,
        {
            "addr:street": "Nørrebrogade",
            "addr:housenumber": "12",
            "addr:postcode": "2200",
            "addr:city": "København",
        },
    ),
    11: (
        0.0003,
        0.002,
        {
            "addr:street": "Nørrebrogade",
            "addr:housenumber": "14",
            "addr:postcode": "2200",
            "addr:city": "København",
        },
    ),
    12: (
        0.0003,
        0.003,
        {
            "addr:street": "Hauptstrasse",
            "addr:housenumber": "5",
            "addr:postcode": "9490",
            "addr:city": "Vaduz",
        },
    ),
    13: (
        0.0203,
        0.001,
        {
            "addr:street": "Hauptstrasse",
            "addr:housenumber": "5",
            "addr:postcode": "9495",
            "addr:city": "Triesen",
        },
    ),
    # a building outline (way 30) and a multipolygon building (relation 40)
    20: (0.002, 0.001, {}),
    21: (0.002, 0.0012, {}),
    22: (0.0022, 0.0012, {}),
    23: (0.0022, 0.001, {}),
    24: (0.003, 0.003, {}),
    25: (0.003, 0.0032, {}),
    26: (0.0032, 0.0032, {}),
    27: (0.0032, 0.003, {}),
    # an interpolation line: Triq il-Kbira 1 .. 9 (odd)
    50: (
        0.001,
        0.000,
        {
            "addr:street": "Triq il-Kbira",
            "addr:housenumber": "1",
            "addr:postcode": "MST 1000",
            "addr:city": "Mosta",
        },
    ),
    51: (
        0.001,
        0.004,
        {
            "addr:street": "Triq il-Kbira",
            "addr:housenumber": "9",
            "addr:postcode": "MST 1000",
            "addr:city": "Mosta",
        },
    ),
    60: (0.010, 0.002, {"place": "village", "name": "Lindau am Weg"}),
}
WAYS = [
    (100, [1, 2], {"highway": "residential", "name": "Nørrebrogade"}),
    (101, [1, 3], {"highway": "residential", "name": "Rue Grimaldi"}),
    (102, [3, 4], {"highway": "residential", "name": "Lindenweg"}),  # no address on it
    (103, [2, 4], {"highway": "residential", "name": "Hauptstrasse"}),
    (104, [5, 6], {"highway": "residential", "name": "Hauptstrasse"}),
    (105, [2, 5], {"highway": "primary"}),
    (106, [1, 5], {"highway": "footway", "name": "Fussweg"}),  # not a drive street
    (
        30,
        [20, 21, 22, 23, 20],
        {
            "building": "yes",
            "addr:street": "Rue Grimaldi",
            "addr:housenumber": "7",
            "addr:postcode": "98000",
            "addr:city": "Monaco",
        },
    ),
    (131, [24, 25, 26, 27, 24], {}),
    (132, [50, 51], {"addr:interpolation": "odd"}),
]
RELATIONS = [
    (
        40,
        [("w", 131, "outer")],
        {
            "type": "multipolygon",
            "building": "yes",
            "addr:street": "Rue Grimaldi",
            "addr:housenumber": "9",
            "addr:postcode": "98000",
            "addr:city": "Monaco",
        },
    ),
]


def point(node: int) -> tuple[float, float]:
    dlat, dlon, _ = NODES[node]
    return LAT0 + dlat, LON0 + dlon


def write_town(path: Path) -> Path:
    """Write the town as OSM XML (tagged nodes, ways in id order, relations)."""
    return write_osm(
        path,
        {ident: (LAT0 + dlat, LON0 + dlon) for ident, (dlat, dlon, _) in NODES.items()},
        sorted(WAYS, key=lambda way: way[0]),
        node_tags={ident: tags for ident, (_, _, tags) in NODES.items()},
        relations=RELATIONS,
    )
