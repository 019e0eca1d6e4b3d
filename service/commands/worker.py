"""``fieldroute worker``: a Celery worker serving day-plan and territory jobs."""

from __future__ import annotations

import argparse
import os
import socket
import sys

from service.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``worker`` subcommand."""
    parser = subparsers.add_parser(
        "worker",
        help="start a Celery worker (FIELDROUTE_CELERY_BROKER_URL, FIELDROUTE_DATABASE_URL)",
        description=(
            "Start a Celery worker that runs fieldroute jobs from the broker. Each worker "
            "process loads the prepared road networks once. Point every worker and the "
            "service at the same broker and the same job database."
        ),
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: number of CPUs)",
    )
    parser.add_argument(
        "--name", default=None, help="worker node name (default fieldroute-<pid>@<host>)"
    )
    parser.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Run the Celery worker in the foreground until it is stopped."""
    # Imported here for start-up cost: importing service.celery_app builds the Celery app
    # and its broker client, which only this command needs.
    from service.celery_app import celery_app
    from service.jobs.store import JobStore
    from service.migrations import SchemaMismatchError

    settings = get_settings()
    try:  # refuse to start on a database whose schema is behind, as the service does
        JobStore(settings.database_url, auto_upgrade=settings.database_auto_upgrade).dispose()
    except SchemaMismatchError as exc:
        print(f"fieldroute worker: {exc}", file=sys.stderr)
        return 1
    name = args.name or f"fieldroute-{os.getpid()}@{socket.gethostname()}"
    pool = "solo" if args.concurrency == 1 else "prefork"
    argv = [
        "worker",
        f"--loglevel={args.loglevel}",
        f"--concurrency={args.concurrency}",
        f"--pool={pool}",
        f"--hostname={name}",
        "--without-gossip",
        "--without-mingle",
    ]
    celery_app.worker_main(argv)
    return 0
