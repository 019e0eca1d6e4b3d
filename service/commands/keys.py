"""``fieldroute keys create|list|revoke``: the API keys of each tenant, stored hashed.

The keys live in the job database (``FIELDROUTE_DATABASE_URL``), as SHA-256 digests:
``create`` prints the new key once, on stdout, and it cannot be shown again.
"""

from __future__ import annotations

import argparse
import sys

from service.config import get_settings


def _key_store(args: argparse.Namespace):  # noqa: ANN202 - imported lazily (start-up cost)
    from service.jobs.store import JobStore
    from service.tenants.keys import KeyStore

    url = args.database_url or get_settings().database_url
    return KeyStore(JobStore(url).engine)


def run_create(args: argparse.Namespace) -> int:
    """Create a key for a tenant and print it (the only time it is shown)."""
    try:
        info, key = _key_store(args).create(args.tenant)
    except ValueError as exc:
        print(f"fieldroute keys create: {exc}", file=sys.stderr)
        return 2
    print(key)
    print(
        f"key {info.id} of tenant {info.tenant_id} created; store it now, it is not kept "
        "and cannot be shown again.",
        file=sys.stderr,
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print every key's id, tenant, creation and revocation time (never the key)."""
    keys = _key_store(args).list(args.tenant)
    print(f"{'id':<14}{'tenant':<24}{'created':<27}revoked")
    for info in keys:
        print(f"{info.id:<14}{info.tenant_id:<24}{info.created_at:<27}{info.revoked_at or '-'}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke a key by its id: it is refused (403) from the next request on."""
    if not _key_store(args).revoke(args.key_id):
        print(f"fieldroute keys revoke: no active key with id {args.key_id!r}.", file=sys.stderr)
        return 2
    print(f"key {args.key_id} revoked.", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``keys`` subcommand group."""
    parser = subparsers.add_parser(
        "keys",
        help="create, list and revoke the API keys of each tenant (stored hashed)",
        description=(
            "API keys of each tenant, kept as SHA-256 digests in the job database "
            "(FIELDROUTE_DATABASE_URL). A tenant sees only its own jobs."
        ),
    )
    parser.add_argument(
        "--database-url", default=None, help="job database (default FIELDROUTE_DATABASE_URL)"
    )
    actions = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key for a tenant and print it once")
    create.add_argument("--tenant", required=True, help="tenant name, e.g. acme")
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list the keys (id, tenant, created, revoked)")
    listing.add_argument("--tenant", default=None, help="only this tenant's keys")
    listing.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="the key's id, as `keys list` shows it")
    revoke.set_defaults(handler=run_revoke)
