"""``fieldroute plan REQUEST.json``: plan a day from a file, print the plan as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from service.commands.common import read_json, run_reporting, runtime_config, write_output
from service.day_plans.convert import day_plan_geojson
from service.day_plans.schemas import DayPlanRequest
from service.day_plans.work import plan_day_request


def run_plan(args: argparse.Namespace) -> int:
    """Plan the day described by the request file and print the response JSON.

    The file holds the body of ``POST /v1/day-plans``; the output is that endpoint's
    response (or its GeoJSON with ``--format geojson``). Bad input prints the one error
    sentence to stderr and exits with status 2.
    """
    read: dict[str, Any] = {}

    def plan() -> int:
        read["body"] = read_json(args.request, "")
        response = plan_day_request(
            DayPlanRequest.model_validate(read["body"]), runtime_config(args.networks_dir)
        )
        if args.format == "geojson":
            result = day_plan_geojson(response)
        else:
            result = response.model_dump(mode="json")
        text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        write_output(args, text.encode())
        return 0

    return run_reporting("fieldroute plan", plan, lambda: read.get("body"))


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
