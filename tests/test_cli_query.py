from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from kimson_geo.cli.main import cli


def test_query_geojson_agrees_with_the_api(bundled) -> None:  # type: ignore[no-untyped-def]
    where = "kind == 'main' and width_m <= 5.5"
    result = CliRunner().invoke(cli, ["query", "roads", "--where", where, "--format", "geojson"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    expected = bundled.query("roads", where=where)
    assert [f["properties"]["id"] for f in document["features"]] == expected["id"].tolist()
    assert "crs" not in document


def test_query_within_khu_agrees_with_the_api(bundled) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["query", "cultural_houses", "--within-khu", "Kim Thành",
                                      "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = bundled.query("cultural_houses", within_khu="Kim Thành")
    assert [r["id"] for r in rows] == expected["id"].tolist()
    assert rows and rows[0]["geometry"].startswith("POINT")


def test_query_near(bundled) -> None:  # type: ignore[no-untyped-def]
    house = bundled["cultural_houses"].geometry.iloc[0]
    near = f"{house.y},{house.x},200"
    result = CliRunner().invoke(cli, ["query", "roads", "--near", near, "--format", "geojson"])
    assert result.exit_code == 0
    ids = [f["properties"]["id"] for f in json.loads(result.stdout)["features"]]
    assert ids == bundled.query("roads", near=(house.y, house.x, 200))["id"].tolist()


def test_query_table_shows_vietnamese() -> None:
    result = CliRunner().invoke(cli, ["query", "khu"])
    assert result.exit_code == 0
    assert "Kim Thành" in result.stdout


def test_bad_where_is_exit_2_one_line() -> None:
    result = CliRunner().invoke(cli, ["query", "roads", "--where", "kind =="])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("kimson-geo: error: --where")


def test_unknown_layer_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["query", "rivers"])
    assert result.exit_code == 2


def test_bad_near_is_exit_2() -> None:
    result = CliRunner().invoke(cli, ["query", "roads", "--near", "21.07"])
    assert result.exit_code == 2 and "LAT,LON,METRES" in result.stderr


def test_text_that_looks_like_markup_is_printed_as_is(small_dir) -> None:  # type: ignore[no-untyped-def]
    import json as _json

    path = small_dir / "roads.geojson"
    document = _json.loads(path.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["name"] = "Ngõ [bold]3[/bold] [link=x]"
    path.write_text(_json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["query", "roads", str(small_dir)])
    assert result.exit_code == 0, result.stderr
    assert "Ngõ [bold]3[/bold] [link=x]" in result.stdout


def test_control_characters_in_the_data_are_escaped(small_dir) -> None:  # type: ignore[no-untyped-def]
    from _support import edit_features

    def hostile(features):  # type: ignore[no-untyped-def]
        features[0]["properties"]["name"] = "Ngõ 3\x1b]0;owned\x07\x1b[2J\u009b31m"
        features[1]["properties"]["kind"] = "main\x1b[5m"
    edit_features(small_dir, "roads", hostile)
    result = CliRunner().invoke(cli, ["query", "roads", str(small_dir)])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\x9b" not in result.stdout
    assert "Ngõ 3\\x1b]0;owned\\x07\\x1b[2J\\x9b31m" in result.stdout
    assert "main\\x1b[5m" in result.stdout


def test_path_is_positional_after_layer(small_dir, bundled) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["query", "roads", str(small_dir), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))] == \
        ["r1", "r2", "r3", "r4"]
    assert result.stderr == ""


def test_a_single_file_is_read_as_layer(small_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a file whose name does not say its layer, and one named after another layer
    for name in ("survey-2017.geojson", "khu.geojson"):
        target = tmp_path / name
        target.write_bytes((small_dir / "roads.geojson").read_bytes())
        result = CliRunner().invoke(cli, ["query", "roads", str(target), "--where",
                                          "kind == 'main'", "--format", "csv"])
        assert result.exit_code == 0, result.stderr
        assert [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["r1", "r2"]


def test_data_is_a_deprecated_alias(small_dir) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["query", "roads", "--data", str(small_dir),
                                      "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "kimson-geo: warning: --data is deprecated; give PATH after LAYER "
        "(kimson-geo query LAYER PATH)"]
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 4
    both = CliRunner().invoke(cli, ["query", "roads", str(small_dir), "--data", str(small_dir)])
    assert both.exit_code == 2 and "not both" in both.stderr
    assert len(both.stderr.strip().splitlines()) == 1


def test_path_before_layer_gets_a_hint(small_dir) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["query", str(small_dir), "roads"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LAYER comes first, then PATH" in lines[0]


def test_a_field_missing_from_the_file_is_null(small_dir) -> None:  # type: ignore[no-untyped-def]
    from _support import edit_features

    def drop_surface(features):  # type: ignore[no-untyped-def]
        for feature in features:
            del feature["properties"]["surface"]
    edit_features(small_dir, "roads", drop_surface)
    result = CliRunner().invoke(cli, ["query", "roads", str(small_dir), "--where",
                                      "surface is null and width_m < 5", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["r2", "r3", "r4"]
    unknown = CliRunner().invoke(cli, ["query", "roads", str(small_dir), "--where", "lanes > 1"])
    assert unknown.exit_code == 2
    assert "unknown column 'lanes'" in unknown.stderr and "width_m" in unknown.stderr


def test_csv_on_stdout_neutralises_formulas(small_dir) -> None:  # type: ignore[no-untyped-def]
    path = small_dir / "roads.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["name"] = '=HYPERLINK("http://x","y")'
    document["features"][1]["properties"]["name"] = "@SUM(A1)"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(cli, ["query", "roads", str(small_dir), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    names = [r["name"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert names[0] == "'=HYPERLINK(\"http://x\",\"y\")" and names[1] == "'@SUM(A1)"
    assert names[2] == "Đường liên khu"
    assert "2 text cell(s)" in result.stderr
