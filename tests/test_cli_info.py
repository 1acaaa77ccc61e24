from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kimson_geo.cli.main import cli
from kimson_geo.registry import LAYER_NAMES


def test_info_lists_every_bundled_layer() -> None:
    result = CliRunner().invoke(cli, ["info", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["layers"]
    assert [r["layer"] for r in rows] == list(LAYER_NAMES)
    for row in rows:
        assert row["features"] > 0 and row["crs"] == "EPSG:4326" and len(row["extent"]) == 4


def test_info_table_names_layers() -> None:
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 0
    for name in LAYER_NAMES:
        assert name in result.stdout


def test_summary_json_matches_api(bundled) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["summary", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["layers"] == bundled.summary()["layers"]


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["info", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_unreadable_input_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "roads.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["info", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "roads.geojson" in lines[0] and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "roads.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kimson_geo", "--debug", "info", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "Traceback" in done.stderr
    done = subprocess.run([sys.executable, "-m", "kimson_geo", "info", str(bad)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_every_command_help_has_an_example() -> None:
    runner = CliRunner()
    for command in cli.list_commands(None):  # type: ignore[arg-type]
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Examples:" in result.output and f"kimson-geo {command}" in result.output


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys; from kimson_geo.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('geopandas', 'folium', 'pandas', 'shapely', 'dask') "
            "if m in sys.modules]\nprint('HEAVY=' + ','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY="


def test_info_json_is_valid_without_geometries(tmp_path: Path) -> None:
    # every geometry null: the extent is unknown, which JSON says as null, never NaN
    roads = tmp_path / "roads.geojson"
    roads.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "r1"}, "geometry": None}]}),
        encoding="utf-8")
    for command in ("info", "summary"):
        result = CliRunner().invoke(cli, [command, str(roads), "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert "NaN" not in result.stdout and "Infinity" not in result.stdout
        json.loads(result.stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    row = json.loads(CliRunner().invoke(cli, ["info", str(roads), "--format", "json"])
                     .stdout)["layers"][0]
    assert row["features"] == 1 and row["extent"] in (None, [None, None, None, None])
    table = CliRunner().invoke(cli, ["info", str(roads)])
    assert table.exit_code == 0 and "nan" not in table.stdout


def test_info_and_summary_escape_the_data(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "d\x1b]0;owned\x07"
    folder.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "roads.geojson", folder)
    path = folder / "roads.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["kind"] = "main\x1b[2J[bold]"
    path.write_text(json.dumps(document), encoding="utf-8")
    for command in ("info", "summary"):
        result = CliRunner().invoke(cli, [command, str(folder)])
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "main\\x1b[2J[bold]" in CliRunner().invoke(cli, ["summary", str(folder)]).stdout
