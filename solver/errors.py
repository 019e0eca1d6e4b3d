"""Errors raised by the solver library.

Every error subclasses a built-in so that callers who do not know this module can
still catch it (``except ValueError``). The HTTP service maps each class to one
status code in a single table (``service/errors.py``).

Infeasibility is *not* an error: accounts that cannot be served come back in
``Plan.unassigned`` with a reason code.
"""

from __future__ import annotations


class FieldrouteError(Exception):
    """Base class of every error raised on purpose by ``solver``."""


class InvalidProblemError(FieldrouteError, ValueError):
    """The input is malformed or inconsistent (bad window, unknown id, ...).

    Parameters
    ----------
    message
        One sentence naming the entity, e.g.
        ``"Account 'A17': window end 09:00 is before start 10:00."``.
    field
        Optional dotted path of the offending field, e.g. ``"accounts[3].windows[0]"``.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def with_field_prefix(self, prefix: str) -> InvalidProblemError:
        """Return a copy whose ``field`` is prefixed with ``prefix`` (e.g. ``accounts[3]``)."""
        field = prefix if not self.field else f"{prefix}.{self.field}"
        return InvalidProblemError(self.message, field=field)


class NetworkNotFoundError(FieldrouteError, LookupError):
    """No prepared road network of that name exists in the networks directory."""


class NetworkBuildError(FieldrouteError, ValueError):
    """An OSM extract could not be turned into a road network (bad file, no roads)."""
