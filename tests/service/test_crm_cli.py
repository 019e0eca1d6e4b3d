"""``fieldroute geocode`` and ``fieldroute accounts import`` on the Monaco network."""

from __future__ import annotations

import json

from service.cli import main
from tests.solver.crm.test_round_trip import ROWS, _salesforce_csv


def test_geocode_command_prints_quality_and_location(monaco_network, networks_dir, capsys):
    status = main(
        [
            "geocode",
            "4 Avenue de la Madone, Monaco",
            "Atlantis",
            "--network",
            "monaco",
            "--networks-dir",
            str(networks_dir),
        ]
    )
    assert status == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results[0]["quality"] == "address" and results[0]["placed"]
    assert results[1]["placed"] is False


def test_accounts_import_command_reports_every_row(monaco_network, networks_dir, tmp_path, capsys):
    path = tmp_path / "accounts.csv"
    path.write_bytes(_salesforce_csv())
    status = main(
        [
            "accounts",
            "import",
            str(path),
            "--network",
            "monaco",
            "--networks-dir",
            str(networks_dir),
        ]
    )
    assert status == 0
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    assert len(body["report"]) == len(ROWS) + 1
    assert body["counts"] == {"ok": 1, "geocoded": 6, "rejected": 5}
    assert "NOT_GEOCODED" in captured.err and "salesforce" in captured.err


def test_accounts_import_command_reports_bad_input_with_status_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("Foo,Bar\n1,2\n")
    assert main(["accounts", "import", str(path), "--format", "generic"]) == 2
    assert "mapping" in capsys.readouterr().err
