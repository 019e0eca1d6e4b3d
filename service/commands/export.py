"""``fieldroute export ics|gpx|links REQUEST.json``: a day plan for the rep's phone.

The request file is the body of ``POST /v1/day-plans``. Without ``--plan`` the day is
planned first (as ``fieldroute plan`` does); with ``--plan PLAN.json`` (a response of
that endpoint, or of ``fieldroute plan``) the given plan is exported as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.commands.common import (
    CommandError,
    read_json,
    run_reporting,
    runtime_config,
    write_output,
)
from service.day_plans.convert import to_plan, to_problem
from service.day_plans.schemas import DayPlanRequest, DayPlanResponse
from service.day_plans.work import plan_day_request
from solver.errors import NetworkNotFoundError
from solver.exports import plan_for_rep, plan_to_gpx, plan_to_ics, route_links
from solver.roads import network_local_timezone

#: Export format -> (what it is, default file suffix).
FORMATS = {
    "ics": ("iCalendar file, one event per visit", "ics"),
    "gpx": ("GPX 1.1: waypoints, a route per rep, tracks along the roads", "gpx"),
    "links": ("JSON: navigation URLs and geo: URIs per rep", "json"),
}


#: Bad input for ``fieldroute export`` (printed as one line, exit status 2).
ExportError = CommandError


def export_day_plan(
    request: dict[str, Any],
    what: str,
    *,
    plan: DayPlanResponse | dict[str, Any] | None = None,
    networks_dir: Path | None = None,
    rep_id: str | None = None,
    tzname: str | None = None,
) -> bytes:
    """Return the export of a day plan as file content.

    Parameters
    ----------
    request
        Body of ``POST /v1/day-plans``.
    what
        ``"ics"``, ``"gpx"`` or ``"links"``.
    plan
        A day-plan response for that request; ``None`` plans the day now.
    networks_dir
        Prepared networks (default: the settings').
    rep_id
        Only this rep's route.
    tzname
        IANA time zone of the plan's times (``ics`` and ``gpx``); ``None``: the road
        network's time zone (floating times for a plan on an explicit matrix).

    Returns
    -------
    bytes
        The file content (UTF-8 for GPX and links).

    Raises
    ------
    ExportError
        When the time zone is unknown or the plan visits accounts the request lacks.
    """
    if tzname is not None:
        try:
            ZoneInfo(tzname)
        except (ZoneInfoNotFoundError, ValueError):
            raise ExportError(
                f"--tz {tzname!r} is not an IANA time zone such as Europe/Malta."
            ) from None
    config = runtime_config(networks_dir)
    parsed = DayPlanRequest.model_validate(request)
    problem = to_problem(parsed, default_network=config.default_network)
    response = DayPlanResponse.model_validate(plan) if plan is not None else None
    if response is None:
        response = plan_day_request(parsed, config)
    day_plan = to_plan(response, locations=False)  # stops placed from the problem
    known = {account.id for account in problem.accounts}
    for route in day_plan.routes:
        for account_id in route.account_ids:
            if account_id not in known:
                raise ExportError(
                    f"the plan visits account '{account_id}', which the request does not have."
                )
    if rep_id is not None:
        day_plan = plan_for_rep(day_plan, rep_id)
    if tzname is None and problem.network is not None:
        try:
            tzname = network_local_timezone(problem.network, networks_dir=Path(config.networks_dir))
        except NetworkNotFoundError:
            print(
                f"fieldroute export: network '{problem.network}' is not prepared here, so its "
                "time zone is unknown: calendar times are floating and GPX points have no "
                "time (give --tz).",
                file=sys.stderr,
            )
    if what == "ics":
        return plan_to_ics(day_plan, problem, tzname=tzname)
    if what == "gpx":
        return plan_to_gpx(day_plan, problem, tzname=tzname).encode()
    return (json.dumps(route_links(day_plan, problem), indent=2) + "\n").encode()


def run_export(args: argparse.Namespace) -> int:
    """Write the export to ``--output`` or stdout; exit 2 with one sentence on bad input."""
    read: dict[str, Any] = {}

    def export() -> int:
        read["request"] = request = read_json(args.request, "the request ")
        plan = read_json(args.plan, "the plan ") if args.plan is not None else None
        if plan is not None and (not isinstance(plan, dict) or "routes" not in plan):
            raise CommandError(f"{args.plan} is not a day-plan response (it has no 'routes').")
        content = export_day_plan(
            request,
            args.format,
            plan=plan,
            networks_dir=args.networks_dir,
            rep_id=args.rep,
            tzname=args.tz,
        )
        write_output(args, content)
        return 0

    return run_reporting("fieldroute export", export, lambda: read.get("request"))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute export``."""
    formats = "; ".join(f"{name}: {text}" for name, (text, _) in FORMATS.items())
    parser = subparsers.add_parser(
        "export",
        help="export a day plan as a calendar (ics), GPX or navigation links",
        description=(
            "Export a day plan for reps. REQUEST.json is the body of POST /v1/day-plans "
            f"(- for stdin); the day is planned unless --plan gives the plan. {formats}."
        ),
    )
    parser.add_argument("format", choices=tuple(FORMATS), help="what to write")
    parser.add_argument("request", type=Path, metavar="REQUEST.json")
    parser.add_argument(
        "--plan", type=Path, default=None, metavar="PLAN.json", help="a day-plan response to use"
    )
    parser.add_argument("--output", "-o", type=Path, default=None, help="write to this file")
    parser.add_argument("--rep", default=None, help="only this rep's route")
    parser.add_argument(
        "--tz",
        default=None,
        help="IANA time zone of the plan's times (e.g. Europe/Malta); default: the road network's",
    )
    parser.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    parser.set_defaults(handler=run_export)
