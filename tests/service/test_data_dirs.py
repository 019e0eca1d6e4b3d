"""Where fieldroute keeps its data: a per-user directory, never the working directory."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from platformdirs import user_data_dir

from service.commands.serve import DEFAULT_EXTRACTS
from service.config import Settings
from tests.service.test_api import monaco_day_plan


def test_default_paths_are_per_user_and_the_shipped_extract_is_found_from_any_cwd(
    tmp_path, monkeypatch
):
    for name in ("NETWORKS_DIR", "OSM_DIR", "DATABASE_URL"):
        monkeypatch.delenv(f"FIELDROUTE_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    data_dir = Path(user_data_dir("fieldroute", appauthor=False))
    assert settings.networks_dir == data_dir / "networks"
    assert settings.database_url == f"sqlite:///{(data_dir / 'fieldroute.sqlite').as_posix()}"
    assert (settings.osm_dir / DEFAULT_EXTRACTS["malta"]).is_file()
    assert tmp_path not in settings.osm_dir.parents


def test_plan_run_outside_the_repository_finds_networks_in_the_user_data_dir(
    tmp_path, networks_dir, monaco_network
):
    xdg = tmp_path / "xdg"
    shutil.copytree(networks_dir / "monaco", xdg / "fieldroute" / "networks" / "monaco")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "request.json").write_text(json.dumps(monaco_day_plan()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDROUTE_")}
    env["XDG_DATA_HOME"] = str(xdg)
    env["FIELDROUTE_DEFAULT_NETWORK"] = "monaco"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "plan", "request.json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["routes"][0]["stops"]
    assert not (elsewhere / "data").exists()
