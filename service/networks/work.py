"""Reading the networks directory (cheap: metadata only, no network is loaded)."""

from __future__ import annotations

from pathlib import Path

from solver.roads import NetworkInfo, list_networks


def network_infos(networks_dir: str) -> list[NetworkInfo]:
    """Return the metadata of every network prepared in ``networks_dir`` ([] if none)."""
    directory = Path(networks_dir)
    if not directory.is_dir():
        return []
    return list_networks(directory)


def network_info(networks_dir: str, name: str) -> NetworkInfo | None:
    """Return the metadata of network ``name``, or None when it is not prepared."""
    return next((info for info in network_infos(networks_dir) if info.name == name), None)
