"""A broken rule of a plan, as the checker reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule in a plan.

    Parameters
    ----------
    rep_id
        The route's rep (None for plan-wide problems).
    account_id
        The account concerned, if any.
    code
        Stable code (see the module docstring).
    detail
        One human sentence.
    """

    rep_id: str | None
    account_id: str | None
    code: str
    detail: str
