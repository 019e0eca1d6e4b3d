"""What the commands share: reading JSON input, the runtime config, and bad-input reporting.

Every command that takes a request prints bad input as one sentence on stderr and exits
with status 2 (:func:`run_reporting`), naming the entity as the HTTP API does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.common.errors import describe_validation_error, domain_status
from service.common.runtime import RuntimeConfig
from service.config import get_settings


class CommandError(Exception):
    """Bad input for a command (printed as one line, exit status 2)."""


def read_json(path: Path, what: str) -> Any:
    """Return the JSON of a file (``-`` = stdin); CommandError naming ``what`` if unreadable."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
        return json.loads(text)
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read {what}{path}: {exc}") from None


def runtime_config(networks_dir: Path | None) -> RuntimeConfig:
    """Return the runtime config of the settings, with another networks directory if given."""
    settings = get_settings()
    if networks_dir is not None:
        settings = settings.model_copy(update={"networks_dir": networks_dir})
    return RuntimeConfig.from_settings(settings)


def with_hint(exc: Exception) -> str:
    """Return the error's sentence with its local hint (a directory), for this machine's user.

    A :class:`~solver.errors.NetworkNotFoundError` tells the HTTP client only what it
    asked for; on the command line the directory searched and the build command help.
    """
    hint = getattr(exc, "hint", None)
    return f"{exc} ({hint}.)" if hint else str(exc)


def run_reporting(
    prog: str, action: Callable[[], int], body: Callable[[], Any] = lambda: None
) -> int:
    """Run ``action``; report bad input as ``"<prog>: <sentence>"`` and return status 2.

    Parameters
    ----------
    prog
        The command, e.g. ``"fieldroute plan"``.
    action
        The command's work; returns its exit status.
    body
        Returns the request body that was read (names entities in validation errors).
    """
    try:
        return action()
    except CommandError as exc:
        messages = [str(exc)]
    except ValidationError as exc:  # every error of the request, one line each
        messages = [describe_validation_error(error, body())[0] for error in exc.errors()]
    except Exception as exc:
        if domain_status(exc) is None:
            raise  # a bug, not bad input
        messages = [str(each) for each in getattr(exc, "errors", None) or (exc,)]
        messages[0] = with_hint(exc)
    for message in messages:
        print(f"{prog}: {message}", file=sys.stderr)
    return 2


def write_output(args: argparse.Namespace, content: bytes) -> None:
    """Write to ``--output`` or to stdout."""
    if args.output:
        args.output.write_bytes(content)
    else:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
