import json

from service.cli import main
from tests.conftest import DATA_DIR


def test_network_build_list_info(tmp_path, capsys):
    # a file this project's code was not written against: the .pbf twin of a test extract
    source = DATA_DIR / "aguascalientes.osm.pbf"
    assert (
        main(["network", "build", str(source), "--name", "ags", "--networks-dir", str(tmp_path)])
        == 0
    )
    assert "Prepared network 'ags'" in capsys.readouterr().out
    assert (tmp_path / "ags" / "graph.npz").is_file()

    assert main(["network", "list", "--networks-dir", str(tmp_path)]) == 0
    assert "ags" in capsys.readouterr().out

    assert main(["network", "info", "ags", "--networks-dir", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "ags" and data["source_file"] == "aguascalientes.osm.pbf"
    assert data["nodes"] > 100


def test_network_info_unknown_name_fails_with_a_sentence(tmp_path, capsys):
    assert main(["network", "info", "nowhere", "--networks-dir", str(tmp_path)]) == 1
    assert "'nowhere': not found" in capsys.readouterr().err


def test_network_build_default_dir_comes_from_settings(tmp_path, monkeypatch, capsys):
    from service.config import get_settings

    monkeypatch.setenv("FIELDROUTE_NETWORKS_DIR", str(tmp_path / "nets"))
    get_settings.cache_clear()
    try:
        source = DATA_DIR / "aguascalientes.osm.bz2"
        argv = ["network", "build", str(source), "--name", "a2", "--speed", "residential=20"]
        assert main(argv) == 0
        assert (tmp_path / "nets" / "a2" / "network.json").is_file()
        capsys.readouterr()
        assert main(["network", "list", "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)
    finally:
        get_settings.cache_clear()
    assert [item["name"] for item in listed] == ["a2"]
    assert listed[0]["speeds_kmh"]["residential"] == 20


def test_network_build_rejects_a_bad_speed(tmp_path, capsys):
    source = DATA_DIR / "aguascalientes.osm.bz2"
    argv = ["network", "build", str(source), "--name", "x", "--networks-dir", str(tmp_path)]
    assert main([*argv, "--speed", "residential=fast"]) == 2
    assert "HIGHWAY=KMH" in capsys.readouterr().err
    assert main([*argv, "--speed", "residential=-3"]) == 2
    assert "residential" in capsys.readouterr().err
