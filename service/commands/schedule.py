"""``fieldroute schedule REQUEST.json``: plan a visit schedule from a file, print it as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from service.commands.common import read_json, run_reporting, runtime_config, write_output
from service.schedules.schemas import ScheduleRequest
from service.schedules.work import plan_schedule_request


def run_schedule(args: argparse.Namespace) -> int:
    """Plan the schedule described by the request file and print the response JSON.

    The file holds the body of ``POST /v1/visit-schedules``; the output is that
    endpoint's response. Bad input prints the one error sentence to stderr and exits
    with status 2.
    """
    read: dict[str, Any] = {}

    def plan() -> int:
        read["body"] = read_json(args.request, "")
        request = ScheduleRequest.model_validate(read["body"])
        if args.time_limit_s is not None:
            request.options.time_limit_s = args.time_limit_s
        response = plan_schedule_request(request, runtime_config(args.networks_dir))
        text = json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False)
        write_output(args, (text + "\n").encode())
        return 0

    return run_reporting("fieldroute schedule", plan, lambda: read.get("body"))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute schedule``."""
    parser = subparsers.add_parser(
        "schedule",
        help="plan a visit schedule (call cycle) from a request JSON file; print it as JSON",
        description=(
            "Plan a visit schedule. REQUEST.json is the body of POST /v1/visit-schedules "
            "(use - for stdin); the output is the endpoint's response."
        ),
    )
    parser.add_argument("request", type=Path, metavar="REQUEST.json")
    parser.add_argument(
        "--time-limit-s", type=float, default=None, help="override options.time_limit_s"
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write to this file")
    parser.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    parser.set_defaults(handler=run_schedule)
