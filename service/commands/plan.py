"""``fieldroute plan REQUEST.json``: plan a day from a file, print the plan as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from service.config import get_settings


def run_plan(args: argparse.Namespace) -> int:
    """Plan the day described by the request file and print the response JSON.

    The file holds the body of ``POST /v1/day-plans``; the output is that endpoint's
    response (or its GeoJSON with ``--format geojson``). Bad input prints the one error
    sentence to stderr and exits with status 2.
    """
    from service.errors import describe_validation_error, domain_status
    from service.runtime import RuntimeConfig, solve_day_plan
    from service.schemas import day_plan_geojson

    settings = get_settings()
    if args.networks_dir is not None:
        settings = settings.model_copy(update={"networks_dir": args.networks_dir})
    config = RuntimeConfig.from_settings(settings)
    try:
        text = sys.stdin.read() if str(args.request) == "-" else args.request.read_text()
        body = json.loads(text)
    except (OSError, ValueError) as exc:
        print(f"fieldroute plan: cannot read {args.request}: {exc}", file=sys.stderr)
        return 2
    try:
        result = solve_day_plan(body, config)
    except ValidationError as exc:
        detail, _ = describe_validation_error(exc.errors()[0], body)
        print(f"fieldroute plan: {detail}", file=sys.stderr)
        return 2
    except Exception as exc:
        if domain_status(exc) is None:
            raise
        print(f"fieldroute plan: {exc}", file=sys.stderr)
        return 2
    if args.format == "geojson":
        result = day_plan_geojson(result)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n")
    else:
        print(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute plan``."""
    parser = subparsers.add_parser(
        "plan",
        help="plan a day from a request JSON file and print the plan as JSON",
        description=(
            "Plan a day. REQUEST.json is the body of POST /v1/day-plans (use - for stdin); "
            "the output is the endpoint's response."
        ),
    )
    parser.add_argument("request", type=Path, metavar="REQUEST.json")
    parser.add_argument("--format", choices=("json", "geojson"), default="json")
    parser.add_argument("--output", "-o", type=Path, default=None, help="write to this file")
    parser.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    parser.set_defaults(handler=run_plan)
