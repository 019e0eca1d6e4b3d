"""The ``fieldroute`` command line.

Each group of subcommands lives in its own module under :mod:`service.commands`
and exposes ``register(subparsers)``; this module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Modules under ``service.commands`` that add subcommands, in help order.
COMMAND_MODULES = (
    "network",
    "plan",
    "schedule",
    "export",
    "geocode",
    "accounts",
    "serve",
    "worker",
    "db",
    "keys",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="fieldroute",
        description="Territory and route optimisation for field sales teams.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"service.commands.{name}")
        except ModuleNotFoundError as exc:  # a command group not shipped in this build
            if exc.name != f"service.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
