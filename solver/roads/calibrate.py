"""Calibrate a speed profile from observed trips (CRM check-ins, telematics exports).

A trips file is CSV with a header: ``origin_lat, origin_lon, destination_lat,
destination_lon, departure`` (local ISO date and time, e.g. ``2026-12-01T08:15``) and
``duration_s`` (the observed door-to-door time). A share of the trips (``holdout``,
20 % by default, drawn with ``seed``) is held back from the fit and used to report the
error before and after.

What is fitted: the factor of every (rule, road class) of the base profile, keeping its
days, hours and areas (the base's *shape*). For a trip leaving in bucket ``b`` along a
path, the predicted time is the free-flow time of the path's arcs governed by no fitted
factor plus, per fitted factor ``f_p``, the free-flow time ``S_p`` of its arcs divided by
``f_p``. The factors are fitted with :func:`scipy.optimize.least_squares` on relative
errors, bounded to 0.2..1.2, with a weak pull towards the base values (so a factor no
trip informs keeps its base value). The paths are those of the base profile at each
trip's departure; after a first fit they are re-routed under the fitted profile and the
fit is repeated once.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import least_squares

from solver.errors import InvalidProblemError
from solver.roads.profile import (
    BUCKET_S,
    ROAD_CLASSES,
    SpeedProfile,
    expand_classes,
    week_time_s,
)

if TYPE_CHECKING:
    from solver.roads.network import RoadNetwork

_COLUMNS = (
    "origin_lat",
    "origin_lon",
    "destination_lat",
    "destination_lon",
    "departure",
    "duration_s",
)
_BOUNDS = (0.2, 1.2)
_PRIOR_WEIGHT = 1e-3


@dataclass(frozen=True, slots=True, eq=False)
class Trips:
    """Observed trips as arrays.

    Attributes
    ----------
    origins, destinations
        ``(n, 2)`` (lat, lon) degrees.
    week_s
        ``(n,)`` departure, seconds since Monday 00:00 local time.
    duration_s
        ``(n,)`` observed duration, seconds.
    """

    origins: np.ndarray
    destinations: np.ndarray
    week_s: np.ndarray
    duration_s: np.ndarray

    def take(self, rows: np.ndarray) -> Trips:
        """Return the trips of ``rows``."""
        return Trips(
            self.origins[rows], self.destinations[rows], self.week_s[rows], self.duration_s[rows]
        )

    def __len__(self) -> int:
        return int(self.duration_s.size)


def read_trips(path: Path) -> Trips:
    """Read a trips CSV file (see the module docstring).

    Raises
    ------
    InvalidProblemError
        Naming the line and the column when a value is missing or invalid.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidProblemError(f"Trips file '{path}': cannot be read ({exc}).") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidProblemError(f"Trips file '{path}': missing column(s) {', '.join(missing)}.")
    rows: list[tuple[float, float, float, float, float, float]] = []
    for line, row in enumerate(reader, start=2):
        try:
            numbers = [float(row[c]) for c in _COLUMNS if c != "departure"]
            when = dt.datetime.fromisoformat(row["departure"].strip())
        except (TypeError, ValueError) as exc:
            raise InvalidProblemError(
                f"Trips file '{path}' line {line}: {exc} (expected numbers and an ISO departure)."
            ) from exc
        if numbers[4] <= 0:
            raise InvalidProblemError(f"Trips file '{path}' line {line}: duration_s must be > 0.")
        seconds = when.hour * 3600 + when.minute * 60 + when.second
        rows.append((*numbers[:4], week_time_s(when.weekday(), seconds), numbers[4]))
    if not rows:
        raise InvalidProblemError(f"Trips file '{path}': holds no trip.")
    data = np.asarray(rows, dtype=np.float64)
    return Trips(data[:, 0:2], data[:, 2:4], data[:, 4], data[:, 5])


def _parameters(profile: SpeedProfile) -> list[tuple[int, str]]:
    """(rule index, class) of every factor to fit, links included."""
    return [
        (r, name) for r, rule in enumerate(profile.rules) for name in expand_classes(rule.factors)
    ]


def _owner(profile: SpeedProfile, params: list[tuple[int, str]]) -> np.ndarray:
    """``(2, C, 672)`` index of the fitted factor governing each cell (-1: none)."""
    owner = np.full((2, len(ROAD_CLASSES), 7 * 96), -1, dtype=np.int64)
    index = {p: k for k, p in enumerate(params)}
    for r, rule in enumerate(profile.rules):
        areas = {"outside": [0], "built_up": [1], "all": [0, 1]}[rule.area]
        first, last = rule.start_s // BUCKET_S, rule.end_s // BUCKET_S
        buckets = np.concatenate([np.arange(d * 96 + first, d * 96 + last) for d in rule.days])
        for name in expand_classes(rule.factors):
            for area in areas:
                owner[area, ROAD_CLASSES.index(name), buckets] = index[(r, name)]
    return owner


def _design(
    network: RoadNetwork, trips: Trips, profile: SpeedProfile, params: list[tuple[int, str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Per trip: free-flow seconds per fitted factor ``S (n, P)`` and the rest ``C (n,)``."""
    a = network.arrays
    engine = network._get_engine()
    cache = network._level_cache()
    built_up = cache.built_up(network, profile.built_up_nodes_per_km2).astype(np.int64)
    arc_class = a.piece_class[a.arc_piece].astype(np.int64)
    owner = _owner(profile, params)
    seconds_per_unit = engine.time_unit_ds / 10
    free = network.durations(trips.origins, trips.destinations).diagonal().astype(np.float64)
    design = np.zeros((len(trips), len(params)))
    rest = free.copy()
    so = network._snap_arrays(trips.origins)
    sd = network._snap_arrays(trips.destinations)
    for i in range(len(trips)):
        level = cache.level(network, profile, profile.level_at(trips.week_s[i]))
        weights, metric = level if level is not None else (engine.weights, engine._time)
        sources = network._candidates(so, leaving=True, weights=weights)
        targets = network._candidates(sd, leaving=False, weights=weights)
        _, _, arcs, _, _ = engine._unpack(metric, sources, i, targets, i, 0)
        if not arcs:
            continue
        arcs = np.asarray(arcs)
        bucket = int(trips.week_s[i] % (7 * 86400)) // BUCKET_S
        who = owner[built_up[arcs], arc_class[arcs], bucket]
        arc_s = engine.weights[arcs] * seconds_per_unit
        fitted = who >= 0
        np.add.at(design[i], who[fitted], arc_s[fitted])
        rest[i] -= arc_s[fitted].sum()
    return design, np.maximum(rest, 0.0)


def _with_factors(profile: SpeedProfile, params, values: np.ndarray) -> SpeedProfile:
    rules = list(profile.rules)
    for (r, name), value in zip(params, values, strict=True):
        factors = dict(expand_classes(rules[r].factors))
        factors[name] = round(float(value), 3)
        rules[r] = replace(rules[r], factors=factors)
    return SpeedProfile(f"{profile.name}-calibrated", tuple(rules), profile.built_up_nodes_per_km2)


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """A fitted profile and its errors on the held-back trips.

    Attributes
    ----------
    profile
        The calibrated profile.
    fitted_trips, held_back_trips
        How many trips were fitted and held back.
    free_flow_mae_s, before_mae_s, after_mae_s
        Mean absolute error on the held-back trips, seconds: free-flow, under the base
        profile, under the calibrated profile.
    free_flow_mape, before_mape, after_mape
        The same as mean absolute percentage errors.
    """

    profile: SpeedProfile
    fitted_trips: int
    held_back_trips: int
    free_flow_mae_s: float
    before_mae_s: float
    after_mae_s: float
    free_flow_mape: float
    before_mape: float
    after_mape: float


def predict_s(network: RoadNetwork, trips: Trips, profile: SpeedProfile | None) -> np.ndarray:
    """Predicted door-to-door seconds of each trip under ``profile`` (None: free-flow)."""
    out = np.empty(len(trips))
    for i in range(len(trips)):
        if profile is None:
            out[i] = network.durations([trips.origins[i]], [trips.destinations[i]])[0, 0]
        else:
            out[i] = network.durations_at(
                [trips.origins[i]], [trips.destinations[i]], week_s=trips.week_s[i], profile=profile
            )[0, 0]
    return out


def _errors(predicted: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
    ok = predicted >= 0
    diff = np.abs(predicted[ok] - observed[ok])
    return float(diff.mean()), float((diff / observed[ok]).mean() * 100)


def calibrate_profile(
    network: RoadNetwork,
    trips: Trips,
    *,
    base: SpeedProfile | None = None,
    holdout: float = 0.2,
    seed: int = 0,
) -> CalibrationReport:
    """Fit the factors of a profile to observed trips (see the module docstring).

    Parameters
    ----------
    network
        The road network the trips were driven on.
    trips
        Observed trips (:func:`read_trips`).
    base
        Profile whose rules are re-fitted (default: the network's profile).
    holdout
        Share of trips held back from the fit, for the report (0..0.9).
    seed
        Seed of the hold-out draw.

    Returns
    -------
    CalibrationReport
        The fitted profile and the error before and after, on the held-back trips.

    Raises
    ------
    InvalidProblemError
        When ``holdout`` is out of range, the base has no rule, or too few trips.
    """
    base = network.profile if base is None else base
    if not 0 <= holdout <= 0.9:
        raise InvalidProblemError(f"Calibration: holdout must be in 0..0.9, got {holdout!r}.")
    params = _parameters(base)
    if not params:
        raise InvalidProblemError("Calibration: the base profile has no factor to fit.")
    order = np.random.default_rng(seed).permutation(len(trips))
    cut = int(round(len(trips) * holdout))
    test, train = trips.take(order[:cut]), trips.take(order[cut:])
    if len(train) < 2:
        raise InvalidProblemError("Calibration: at least two trips must remain to fit.")
    start = np.array([expand_classes(base.rules[r].factors)[name] for r, name in params])
    current, values = base, start
    for _ in range(2):
        design, rest = _design(network, train, current, params)
        observed = train.duration_s

        def residuals(x: np.ndarray, design=design, rest=rest, observed=observed) -> np.ndarray:
            predicted = rest + design @ (1.0 / x)
            return np.concatenate(((predicted - observed) / observed, _PRIOR_WEIGHT * (x - start)))

        values = least_squares(residuals, values, bounds=_BOUNDS, method="trf").x
        current = _with_factors(base, params, values)
    held = test if len(test) else train
    ff = _errors(predict_s(network, held, None), held.duration_s)
    before = _errors(predict_s(network, held, base), held.duration_s)
    after = _errors(predict_s(network, held, current), held.duration_s)
    return CalibrationReport(
        current, len(train), len(test), ff[0], before[0], after[0], ff[1], before[1], after[1]
    )
