"""``fieldroute accounts import FILE.csv``: read a CRM export into accounts and a report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.accounts.schemas import ImportRequest
from service.accounts.work import import_request
from service.commands.common import CommandError, run_reporting, runtime_config, write_output
from solver.crm.csvfile import decode_csv


def run_import(args: argparse.Namespace) -> int:
    """Print the ``POST /v1/accounts/import`` response of a CSV file as JSON.

    With ``--accounts-only`` only the accounts are printed, ready to paste into a
    ``POST /v1/territories`` body; the per-row summary goes to stderr either way.
    """

    def read() -> int:
        try:
            data = args.file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {args.file}: {exc}") from None
        text, encoding = decode_csv(data)
        mapping = None
        if args.mapping:
            try:
                mapping = json.loads(args.mapping)
            except ValueError as exc:
                raise CommandError(f"--mapping is not a JSON object: {exc}") from None
        request = ImportRequest(
            csv=text,
            format=args.format,
            mapping=mapping,
            min_quality=args.min_quality,
            network=args.network,
            encoding=encoding,
        )
        response = import_request(request, runtime_config(args.networks_dir))
        body = response.model_dump(mode="json")
        result = body["accounts"] if args.accounts_only else body
        write_output(args, (json.dumps(result, indent=2, ensure_ascii=False) + "\n").encode())
        counts = ", ".join(f"{n} {status}" for status, n in response.counts.items())
        print(f"{args.file}: {response.format}, {counts}", file=sys.stderr)
        for row in response.report:
            if row.status == "rejected":
                print(f"  {row.code}: {row.reason}", file=sys.stderr)
        return 0

    return run_reporting("fieldroute accounts import", read)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fieldroute accounts import``."""
    parser = subparsers.add_parser("accounts", help="CRM accounts (import a CSV export)")
    verbs = parser.add_subparsers(dest="accounts_command", required=True, metavar="VERB")
    imp = verbs.add_parser(
        "import",
        help="read a CRM export (Salesforce, HubSpot, Zoho, generic CSV)",
        description=(
            "Read a CRM account export: print the accounts (ids = CRM ids, current_rep = "
            "owner) and one report entry per input row, as POST /v1/accounts/import does."
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument(
        "--format", choices=("auto", "salesforce", "hubspot", "zoho", "generic"), default="auto"
    )
    imp.add_argument("--mapping", default=None, help='generic: JSON {"id": "Column", ...}')
    imp.add_argument(
        "--min-quality",
        choices=("address", "interpolated", "street", "postcode", "city"),
        default="street",
    )
    imp.add_argument("--network", default=None, help="network whose addresses place the rows")
    imp.add_argument("--accounts-only", action="store_true", help="print only the accounts")
    imp.add_argument("--output", "-o", type=Path, default=None, help="write to this file")
    imp.add_argument("--networks-dir", type=Path, default=None, help="prepared networks")
    imp.set_defaults(handler=run_import)
