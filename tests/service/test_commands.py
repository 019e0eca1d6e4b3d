import json
from pathlib import Path

import pytest

from service.cli import main
from service.commands import serve
from service.config import Settings
from solver.errors import NetworkNotFoundError
from solver.roads import list_networks
from tests.service.test_api import assert_checked
from tests.service.test_jobs import day_plan

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def test_plan_command_prints_the_day_plan_response(tmp_path, capsys):
    request = tmp_path / "request.json"
    request.write_text(json.dumps(day_plan()))
    assert main(["plan", str(request)]) == 0
    response = json.loads(capsys.readouterr().out)
    assert response["solver"]["seed"] == 3
    visited = [s["account_id"] for s in response["routes"][0]["stops"] if s["type"] == "visit"]
    assert sorted(visited) == ["A1", "A2"]
    assert_checked(day_plan(), response)


def test_plan_command_reports_bad_input_in_one_sentence_and_exits_2(tmp_path, capsys):
    request = day_plan()
    request["accounts"][1]["windows"] = [{"start": "10:00", "end": "09:00"}]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    assert main(["plan", str(path)]) == 2
    err = capsys.readouterr().err
    assert "accounts[1] 'A2'" in err and "window end 09:00 is before start 10:00" in err


def test_serve_builds_the_default_network_on_first_start(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "DEFAULT_EXTRACTS", {"monaco": "monaco-2021-04-21.osm.pbf"})
    settings = Settings(networks_dir=tmp_path / "nets", osm_dir=DATA_DIR, default_network="monaco")
    serve.ensure_default_network(settings)
    assert [info.name for info in list_networks(tmp_path / "nets")] == ["monaco"]
    serve.ensure_default_network(settings)  # second start: already prepared, nothing to do


def test_serve_without_the_network_or_an_extract_says_what_to_run(tmp_path):
    settings = Settings(
        networks_dir=tmp_path / "nets", osm_dir=tmp_path, default_network="atlantis"
    )
    with pytest.raises(NetworkNotFoundError, match="fieldroute network build"):
        serve.ensure_default_network(settings)
