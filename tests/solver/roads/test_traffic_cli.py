"""``fieldroute network build --profile`` and ``fieldroute network calibrate``."""

from __future__ import annotations

import json

import numpy as np

from service.cli import main
from solver.roads import load_network
from solver.roads.profile import default_profile, week_time_s
from tests.conftest import DATA_DIR
from tests.solver.roads.test_calibrate import synthetic_trips


def test_build_with_a_profile_file_then_calibrate(tmp_path, capsys, monaco_network):
    profile = default_profile().to_dict()
    profile["name"] = "mine"
    profile["rules"].append(
        {
            "days": "sat",
            "start": "10:00",
            "end": "12:00",
            "area": "all",
            "factors": {"residential": 0.5},
        }
    )
    (tmp_path / "profile.json").write_text(json.dumps(profile))
    source = DATA_DIR / "monaco-2021-04-21.osm.pbf"
    args = ["network", "build", str(source), "--name", "mc", "--networks-dir", str(tmp_path)]
    assert main([*args, "--profile", str(tmp_path / "profile.json")]) == 0
    network = load_network("mc", networks_dir=tmp_path)
    assert network.profile.name == "mine"
    points = [(43.7325, 7.4189), (43.7403, 7.4273)]
    saturday = network.durations_at(points, week_s=week_time_s(5, 11 * 3600))
    assert (saturday >= network.durations(points)).all()

    trips = synthetic_trips(monaco_network, 120, seed=3, noise=0.02)
    lines = ["origin_lat,origin_lon,destination_lat,destination_lon,departure,duration_s"]
    monday = np.datetime64("2026-11-30T00:00")  # a Monday
    for o, d, t, s in zip(
        trips.origins, trips.destinations, trips.week_s, trips.duration_s, strict=True
    ):
        when = (monday + np.timedelta64(int(t), "s")).astype(str)
        lines.append(f"{o[0]},{o[1]},{d[0]},{d[1]},{when},{s:.0f}")
    (tmp_path / "trips.csv").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    calibrate = ["network", "calibrate", "mc", str(tmp_path / "trips.csv")]
    assert main([*calibrate, "--networks-dir", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["held_back_trips"] == round(len(trips) * 0.2)
    assert report["mae_s"]["after"] < report["mae_s"]["before"]
    assert load_network("mc", networks_dir=tmp_path).profile.name == "mine-calibrated"


def test_calibrate_reports_a_bad_trips_file(tmp_path, capsys, monaco_network):
    (tmp_path / "trips.csv").write_text("origin_lat\n1\n")
    source = DATA_DIR / "monaco-2021-04-21.osm.pbf"
    assert (
        main(["network", "build", str(source), "--name", "mc", "--networks-dir", str(tmp_path)])
        == 0
    )
    capsys.readouterr()
    argv = [
        "network",
        "calibrate",
        "mc",
        str(tmp_path / "trips.csv"),
        "--networks-dir",
        str(tmp_path),
    ]
    assert main(argv) == 2
    assert "missing column" in capsys.readouterr().err
