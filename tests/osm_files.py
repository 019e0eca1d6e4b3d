"""Hand-written OSM XML extracts for tests (nodes at known coordinates, tagged ways)."""

from __future__ import annotations

from pathlib import Path

from solver.roads import RoadNetwork, build_network, load_network


def write_osm(
    path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]
) -> Path:
    """Write ``nodes`` (id -> lat, lon) and ``ways`` (id, node ids, tags) as OSM XML."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for ident, (lat, lon) in nodes.items():
        lines.append(f'<node id="{ident}" version="1" lat="{lat}" lon="{lon}"/>')
    for ident, refs, tags in ways:
        lines.append(f'<way id="{ident}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines))
    return path


def network_of(folder: Path, name: str, nodes, ways, **load) -> RoadNetwork:
    """Build and load a network from hand-written nodes and ways."""
    source = write_osm(folder / f"{name}.osm", nodes, ways)
    build_network(source, name=name, networks_dir=folder)
    return load_network(name, networks_dir=folder, **load)
