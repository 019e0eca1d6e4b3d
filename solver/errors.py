"""Errors raised by the solver library.

Every error subclasses a built-in so that callers who do not know this module can
still catch it (``except ValueError``). The HTTP service maps each class to one
status code in a single table (``service/errors.py``).

Infeasibility is *not* an error: accounts that cannot be served come back in
``Plan.unassigned`` with a reason code.
"""

from __future__ import annotations

from collections.abc import Sequence


class FieldrouteError(Exception):
    """Base class of every error raised on purpose by ``solver``."""


class InvalidProblemError(FieldrouteError, ValueError):
    """The input is malformed or inconsistent (bad window, unknown id, ...).

    Parameters
    ----------
    reason
        What is wrong, as a sentence, e.g. ``"window end 09:00 is before start 10:00."``.
        Without ``entity`` this is the whole message.
    entity
        Kind of the offending object as the caller knows it, e.g. ``"Account"``.
    entity_id
        Its id, e.g. ``"A17"``.
    field
        Optional dotted path of the offending field, e.g. ``"accounts[3].windows[0]"``.

    Notes
    -----
    ``str(error)`` is one sentence naming the entity:
    ``"Account 'A17': window end 09:00 is before start 10:00."``. The HTTP service
    formats its messages from the parts, in one place.
    """

    def __init__(
        self,
        reason: str,
        *,
        entity: str | None = None,
        entity_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.entity = entity
        self.entity_id = entity_id
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The whole sentence: ``"<entity> '<id>': <reason>"`` (or the reason alone)."""
        if self.entity is None:
            return self.reason
        name = self.entity if self.entity_id is None else f"{self.entity} '{self.entity_id}'"
        return f"{name}: {self.reason}"

    def with_field_prefix(self, prefix: str) -> InvalidProblemError:
        """Return a copy whose ``field`` is prefixed with ``prefix`` (e.g. ``accounts[3]``)."""
        field = prefix if not self.field else f"{prefix}.{self.field}"
        return InvalidProblemError(
            self.reason, entity=self.entity, entity_id=self.entity_id, field=field
        )


class InvalidEntitiesError(InvalidProblemError):
    """Several request entities are invalid: the first is the error, ``errors`` lists all.

    Raised where every entity of a problem is checked (the service's ``build_all``, the
    road-network area check), so that a client fixing a request sees every bad entity
    at once, not one per round trip.
    """

    def __init__(self, errors: Sequence[InvalidProblemError]) -> None:
        first = errors[0]
        super().__init__(
            first.reason, entity=first.entity, entity_id=first.entity_id, field=first.field
        )
        self.errors: tuple[InvalidProblemError, ...] = tuple(errors)

    def with_field_prefix(self, prefix: str) -> InvalidEntitiesError:
        """Return a copy whose errors' fields are all prefixed with ``prefix``."""
        return InvalidEntitiesError([each.with_field_prefix(prefix) for each in self.errors])


class NetworkNotFoundError(FieldrouteError, LookupError):
    """No prepared road network of that name exists in the networks directory.

    Parameters
    ----------
    message
        One sentence about the request (``"Road network 'x': not prepared."``); it never
        names the machine's directories, so a service can pass it on to its clients.
    field
        The request field that names the network (``"network"``).
    hint
        What the operator of this machine can do (build it, and where): shown by the
        command line, never sent to a remote client.
    """

    def __init__(self, message: str, *, field: str | None = "network", hint: str | None = None):
        super().__init__(message)
        self.field = field
        self.hint = hint


class NetworkBuildError(FieldrouteError, ValueError):
    """An OSM extract could not be turned into a road network (bad file, no roads)."""
