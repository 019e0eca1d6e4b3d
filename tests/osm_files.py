"""Hand-written OSM XML extracts for tests (nodes at known coordinates, tagged ways)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

from solver.roads import RoadNetwork, build_network, load_network


def write_osm(
    path: Path,
    nodes: dict[int, tuple[float, float]],
    ways: Sequence[tuple[int, list[int], dict]],
    *,
    node_tags: Mapping[int, dict] | None = None,
    relations: Sequence[tuple[int, list[tuple[str, int, str]], dict]] = (),
) -> Path:
    """Write ``nodes`` (id -> lat, lon) and ``ways`` (id, node ids, tags) as OSM XML.

    ``node_tags`` tags some nodes (id -> tags); ``relations`` are (id, members, tags)
    with members ``("w" or "n", ref, role)``. Tag values are escaped.
    """
    node_tags = node_tags or {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for ident, (lat, lon) in nodes.items():
        tags = node_tags.get(ident)
        if not tags:
            lines.append(f'<node id="{ident}" version="1" lat="{lat}" lon="{lon}"/>')
            continue
        lines.append(f'<node id="{ident}" version="1" lat="{lat}" lon="{lon}">')
        lines += _tags(tags)
        lines.append("</node>")
    for ident, refs, tags in ways:
        lines.append(f'<way id="{ident}" version="1">')
        lines += [f'<nd ref="{ref}"/>' for ref in refs]
        lines += _tags(tags)
        lines.append("</way>")
    for ident, members, tags in relations:
        lines.append(f'<relation id="{ident}" version="1">')
        lines += [
            f'<member type="{"way" if kind == "w" else "node"}" ref="{ref}" role="{role}"/>'
            for kind, ref, role in members
        ]
        lines += _tags(tags)
        lines.append("</relation>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _tags(tags: Mapping[str, str]) -> list[str]:
    return [f"<tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in tags.items()]


def network_of(folder: Path, name: str, nodes, ways, **load) -> RoadNetwork:
    """Build and load a network from hand-written nodes and ways."""
    source = write_osm(folder / f"{name}.osm", nodes, ways)
    build_network(source, name=name, networks_dir=folder)
    return load_network(name, networks_dir=folder, **load)
