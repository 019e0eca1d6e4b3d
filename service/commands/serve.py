"""``fieldroute serve``: run the HTTP service on the embedded defaults."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from service.app import create_app
from service.config import Settings, get_settings
from service.migrations import SchemaMismatchError
from solver.errors import NetworkNotFoundError
from solver.roads import build_network, list_networks

log = logging.getLogger(__name__)

#: The OSM extract the default network is built from on first start.
DEFAULT_EXTRACTS = {"malta": "malta-2016-11-09.osm.pbf"}


def ensure_default_network(settings: Settings) -> None:
    """Build the default network from the shipped extract when it is not prepared yet.

    Raises
    ------
    NetworkNotFoundError
        When the network is missing and no shipped extract is known for it.
    """
    networks_dir = settings.networks_dir
    prepared = list_networks(networks_dir) if networks_dir.is_dir() else []
    name = settings.default_network
    if any(info.name == name for info in prepared):
        return
    extract = DEFAULT_EXTRACTS.get(name)
    source = settings.osm_dir / extract if extract else None
    if source is None or not source.is_file():
        raise NetworkNotFoundError(
            f"Network '{name}' is not prepared in {networks_dir} and no shipped extract is "
            f"known for it; run `fieldroute network build` first."
        )
    log.warning("preparing network %s from %s (first start; takes a while)", name, source)
    networks_dir.mkdir(parents=True, exist_ok=True)
    info = build_network(source, name=name, networks_dir=networks_dir)
    log.warning("network %s ready: %d nodes, %d edges", name, info.nodes, info.edges)


def run_serve(args: argparse.Namespace) -> int:
    """Prepare the default network if needed, then serve with uvicorn."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    overrides: dict[str, object] = {}
    if args.dev:
        overrides["dev_mode"] = True
    if args.networks_dir is not None:
        overrides["networks_dir"] = args.networks_dir
    if overrides:
        settings = settings.model_copy(update=overrides)
    if not settings.dev_mode and not settings.api_keys:
        log.warning(
            "no FIELDROUTE_API_KEYS: only keys made with `fieldroute keys create` are accepted "
            "(use --dev locally)"
        )
    if not args.no_prepare:
        ensure_default_network(settings)
    try:
        app = create_app(settings)
    except SchemaMismatchError as exc:  # behind: refuse to start, saying what to run
        print(f"fieldroute serve: {exc}", file=sys.stderr)
        return 1
    # On SIGTERM or SIGINT uvicorn stops accepting, lets open requests finish (a
    # synchronous solve, at most the grace period), then the app's lifespan ends its
    # workers and puts unfinished jobs back in the queue.
    uvicorn.run(
        app,
        host=args.host or settings.host,
        port=args.port or settings.port,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API (default 127.0.0.1:8000)",
        description=(
            "Run the HTTP API on the embedded defaults: the default network (Malta) prepared "
            "on first start, SQLite job store, in-process workers. Settings come from "
            "FIELDROUTE_* environment variables."
        ),
    )
    parser.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default 8000)")
    parser.add_argument(
        "--dev", action="store_true", help="open dev mode: no API key required (local use only)"
    )
    parser.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="do not build the default network on first start",
    )
    parser.set_defaults(handler=run_serve)
