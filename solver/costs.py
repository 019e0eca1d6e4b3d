"""The one travel-cost formula.

Routing (arc costs, route totals, reasons), territories (weekly cost, coverage) and
the service's estimates all price travel with :func:`travel_cost`, so that a plan, a
territory and an estimate of the same drive cost the same.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

#: A float, or a numpy array of them (the formula is applied element-wise).
Amount = TypeVar("Amount", float, np.ndarray)


def travel_cost(km: Amount, hours: Amount, cost_per_km: float, cost_per_hour: float) -> Amount:
    """Return the cost of driving ``km`` kilometres in ``hours`` hours.

    Parameters
    ----------
    km
        Distance, kilometres (a float or a numpy array).
    hours
        Time, hours (same shape as ``km``).
    cost_per_km, cost_per_hour
        Rates in the caller's currency.

    Returns
    -------
    float or numpy.ndarray
        ``km * cost_per_km + hours * cost_per_hour``, not rounded.
    """
    return km * cost_per_km + hours * cost_per_hour
