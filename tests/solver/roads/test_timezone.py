"""Each prepared network records its time zone; older ones get it derived, with a warning."""

import json
import logging

import pytest

from solver.errors import NetworkNotFoundError
from solver.roads import NetworkInfo, network_local_timezone
from solver.roads.catalog import INFO_FILE


def test_build_records_the_time_zone_of_the_area_in_network_json(monaco_network, networks_dir):
    assert monaco_network.info.timezone == "Europe/Monaco"
    stored = json.loads((networks_dir / "monaco" / INFO_FILE).read_text())
    assert stored["timezone"] == "Europe/Monaco"
    assert network_local_timezone("monaco", networks_dir=networks_dir) == "Europe/Monaco"


def test_time_zone_of_a_network_on_another_continent(aguascalientes_network):
    assert aguascalientes_network.info.timezone == "America/Mexico_City"


def test_network_json_without_a_time_zone_falls_back_to_its_bbox_and_says_so(
    monaco_network, tmp_path, caplog
):
    old = monaco_network.info.to_dict()
    del old["timezone"]  # as written before time zones were recorded
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / INFO_FILE).write_text(json.dumps({**old, "name": "old"}))
    assert NetworkInfo.from_dict(old).timezone is None
    with caplog.at_level(logging.WARNING, logger="solver.roads.info"):
        assert network_local_timezone("old", networks_dir=tmp_path) == "Europe/Monaco"
    assert "records no time zone" in caplog.text
    assert "Rebuild" in caplog.text


def test_time_zone_of_an_unknown_network_is_not_found(tmp_path):
    with pytest.raises(NetworkNotFoundError):
        network_local_timezone("nowhere", networks_dir=tmp_path)
