"""Calibrating a speed profile from observed trips recovers a known profile."""

from __future__ import annotations

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.roads import RoadNetwork
from solver.roads.calibrate import Trips, calibrate_profile, read_trips
from solver.roads.profile import default_profile, profile_from_dict, week_time_s

HIDDEN_PEAK = {"primary": 0.45, "secondary": 0.5, "tertiary": 0.7}
HIDDEN_DAY = {"primary": 0.75, "secondary": 0.8, "tertiary": 0.85}


def hidden_profile():
    """The default profile's shape with other factors: what the trips were driven under."""
    rules = []
    for rule in default_profile().to_dict()["rules"]:
        peak = rule["start"] != "07:00"
        rules.append({**rule, "factors": dict(HIDDEN_PEAK if peak else HIDDEN_DAY)})
    return profile_from_dict({"name": "hidden", "rules": rules})


def synthetic_trips(network: RoadNetwork, count: int, seed: int, noise: float) -> Trips:
    """Trips between random nodes on weekdays 06:00-20:00, timed under the hidden profile."""
    a = network.arrays
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, a.node_count, size=(count, 2))
    origins = np.c_[a.node_lat[nodes[:, 0]], a.node_lon[nodes[:, 0]]]
    destinations = np.c_[a.node_lat[nodes[:, 1]], a.node_lon[nodes[:, 1]]]
    week_s = np.array(
        [
            week_time_s(int(d), int(s))
            for d, s in zip(
                rng.integers(0, 5, count), rng.integers(6 * 3600, 20 * 3600, count), strict=True
            )
        ]
    )
    hidden = hidden_profile()
    truth = np.array(
        [
            network.durations_at([o], [d], week_s=t, profile=hidden)[0, 0]
            for o, d, t in zip(origins, destinations, week_s, strict=True)
        ],
        dtype=np.float64,
    )
    keep = truth > 60
    observed = truth * np.exp(rng.normal(0, noise, count))
    return Trips(origins[keep], destinations[keep], week_s[keep], observed[keep])


def test_calibration_recovers_a_known_profile(monaco_network: RoadNetwork) -> None:
    trips = synthetic_trips(monaco_network, 400, seed=7, noise=0.03)
    report = calibrate_profile(monaco_network, trips, base=default_profile(), seed=1)
    fitted = report.profile.rules
    peak = fitted[1].factors  # morning peak rule
    day = fitted[0].factors
    assert abs(peak["primary"] - HIDDEN_PEAK["primary"]) < 0.05
    assert abs(day["primary"] - HIDDEN_DAY["primary"]) < 0.05
    assert abs(peak["secondary"] - HIDDEN_PEAK["secondary"]) < 0.1
    assert report.held_back_trips == round(len(trips) * 0.2)
    assert report.after_mae_s < 0.5 * report.before_mae_s
    assert report.after_mape < 5.0  # about the 3 % noise
    assert report.before_mae_s < report.free_flow_mae_s


def test_read_trips_names_the_bad_line(tmp_path) -> None:
    path = tmp_path / "trips.csv"
    header = "origin_lat,origin_lon,destination_lat,destination_lon,departure,duration_s\n"
    path.write_text(header + "43.73,7.42,43.74,7.43,2026-12-01T08:15,600\n")
    trips = read_trips(path)
    assert trips.week_s[0] == week_time_s(1, 8 * 3600 + 15 * 60)
    path.write_text(header + "43.73,7.42,43.74,7.43,2026-12-01T08:15,600\n43.7,x,1,2,3,4\n")
    with pytest.raises(InvalidProblemError, match="line 3"):
        read_trips(path)
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidProblemError, match="missing column"):
        read_trips(path)
