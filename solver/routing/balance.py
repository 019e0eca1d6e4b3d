"""Even out a team's day (``Problem.balance``): a soft quadratic cost in the OR-Tools model.

A ``balance`` dimension measures each rep's load, and every rep pays ``c x (load -
share)^2`` for the load above a fair share (OR-Tools'
``SetQuadraticCostSoftSpanUpperBoundForVehicle``). The cost is convex, so moving work
from a loaded rep to a lighter one always pays, and it grows with the excess: the
search evens the reps out instead of only shortening the longest day (a min-max
global span cost stalls once several reps are equally long).

``duration``
    Load = busy time: driving to each stop plus the visits (waiting and the break are
    not work to share out). Share = :func:`fair_share_s`. One more second for a rep two
    hours above its share costs one second of driving (:func:`balance_weight_per_s`).
``visits``
    Load = number of visits; share = visits / reps (rounded down). One visit above the
    share costs the mean visit duration of driving; two above, four times that.

The cost comes after value: with these weights a visit worth its detour without
balance is kept (tested), though a very low-value visit on an overloaded day may be
dropped. With ``none``, a single rep or no account, the model is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp

from solver.model import MAX_CLOCK_S, Balance

if TYPE_CHECKING:
    from solver.routing.engine import DayModel

#: Assumed driving speed that turns a rate per km into a rate per second, km/h.
BALANCE_SPEED_KMH = 40.0
#: Least weight of one second of the longest day, solver units (with zero cost rates
#: this still outweighs the tie-break of one unit per driven second, 10 to 1).
MIN_WEIGHT_PER_S = 10


def balance_weight_per_s(model: DayModel) -> int:
    """Solver units per second of the longest working day.

    The highest driving cost per second among the reps (``cost_per_hour / 3600`` plus
    ``cost_per_km`` at :data:`BALANCE_SPEED_KMH`), at least :data:`MIN_WEIGHT_PER_S`.

    Parameters
    ----------
    model
        The day's OR-Tools model.

    Returns
    -------
    int
        The weight, in solver units (``COST_SCALE`` per currency unit).
    """
    from solver.routing.engine import COST_SCALE

    per_s = max(
        rep.cost_per_hour / 3600.0 + rep.cost_per_km * BALANCE_SPEED_KMH / 3600.0
        for rep in model.reps
    )
    return max(MIN_WEIGHT_PER_S, round(per_s * COST_SCALE))


def fair_share_s(model: DayModel) -> int:
    """Estimate of one rep's share of the day's busy time, seconds.

    Every candidate visit's duration plus the shortest drive that reaches it (from
    another account or a rep's start), split evenly among the reps: a lower estimate
    of the busy time a balanced team day gives each rep.

    Parameters
    ----------
    model
        The day's OR-Tools model.

    Returns
    -------
    int
        Seconds.
    """
    n_acc = len(model.accounts)
    incoming = model.durations[:, :n_acc].astype(np.float64)
    incoming[model.blocked[:, :n_acc]] = np.inf
    incoming[np.arange(n_acc), np.arange(n_acc)] = np.inf
    incoming[model.ends, :] = np.inf  # nobody drives on from a route's end
    nearest = incoming.min(axis=0)
    drive = float(np.where(np.isfinite(nearest), nearest, 0.0).sum())
    return int((float(model.service[:n_acc].sum()) + drive) // len(model.reps))


def add_balance(model: DayModel) -> None:
    """Add the balance cost of ``model.resolved.problem.balance`` to a day model.

    Parameters
    ----------
    model
        The day's OR-Tools model; changed in place.
    """
    balance = model.resolved.problem.balance
    n_acc, n_rep = len(model.accounts), len(model.reps)
    if balance == Balance.NONE or n_rep < 2 or not n_acc:
        return
    routing = model.routing
    weight = balance_weight_per_s(model)
    service = model.service[:n_acc]
    if balance == Balance.DURATION:
        transit = model.durations + model.service[:, None]  # drive to the next stop + visit
        callback = routing.RegisterTransitMatrix(transit.tolist())
        capacity = MAX_CLOCK_S
        share = fair_share_s(model)
        # one second more for a rep two hours above the share costs one second of driving
        coefficient = max(1, round(weight / (2 * 2 * 3600)))
    else:
        callback = routing.RegisterUnaryTransitVector([1] * n_acc + [0] * (2 * n_rep))
        capacity = n_acc
        share = n_acc // n_rep
        # one visit above the share costs its mean duration of driving
        coefficient = max(1, round(weight * max(float(np.mean(service)), 60.0)))
    routing.AddDimension(callback, 0, capacity, True, "balance")
    dimension = routing.GetDimensionOrDie("balance")
    for v in range(n_rep):
        dimension.SetQuadraticCostSoftSpanUpperBoundForVehicle(
            pywrapcp.BoundCost(share, coefficient), v
        )
