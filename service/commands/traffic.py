"""``fieldroute network calibrate`` and the ``--profile`` option of ``network build``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from service.commands.common import with_hint
from service.config import get_settings
from solver.errors import FieldrouteError
from solver.roads import load_network
from solver.roads.calibrate import calibrate_profile, read_trips
from solver.roads.catalog import save_network_profile
from solver.roads.profile import SpeedProfile, load_profile


def build_profile(args: argparse.Namespace) -> SpeedProfile | None:
    """Read ``--profile FILE`` of ``network build`` (None when not given)."""
    return None if args.profile is None else load_profile(args.profile)


def run_calibrate(args: argparse.Namespace) -> int:
    """Fit the network's speed profile to observed trips and keep it with the network."""
    networks_dir = Path(args.networks_dir or get_settings().networks_dir)
    try:
        network = load_network(args.name, networks_dir=networks_dir)
        base = load_profile(args.base) if args.base is not None else None
        trips = read_trips(args.trips)
        report = calibrate_profile(network, trips, base=base, holdout=args.holdout, seed=args.seed)
        if not args.dry_run:
            save_network_profile(args.name, report.profile, networks_dir=networks_dir)
    except FieldrouteError as exc:
        print(f"fieldroute network calibrate: {with_hint(exc)}", file=sys.stderr)
        return 2
    figures = {
        "fitted_trips": report.fitted_trips,
        "held_back_trips": report.held_back_trips,
        "mae_s": {
            "free_flow": round(report.free_flow_mae_s, 1),
            "before": round(report.before_mae_s, 1),
            "after": round(report.after_mae_s, 1),
        },
        "mape_percent": {
            "free_flow": round(report.free_flow_mape, 2),
            "before": round(report.before_mape, 2),
            "after": round(report.after_mape, 2),
        },
        "saved": not args.dry_run,
        "profile": report.profile.to_dict(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"Fitted {report.fitted_trips} trips; error on {report.held_back_trips} held back:")
    for label, key in (("free-flow", "free_flow"), ("before", "before"), ("after", "after")):
        print(
            f"  {label:<10} mean abs error {figures['mae_s'][key]:8.1f} s"
            f"  ({figures['mape_percent'][key]:.2f} %)"
        )
    for rule in report.profile.rules:
        text = ", ".join(f"{k} {v:.2f}" for k, v in rule.factors.items())
        print(
            f"  {rule.to_dict()['days']} {rule.to_dict()['start']}-{rule.to_dict()['end']}: {text}"
        )
    if not args.dry_run:
        print(f"Saved as the profile of network '{args.name}'.")
    return 0


def register_calibrate(
    commands: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add ``fieldroute network calibrate NAME TRIPS.csv``."""
    calibrate = commands.add_parser(
        "calibrate", help="fit the network's speed profile to observed trips (CSV)"
    )
    calibrate.add_argument("name", help="name of the network")
    calibrate.add_argument(
        "trips",
        type=Path,
        help="CSV: origin_lat, origin_lon, destination_lat, destination_lon, departure, duration_s",
    )
    calibrate.add_argument("--base", type=Path, default=None, help="profile to re-fit")
    calibrate.add_argument("--holdout", type=float, default=0.2, help="share held back")
    calibrate.add_argument("--seed", type=int, default=0, help="seed of the hold-out draw")
    calibrate.add_argument("--dry-run", action="store_true", help="report, do not save")
    common(calibrate)
    calibrate.set_defaults(handler=run_calibrate)
