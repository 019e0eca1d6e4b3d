"""Validation helpers the domain models share (day plans, territories).

Each check raises :class:`~solver.errors.InvalidProblemError` naming the entity
(``owner``: its kind and id) and the field, as every domain object does on
construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from solver.errors import InvalidProblemError

#: Upper bound on times inside the domain model: 999:59:59, so that abstract units
#: (benchmark instances whose "seconds" are scaled distances) fit.
MAX_CLOCK_S = 1000 * 3600 - 1

#: An entity as errors name it: its kind (``"Rep"``) and its id (None when it has none).
Owner = tuple[str, str | None]


def invalid(owner: Owner, reason: str, *, field: str | None = None) -> InvalidProblemError:
    """Return the error of an entity.

    Parameters
    ----------
    owner
        The entity's kind and id.
    reason
        One sentence saying what is wrong.
    field
        The field at fault, if one.

    Returns
    -------
    InvalidProblemError
        The error, to raise.
    """
    return InvalidProblemError(reason, entity=owner[0], entity_id=owner[1], field=field)


def check_time(owner: Owner, name: str, value: int) -> None:
    """Check that ``value`` is a time of the model: whole seconds in 0..999:59:59.

    Parameters
    ----------
    owner
        The entity's kind and id.
    name
        The field's name.
    value
        The value, seconds.

    Raises
    ------
    InvalidProblemError
        When the value is not an integer (a bool is not) or out of range.
    """
    if not isinstance(value, int | np.integer) or isinstance(value, bool):
        raise invalid(owner, f"{name} must be whole seconds, got {value!r}.")
    if not 0 <= value <= MAX_CLOCK_S:
        raise invalid(
            owner, f"{name} {value} s is outside 0..{MAX_CLOCK_S} s (999:59:59).", field=name
        )


def check_number(owner: Owner, name: str, value: float | None, *, positive: bool = False) -> None:
    """Check that ``value`` is a finite number >= 0 (> 0 if ``positive``); None passes.

    Parameters
    ----------
    owner
        The entity's kind and id.
    name
        The field's name.
    value
        The value (int, float or a NumPy number; a bool is not a number).
    positive
        True: 0 is refused too.

    Raises
    ------
    InvalidProblemError
        When the value is not a number, not finite, negative, or 0 when ``positive``.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise invalid(owner, f"{name} must be a number, got {value!r}.", field=name)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise invalid(owner, f"{name} must be {bound}, got {value!r}.", field=name)


def check_unique(kind: str, path: str, ids: Iterable[str]) -> None:
    """Check that no id is used twice in a list of entities.

    Parameters
    ----------
    kind
        The entities' kind (``"Rep"``).
    path
        The list's field (``"reps"``), for the message and the field named.
    ids
        The ids in order.

    Raises
    ------
    InvalidProblemError
        At the first id seen before, naming both positions (field ``path[i].id``).
    """
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise invalid(
                (kind, ident),
                f"id is used twice ({path}[{seen[ident]}] and {path}[{i}]).",
                field=f"{path}[{i}].id",
            )
        seen[ident] = i
