import numpy as np
import pytest

from solver.model import TravelMatrix
from solver.territory import order_day, simulate_territory


def line_matrix(positions_s):
    """Points on a line; travel time = |x_i - x_j| seconds, distance = 10 m per second."""
    x = np.asarray(positions_s, dtype=np.int64)
    d = np.abs(x[:, None] - x[None, :])
    return TravelMatrix(d, d * 10)


def test_weekly_account_alone_costs_one_round_trip_per_week():
    sim = simulate_territory(line_matrix([0, 100]), np.array([4.0]))
    assert sim.drive_s_per_week == pytest.approx(200)
    assert sim.distance_m_per_week == pytest.approx(2000)
    assert sim.marginal_drive_s_per_week[0] == pytest.approx(200)
    assert sim.days == 20


def test_monthly_account_costs_a_quarter_round_trip_per_week():
    sim = simulate_territory(line_matrix([0, 100]), np.array([1.0]))
    assert sim.drive_s_per_week == pytest.approx(50)


def test_twice_weekly_account_costs_two_round_trips_per_week():
    sim = simulate_territory(line_matrix([0, 100]), np.array([8.0]))
    assert sim.drive_s_per_week == pytest.approx(400)


def test_full_days_share_the_trip_and_marginals_are_detours():
    # 25 weekly accounts at the same far place: 5 per day, one round trip per day
    sim = simulate_territory(line_matrix([0] + [1000] * 25), np.full(25, 4.0))
    assert sim.drive_s_per_week == pytest.approx(5 * 2000)
    # leaving out one of 5 co-located visits saves nothing: the others still need the trip
    assert np.allclose(sim.marginal_drive_s_per_week, 0)


def test_default_day_router_finds_the_shortest_order_on_a_line():
    m = line_matrix([0, 300, 100, 200])
    order = order_day(m.durations_s)
    assert sorted(order) == [1, 2, 3]
    path = [0, *order, 0]
    assert sum(m.durations_s[a, b] for a, b in zip(path, path[1:], strict=False)) == 600
