"""``fieldroute geocode ADDRESS...``: place addresses with the configured geocoder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from service.commands.common import run_reporting, runtime_config, write_output
from service.geocode.schemas import GeocodeRequest
from service.geocode.work import geocode_request


def run_geocode(args: argparse.Namespace) -> int:
    """Print one answer per address (the ``POST /v1/geocode`` response) as JSON.

    Bad input (an empty address, an unknown network) prints one sentence on stderr and
    exits with status 2.
    """
    body = {"queries": list(args.addresses), "min_quality": args.min_quality}
    if args.network:
        body["network"] = args.network

    def place() -> int:
        response = geocode_request(
            GeocodeRequest.model_validate(body), runtime_config(args.networks_dir)
        )
        text = json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False)
        write_output(args, (text + "\n").encode())
        return 0

    return run_reporting("fieldroute geocode", place, lambda: body)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute geocode``."""
    parser = subparsers.add_parser(
        "geocode",
        help="place addresses (offline from a network's extract, or Nominatim)",
        description=(
            "Place free-text addresses with the configured geocoder (FIELDROUTE_GEOCODER: "
            "offline, from the prepared network's own extract, or nominatim); print the "
            "POST /v1/geocode response."
        ),
    )
    parser.add_argument("addresses", nargs="+", metavar="ADDRESS")
    parser.add_argument("--network", default=None, help="network (default: the configured one)")
    parser.add_argument(
        "--min-quality",
        choices=("address", "interpolated", "street", "postcode", "city"),
        default="street",
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write to this file")
    parser.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    parser.set_defaults(handler=run_geocode)
