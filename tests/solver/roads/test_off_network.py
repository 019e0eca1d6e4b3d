"""Off-network points are data (-1) in every shape of matrix, never an exception."""

from __future__ import annotations

import numpy as np
import pytest

from solver.model import UNREACHABLE

PORT = (43.7347, 7.4206)  # Port Hercule, on the road network
CASINO = (43.7396, 7.4278)
AT_SEA = (43.7347 - 5000 / 111_200, 7.4206)  # 5 km south, in the sea
FAR_AT_SEA = (43.60, 7.55)


@pytest.mark.parametrize(
    ("origins", "destinations"),
    [
        ([AT_SEA], [PORT]),  # the only origin is off the network
        ([PORT], [AT_SEA]),  # the only destination is off the network
        ([AT_SEA], [AT_SEA]),  # a single point, off the network
        ([AT_SEA, FAR_AT_SEA], [PORT, CASINO, AT_SEA]),  # a whole row block off
        ([PORT, CASINO, AT_SEA], [AT_SEA, FAR_AT_SEA]),  # a whole column block off
        ([AT_SEA, FAR_AT_SEA, PORT], [PORT, CASINO]),  # more origins than destinations
    ],
)
def test_off_network_rows_and_columns_are_unreachable(monaco_network, origins, destinations):
    matrix = monaco_network.matrix(origins, destinations)
    off = {AT_SEA, FAR_AT_SEA}
    for i, origin in enumerate(origins):
        for j, destination in enumerate(destinations):
            expected_off = origin in off or destination in off
            if expected_off:
                assert matrix.durations_s[i, j] == UNREACHABLE
                assert matrix.distances_m[i, j] == UNREACHABLE
            else:
                assert matrix.durations_s[i, j] >= 0
    assert matrix.durations_s.shape == (len(origins), len(destinations))


def test_square_matrix_of_only_off_network_points(monaco_network):
    matrix = monaco_network.matrix([AT_SEA, FAR_AT_SEA])
    assert np.array_equal(matrix.durations_s, np.full((2, 2), UNREACHABLE))
