"""Shapes every capability shares: places, clock times, ids, amounts, matrices.

Clock times travel as ``"HH:MM"`` or ``"HH:MM:SS"`` strings on the plan date; the
solver works in integer seconds since midnight. :func:`parse_time_s` (and
``solver.model.format_time_s``) are the one place where the two meet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from solver.model import (
    DEFAULT_VISIT_DURATION_S,
    MAX_CLOCK_S,
    MAX_TIME_S,
    SolveStatus,
    StopReason,
)

_TIME_RE = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")

#: Largest id accepted for reps and accounts, characters.
MAX_ID_CHARS = 200
#: Largest time limit a request may ask for, seconds.
MAX_TIME_LIMIT_S = 3600.0
#: Largest matrix entry (seconds or metres); keeps arithmetic far from int64 overflow.
MAX_MATRIX_VALUE = 10**9


def parse_time_s(text: str, *, max_s: int = MAX_TIME_S) -> int:
    """Parse ``"HH:MM"`` or ``"HH:MM:SS"`` into seconds since midnight.

    Parameters
    ----------
    text
        Clock time on the plan date; hours may exceed 23 for work past midnight
        (up to two days, ``MAX_TIME_S``, by default).
    max_s
        Latest accepted time: ``MAX_TIME_S`` for day plans; ``MAX_CLOCK_S`` (999:59:59)
        for visit schedules, whose benchmark instances use abstract units, and when
        reading back times the service itself wrote.

    Returns
    -------
    int
        Seconds since midnight.

    Raises
    ------
    ValueError
        When the text is not a clock time.
    """
    match = _TIME_RE.match(text)
    if not match:
        raise ValueError(f"time {text!r} must be 'HH:MM' or 'HH:MM:SS'")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes > 59 or seconds > 59:
        raise ValueError(f"time {text!r} has minutes or seconds above 59")
    total = hours * 3600 + minutes * 60 + seconds
    if total > max_s:
        if max_s == MAX_TIME_S:
            raise ValueError(f"time {text!r} is later than {MAX_TIME_S // 3600}:00 (two days)")
        raise ValueError(f"time {text!r} is later than {format_clock(max_s)}")
    return total


def clock_s(text: str) -> int:
    """Return the seconds of a clock value already validated by its schema (any bound)."""
    return parse_time_s(text, max_s=MAX_CLOCK_S)


def format_clock(time_s: int) -> str:
    """Return ``HH:MM:SS`` of a bound in seconds (messages)."""
    hours, rest = divmod(int(time_s), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _check_clock(text: str) -> str:
    parse_time_s(text)
    return text


def _check_long_clock(text: str) -> str:
    parse_time_s(text, max_s=MAX_CLOCK_S)
    return text


Clock = Annotated[
    str,
    AfterValidator(_check_clock),
    Field(description="Clock time on the plan date, 'HH:MM' or 'HH:MM:SS'.", examples=["08:00"]),
]
#: A clock time of a visit schedule: hours up to 999 (abstract benchmark units fit).
LongClock = Annotated[
    str,
    AfterValidator(_check_long_clock),
    Field(
        description="Clock time on the date, 'HH:MM' or 'HH:MM:SS'; hours up to 999.",
        examples=["08:00"],
    ),
]
Ident = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
Money = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10**9)]
Seconds = Annotated[int, Field(ge=0, le=MAX_TIME_S)]
#: Time on site of one visit; the same default in every capability.
VisitDuration = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_TIME_S,
        description=(
            f"Time on site of one visit, seconds; default {DEFAULT_VISIT_DURATION_S} "
            "(half an hour) in every capability. Give 0 explicitly for a visit that takes no time."
        ),
    ),
]
LongSeconds = Annotated[int, Field(ge=0, le=MAX_CLOCK_S)]
#: The currency of costs when neither the request nor the settings name one.
DEFAULT_CURRENCY = "EUR"
Currency = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of the money amounts (costs, rates), e.g. 'EUR'.",
        examples=["EUR"],
    ),
]


#: Pydantic error type of messages that name their own field (no path is added to them).
ENTITY_ERROR = "entity_error"


def entity_error_of(message: str) -> PydanticCustomError:
    """Return a validation error whose message already names the field (``window end ...``)."""
    return PydanticCustomError(ENTITY_ERROR, message.replace("{", "(").replace("}", ")"))


def load_examples(module_file: str) -> dict[str, list[Any]]:
    """Return the OpenAPI examples kept in ``examples.json`` next to a schemas module.

    The file maps a model's class name to its examples (data, not code).
    """
    return json.loads((Path(module_file).parent / "examples.json").read_text())


def openapi_examples(examples: dict[str, list[Any]], model: str, **config: Any) -> ConfigDict:
    """Return a model config that shows ``examples[model]`` in the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": examples[model]}, **config)


class ApiModel(BaseModel):
    """Base of request models: unknown fields are refused.

    A field's docstring (the string under it) is its description in the OpenAPI document.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, use_attribute_docstrings=True)


class OutModel(BaseModel):
    """Base of response models: a field's docstring is its OpenAPI description."""

    model_config = ConfigDict(use_attribute_docstrings=True)


def describe_fields(*dataclasses: type) -> None:
    """Let pydantic take the descriptions of domain dataclasses' fields from their docstrings.

    The solver knows nothing of pydantic; the service tells pydantic, once, to read the
    attribute docstrings of the domain results it answers with (``RouteTotals``,
    ``Territory``).
    """
    for cls in dataclasses:
        cls.__pydantic_config__ = ConfigDict(use_attribute_docstrings=True)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- requests


class Loc(ApiModel):
    """A place: ``{"lat", "lon"}`` on a road network, or ``{"index": i}`` into the matrix."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"lat": 35.8989, "lon": 14.5146}, {"index": 0}]},
    )

    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS84 latitude, degrees.")
    lon: float | None = Field(
        default=None, ge=-180, le=180, description="WGS84 longitude, degrees."
    )
    index: int | None = Field(
        default=None, ge=0, le=100_000, description="Row/column of the explicit matrix."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Loc:
        geo = self.lat is not None or self.lon is not None
        if geo and self.index is not None:
            raise ValueError("give either lat/lon or index, not both")
        if self.index is None and (self.lat is None or self.lon is None):
            raise ValueError("both lat and lon are required (or an index into the matrix)")
        return self


class MatrixIn(ApiModel):
    """An explicit square travel matrix; -1 marks an unreachable pair."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"durations_s": [[0, 600], [600, 0]], "distances_m": [[0, 5000], [5000, 0]]}
            ]
        },
    )

    durations_s: list[list[Annotated[int, Field(ge=-1, le=MAX_MATRIX_VALUE)]]]
    """Travel time from row to column location, seconds; -1 = unreachable."""
    distances_m: list[list[Annotated[int, Field(ge=-1, le=MAX_MATRIX_VALUE)]]]
    """Distance from row to column location, metres; -1 = unreachable."""

    @model_validator(mode="after")
    def _square(self) -> MatrixIn:
        for name in ("durations_s", "distances_m"):
            rows = getattr(self, name)
            if any(len(row) != len(rows) for row in rows):
                raise ValueError(f"{name} must be a square list of rows")
        if len(self.durations_s) != len(self.distances_m):
            raise ValueError("durations_s and distances_m must have the same size")
        return self


class SolverOut(OutModel):
    """How the plan was found."""

    status: SolveStatus = Field(
        description=(
            "How the solve ended: `optimal` (proven optimal), `converged` (the search "
            "stopped by itself, within the requested gap), `feasible` (a valid plan, no "
            "proof of optimality), `time_limit` (stopped by `time_limit_s`; the best plan "
            "found), `infeasible` (no plan meets the constraints), `empty` (nothing to "
            "plan), `hand_made` (the client's own orders, timed and checked)."
        ),
        examples=["feasible"],
    )
    seed: int
    """The seed used."""
    time_limit_s: float
    """The time limit used, seconds."""
    time_s: float
    """Time the solver took, seconds."""
    objective: float | None = None
    """The solver's objective value (lower is better); null when none."""
    stop_reason: StopReason | None = Field(
        default=None,
        description=(
            "Why the search stopped: `converged` (no better plan for a share of the search "
            "so far: seconds, or solutions in deterministic mode), `time_limit` (reached "
            "`time_limit_s`; in deterministic mode the safety cap, so the plan may differ "
            "between runs), `work_limit` (the deterministic work budget was spent), "
            "`completed` (the search ended by itself), `empty` (nothing to search); null "
            "where the engine does not say."
        ),
        examples=["converged"],
    )
    deterministic: bool = False
    """True when the search stopped on work done, not on the clock (`options.deterministic`)."""


def check_network_or_matrix(model: Any) -> Any:
    """Model validator: a request plans on a named network or on an explicit matrix."""
    if model.network is not None and model.matrix is not None:
        raise ValueError("give either a network or an explicit matrix, not both")
    return model
