"""Synthetic territory problems on a plane: travel time = Euclidean distance / speed."""

import numpy as np

from solver.model import Location, TravelMatrix
from solver.territory import TerritoryAccount, TerritoryRep

SPEED_M_PER_S = 10.0


def plane_matrix(points_m: np.ndarray) -> TravelMatrix:
    """Square matrix over points (metres): straight-line distance at 36 km/h."""
    d = np.linalg.norm(points_m[:, None, :] - points_m[None, :, :], axis=2)
    return TravelMatrix(np.rint(d / SPEED_M_PER_S).astype(np.int64), np.rint(d).astype(np.int64))


def random_problem(n_reps=4, n_accounts=120, seed=0, size_m=20_000.0, current=False):
    """Reps at random homes and accounts in a square; index locations into one matrix."""
    rng = np.random.default_rng(seed)
    points = rng.random((n_reps + n_accounts, 2)) * size_m
    matrix = plane_matrix(points)
    reps = [TerritoryRep(f"r{i}", Location(index=i)) for i in range(n_reps)]
    accounts = [
        TerritoryAccount(
            f"a{j}",
            Location(index=n_reps + j),
            visits_per_4_weeks=float(rng.choice([1, 2, 4])),
            visit_duration_s=int(rng.choice([1200, 1800, 2700])),
            revenue=float(rng.integers(1_000, 50_000)),
            current_rep=f"r{rng.integers(n_reps)}" if current else None,
        )
        for j in range(n_accounts)
    ]
    return reps, accounts, matrix


def home_durations(reps, accounts, matrix):
    rows = [r.home.index for r in reps]
    cols = [a.location.index for a in accounts]
    return matrix.durations_s[np.ix_(rows, cols)]
