"""``fieldroute network build|list|info|export``: prepare road networks from OSM extracts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.commands.common import with_hint
from service.commands.traffic import build_profile, register_calibrate
from service.config import get_settings
from solver.errors import FieldrouteError
from solver.roads import build_network, list_networks, load_network


def _networks_dir(args: argparse.Namespace) -> Path:
    if args.networks_dir is not None:
        return Path(args.networks_dir)
    return Path(get_settings().networks_dir)


def _describe(info_dict: dict) -> str:
    min_lon, min_lat, max_lon, max_lat = info_dict["bbox"]
    return "\n".join(
        [
            f"name:        {info_dict['name']}",
            f"source:      {info_dict['source_file']}",
            f"sha256:      {info_dict['source_sha256']}",
            f"built at:    {info_dict['built_at']} ({info_dict['build_s']:.1f} s)",
            f"nodes:       {info_dict['nodes']}",
            f"edges:       {info_dict['edges']} (directed)",
            f"bbox:        lon {min_lon:.5f}..{max_lon:.5f}, lat {min_lat:.5f}..{max_lat:.5f}",
            "time zone:   "
            + (
                info_dict.get("timezone")
                or "not recorded (built by an older version; exports use the zone at the "
                "bbox centre; rebuild to record it)"
            ),
        ]
    )


def run_build(args: argparse.Namespace) -> int:
    """Prepare a network from an OSM extract into the networks directory."""
    speeds: dict[str, float] = {}
    for item in args.speed or []:
        highway, _, value = item.partition("=")
        try:
            speeds[highway] = float(value)
        except ValueError:
            print(
                f"fieldroute network build: --speed {item!r} is not HIGHWAY=KMH.", file=sys.stderr
            )
            return 2
    if (args.file is None) == (args.graphml is None):
        print(
            "fieldroute network build: give an OSM extract FILE or --graphml FILE.", file=sys.stderr
        )
        return 2
    if args.graphml is not None and not args.graphml.name.lower().endswith(".graphml"):
        print(
            f"fieldroute network build: --graphml {args.graphml} must end in .graphml.",
            file=sys.stderr,
        )
        return 2
    try:
        info = build_network(
            args.file or args.graphml,
            name=args.name,
            networks_dir=_networks_dir(args),
            speeds_kmh=speeds,
            profile=build_profile(args),
        )
    except ModuleNotFoundError as exc:  # --graphml without the osmnx extra
        print(f"fieldroute network build: {exc}", file=sys.stderr)
        return 2
    except FieldrouteError as exc:
        print(f"fieldroute network build: {with_hint(exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
    else:
        print(f"Prepared network '{info.name}' in {_networks_dir(args) / info.name}")
        print(_describe(info.to_dict()))
    return 0


def run_list(args: argparse.Namespace) -> int:
    """List the prepared networks."""
    infos = list_networks(_networks_dir(args))
    if args.json:
        print(json.dumps([info.to_dict() for info in infos], indent=2))
        return 0
    if not infos:
        print(f"No prepared networks in {_networks_dir(args)}.")
        return 0
    print(f"{'NAME':<20} {'NODES':>8} {'EDGES':>8}  {'BUILT AT':<25} SOURCE")
    for info in infos:
        print(
            f"{info.name:<20} {info.nodes:>8} {info.edges:>8}  {info.built_at:<25} "
            f"{info.source_file}"
        )
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Show one prepared network's metadata."""
    try:
        infos = {info.name: info for info in list_networks(_networks_dir(args))}
        if args.name not in infos:
            load_network(args.name, networks_dir=_networks_dir(args), prepare=False)
    except FieldrouteError as exc:
        print(f"fieldroute network info: {with_hint(exc)}", file=sys.stderr)
        return 1
    data = infos[args.name].to_dict()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(_describe(data))
        speeds = ", ".join(f"{k} {v:g}" for k, v in sorted(data["speeds_kmh"].items()))
        print(f"speeds km/h: {speeds}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write a prepared network as GraphML for osmnx and networkx."""
    from solver.roads.graphml import save_graphml

    try:
        network = load_network(args.name, networks_dir=_networks_dir(args), prepare=False)
        path = save_graphml(network, args.graphml)
    except FieldrouteError as exc:
        print(f"fieldroute network export: {with_hint(exc)}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as exc:
        print(f"fieldroute network export: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote network '{args.name}' as GraphML to {path} (osmnx: ox.load_graphml)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute network build|list|info``."""
    parser = subparsers.add_parser(
        "network",
        help="prepare road networks from OpenStreetMap extracts",
        description="Prepare, list and describe road networks.",
    )
    commands = parser.add_subparsers(dest="network_command", required=True, metavar="ACTION")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--networks-dir",
            type=Path,
            default=None,
            help="directory of prepared networks (default: settings, FIELDROUTE_NETWORKS_DIR)",
        )
        sub.add_argument("--json", action="store_true", help="print JSON")

    build = commands.add_parser(
        "build", help="prepare a network from a .osm, .osm.bz2 or .osm.pbf extract"
    )
    build.add_argument("file", type=Path, nargs="?", help="OpenStreetMap extract")
    build.add_argument(
        "--graphml",
        type=Path,
        metavar="FILE",
        help="build from a graph saved by osmnx (ox.save_graphml) instead of an extract",
    )
    build.add_argument("--name", required=True, help="name of the network")
    build.add_argument(
        "--speed",
        action="append",
        metavar="HIGHWAY=KMH",
        help="override a default speed, e.g. --speed residential=25 (repeatable)",
    )
    build.add_argument("--profile", type=Path, default=None, help="speed profile file (JSON)")
    common(build)
    build.set_defaults(handler=run_build)
    register_calibrate(commands, common)

    listing = commands.add_parser("list", help="list prepared networks")
    common(listing)
    listing.set_defaults(handler=run_list)

    info = commands.add_parser("info", help="show a prepared network's metadata")
    info.add_argument("name", help="name of the network")
    common(info)
    info.set_defaults(handler=run_info)

    export = commands.add_parser(
        "export", help="write a prepared network as GraphML (osmnx, networkx)"
    )
    export.add_argument("name", help="name of the network")
    export.add_argument("--graphml", type=Path, required=True, metavar="FILE", help="target")
    common(export)
    export.set_defaults(handler=run_export)
