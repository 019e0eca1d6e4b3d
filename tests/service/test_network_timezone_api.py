"""A network's time zone is part of what the API and the CLI say about it."""

from service.cli import main
from tests.service.conftest import HEADERS


def test_network_endpoint_shows_the_recorded_time_zone(road_client):
    body = road_client.get("/v1/networks/monaco", headers=HEADERS).json()
    assert body["timezone"] == "Europe/Monaco"
    listed = road_client.get("/v1/networks", headers=HEADERS).json()
    assert {n["name"]: n["timezone"] for n in listed}["monaco"] == "Europe/Monaco"


def test_network_info_command_prints_the_time_zone(networks_dir, monaco_network, capsys):
    assert main(["network", "info", "monaco", "--networks-dir", str(networks_dir)]) == 0
    assert "time zone:   Europe/Monaco" in capsys.readouterr().out
