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
    result = CliRunner().invoke(cli, ["query", "roads", "--data", str(small_dir)])
    assert result.exit_code == 0, result.stderr
    assert "Ngõ [bold]3[/bold] [link=x]" in result.stdout
