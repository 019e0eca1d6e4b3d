"""Prepared networks' metadata to the response shape."""

from __future__ import annotations

from service.networks.schemas import NetworkOut
from solver.roads import NetworkInfo


def network_out(info: NetworkInfo, default: str) -> NetworkOut:
    """Return a network's name, bbox, counts, source, build time, time zone, default flag."""
    return NetworkOut(
        name=info.name,
        bbox=[float(v) for v in info.bbox],
        nodes=int(info.nodes),
        edges=int(info.edges),
        source_file=str(info.source_file),
        source_sha256=info.source_sha256,
        built_at=str(info.built_at),
        timezone=info.timezone,
        default=info.name == default,
    )
