"""Distances on the globe (used when reading ways and when building the graph)."""

from __future__ import annotations

import numpy as np

#: Mean Earth radius, metres (IUGG).
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance between points, metres (arrays broadcast).

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        WGS84 degrees.

    Returns
    -------
    numpy.ndarray
        Distances in metres.
    """
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
